"""The people service: persons (add, change, disable, reset), sign-in and sign-out, one-time
password links and the sessions they open. Every change is in the audit trail under the name of
the person who made it; disabling a person or changing their role ends their sessions at once on
every node (the sessions are tokens: ``EventService.announce_revoked``)."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any, Callable

from server.core.auth import Principal, new_token
from server.core.errors import (BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized,
                                ValidationFailed, detail)
from server.core.timefmt import now_micros
from server.features.people.passwords import check_password_async, hash_password_async
from server.features.people.settings import PeopleSettings
from server.features.people.throttle import Throttle
from server.features.people.users import (PASSWORD_CODE, PERSON, SEEN, LoginIn, PasswordIn,
                                          Person, PersonIn, PersonPatch, binding_problems)
from server.store.base import SESSION_LABEL, AuditEntry

#: The page each role starts on after sign-in.
HOME = {"admin": "/admin", "supervisor": "/cases", "operator": "/hotline", "agency": "/cases",
        "responder": "/tablet", "wall": "/wall"}
WRONG = "Sai tên đăng nhập hoặc mật khẩu / wrong username or password"


def code_key(code: str) -> str:
    """Return the stored key of a one-time code (its SHA-256: the code itself is not kept)."""
    return hashlib.sha256(code.encode()).hexdigest()


def password_link(code: str) -> str:
    """Return the set-password address of ``code`` (the code in the fragment, which browsers
    never send)."""
    return f"/password#code={code}"


class People:
    """Persons and their sessions over the core's store."""

    def __init__(self, core: Any, settings: PeopleSettings,
                 unit_exists: Callable[[str], bool] | None = None) -> None:
        self.core = core
        self.settings = settings
        self.unit_exists = unit_exists
        self.by_user = Throttle(settings.login_max_failures, settings.login_window_s)
        self.by_address = Throttle(settings.login_address_failures, settings.login_window_s)

    # -- reading --------------------------------------------------------------------------------
    async def get(self, username: str) -> Person | None:
        """Return the person ``username`` or None."""
        doc = await self.core.read(self.core.store.record, PERSON, username)
        return Person.of(doc) if doc else None

    async def listing(self) -> list[dict[str, Any]]:
        """Return every person's ``Person.listing``, by username."""
        docs = await self.core.read(self.core.store.records, PERSON)
        seen = await self.core.read(self.core.store.records, SEEN)
        return [Person.of(doc).listing(self.core.tz, (seen.get(name) or {}).get("at"))
                for name, doc in sorted(docs.items())]

    async def names(self, actors: set[str]) -> dict[str, str]:
        """Return ``{username: name}`` of the persons among ``actors``."""
        docs = await self.core.read(self.core.store.records, PERSON)
        return {a: docs[a]["name"] for a in actors if a in docs}

    async def an_admin_can_sign_in(self) -> bool:
        """Return True when an enabled administrator has a password or signs on."""
        docs = await self.core.read(self.core.store.records, PERSON)
        return any(p.role == "admin" and p.enabled and (p.password or p.source != "local")
                   for p in map(Person.of, docs.values()))

    async def first_admin_link(self) -> str:
        """Add person ``admin`` (role admin) unless there is one; return a new one-time
        set-password link of theirs."""
        system = Principal("system", "admin")
        if await self.get("admin") is None:
            _, link = await self.add({"username": "admin", "name": "Quản trị viên",
                                      "role": "admin"}, system)
            return link
        return await self.reset("admin", system)

    # -- the admin's changes --------------------------------------------------------------------
    async def add(self, doc: Any, by: Principal) -> tuple[Person, str]:
        """Add a person from ``doc`` (``PersonIn``); return (person, one-time set-password
        link). Raise ValidationFailed (binding, unknown agency or unit) or Conflict (taken)."""
        from server.core.events import parse_model
        new = parse_model(PersonIn, doc, "person")
        self.check_binding(new.role, new.agency_id, new.unit_id)
        person = Person(new.username, new.name, new.role, new.agency_id, new.unit_id,
                        created_at=now_micros())
        if not await self.core.write(self.core.store.add_record, PERSON, person.username,
                                     person.doc(), person.created_at):
            raise Conflict(f"the username {person.username!r} is taken: choose another")
        code = await self.new_code(person.username)
        await self.audit("person.add", by, person.username, {"role": person.role})
        return person, password_link(code)

    async def change(self, username: str, doc: Any, by: Principal) -> Person:
        """Apply ``doc`` (``PersonPatch``) to ``username``; a change of role, binding or
        ``enabled`` ends their sessions everywhere. Return the person; raise NotFound."""
        from server.core.events import parse_model
        patch = parse_model(PersonPatch, doc, "change").model_dump(exclude_unset=True)
        person = await self.must_get(username)
        if patch.get("enabled") is False and username == by.user:
            raise BadRequest("you cannot disable yourself: ask another administrator")
        for key, value in patch.items():
            setattr(person, key, value)
        self.check_binding(person.role, person.agency_id, person.unit_id)
        await self.save(person)
        if set(patch) & {"role", "agency_id", "unit_id", "enabled"}:
            await self.end_sessions(username)
        await self.audit("person.change", by, username, patch)
        return person

    async def reset(self, username: str, by: Principal) -> str:
        """Clear ``username``'s password, end their sessions and return a new one-time link."""
        person = await self.must_get(username)
        if person.source != "local":
            raise BadRequest("this person signs in with the province's sign-on: their "
                             "password is kept there")
        person.password = None
        await self.save(person)
        await self.end_sessions(username)
        await self.audit("person.reset", by, username, {})
        return password_link(await self.new_code(username))

    def check_binding(self, role: str, agency_id: str | None, unit_id: str | None) -> None:
        """Raise ValidationFailed unless the binding fits the role and names what exists."""
        problems = binding_problems(role, agency_id, unit_id)
        if agency_id and self.core.router.agencies.get(agency_id) is None:
            problems.append(("agency_id", f"no agency {agency_id!r}"))
        if unit_id and self.unit_exists is not None and not self.unit_exists(unit_id):
            problems.append(("unit_id", f"no responder unit {unit_id!r} is registered"))
        if problems:
            raise ValidationFailed("the role and the agency or unit do not fit",
                                   [detail(f, p) for f, p in problems])

    async def must_get(self, username: str) -> Person:
        """Return the person ``username``; raise NotFound."""
        person = await self.get(username)
        if person is None:
            raise NotFound(f"no person {username!r}")
        return person

    async def save(self, person: Person) -> None:
        """Store ``person``."""
        await self.core.write(self.core.store.put_records, PERSON,
                              {person.username: person.doc()}, now_micros())

    async def end_sessions(self, username: str) -> int:
        """End every session of ``username`` on every node; return how many."""
        n = await self.core.write(self.core.store.revoke_owned, username, now_micros())
        self.core.tokens.forget()
        self.core.announce_revoked()
        return n

    # -- one-time codes -------------------------------------------------------------------------
    async def new_code(self, username: str) -> str:
        """Store a one-time set-password code for ``username``; return it (shown once)."""
        code = secrets.token_urlsafe(24)
        expires = now_micros() + int(self.settings.password_link_hours * 3600e6)
        await self.core.write(self.core.store.put_records, PASSWORD_CODE,
                              {code_key(code): {"username": username, "expires_at": expires}},
                              now_micros())
        return code

    async def set_password(self, doc: Any) -> str:
        """Set a password from a one-time code (``PasswordIn``); return the username. Raise
        BadRequest (unknown, used or expired code) or ValidationFailed (weak password)."""
        from server.core.events import parse_model
        given = parse_model(PasswordIn, doc, "password")
        self.check_strength(given.password)
        taken = await self.core.write(self.core.store.take_record, PASSWORD_CODE,
                                      code_key(given.code))
        if not taken or taken["expires_at"] < now_micros():
            raise BadRequest("this link is used or expired: ask an administrator for a new one")
        person = await self.must_get(taken["username"])
        person.password = await hash_password_async(given.password)
        await self.save(person)
        await self.end_sessions(person.username)
        await self.audit("person.password", Principal(None, person.role, user=person.username),
                         person.username, {})
        return person.username

    def check_strength(self, password: str) -> None:
        """Raise ValidationFailed for a password too short or of one repeated character."""
        n = self.settings.password_min_length
        if len(password) < n or len(set(password)) < 3:
            raise ValidationFailed(f"choose a longer password: at least {n} characters, not one "
                                   "letter repeated", [detail("password", "too weak")])

    # -- sign-in --------------------------------------------------------------------------------
    async def sign_in(self, doc: Any, address: str) -> tuple[Person, str]:
        """Check ``doc`` (``LoginIn``) and open a session; return (person, session secret).
        Raise TooManyRequests (paused) or Unauthorized (wrong username or password: which is
        never said; a disabled person, told so once the password is right)."""
        from server.core.events import parse_model
        given = parse_model(LoginIn, doc, "sign-in")
        username = given.username.strip().lower()
        keys = (self.by_user, f"user:{username}"), (self.by_address, f"addr:{address}")
        wait = max(throttle.wait(key) for throttle, key in keys)
        if wait:
            raise TooManyRequests(f"Sai quá nhiều lần: thử lại sau {wait} giây / too many failed "
                                  f"sign-ins: try again in {wait} s",
                                  headers={"Retry-After": str(wait)})
        person = await self.get(username)
        ok = await check_password_async(person.password if person else None, given.password)
        if not ok:
            for throttle, key in keys:
                throttle.fail(key)
            raise Unauthorized(WRONG)
        if not person.enabled:
            raise Unauthorized("Tài khoản đã bị khoá: liên hệ quản trị / this account is "
                               "disabled: ask an administrator")
        self.by_user.clear(f"user:{username}")
        return person, await self.open_session(person)

    async def open_session(self, person: Person) -> str:
        """Store a new session of ``person`` and note the sign-in; return its secret."""
        secret, rec = new_token(person.role, person.agency_id, SESSION_LABEL,
                                self.settings.session_max_s, person.unit_id)
        rec.owner = person.username
        rec.extra = {**rec.extra, "kind": "session", "name": person.name,
                     "idle_s": self.settings.session_idle_s}
        await self.core.write(self.core.store.save_token, rec)
        now = now_micros()
        await self.core.write(self.core.store.put_records, SEEN, {person.username: {"at": now}},
                              now)
        await self.audit("person.sign_in", Principal(rec.id, person.role, user=person.username),
                         person.username, {})
        return secret

    async def sign_out(self, principal: Principal) -> None:
        """End ``principal``'s session on every node."""
        await self.core.write(self.core.revoke_token, principal.token_id)
        self.core.announce_revoked()
        await self.audit("person.sign_out", principal, principal.user, {})

    # -- the trail ------------------------------------------------------------------------------
    async def audit(self, action: str, by: Principal, username: str | None,
                    data: dict[str, Any]) -> None:
        """Append an audit entry of ``action`` by ``by`` about ``username``."""
        entry = AuditEntry(action, by.actor, by.role, data={"username": username, **data},
                           at=now_micros())
        await self.core.write(self.core.store.record_audit, entry)

