"""Sign-on with the province's identity provider, on the server's side::

    GET /auth/oidc/start?next=/wall   302 to the provider (404 while single sign-on is off)
    GET /auth/oidc/callback           302 to ``next`` signed in, or to /login?error=oidc&reason=…

What a sign-in needs back (nonce, PKCE verifier, redirect URI, ``next``) is kept on the server
in the store's keyed records (kind ``oidc_state``, key the SHA-256 of the state), taken once,
for ``STATE_TTL_S``: any node of the server may answer the callback. The sign-in is also bound
to the browser that began it (a cookie of its own, ``BINDING_COOKIE``, whose hash the record
keeps), so a callback address carried to another browser signs no one in there. A person who
signs on for the first time is added (source ``oidc``); afterwards the provider's name, role,
agency and unit replace ours at each sign-on (a change ends their other sessions). A person an
administrator disabled stays out.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from server.core.auth import ANONYMOUS, Principal
from server.core.errors import (BadRequest, Forbidden, IOCError, NotFound, Unauthorized,
                                Unavailable, ValidationFailed)
from server.core.timefmt import now_micros
from server.features.people.oidc import OidcClient, OidcPerson, OidcSettings
from server.features.people.service import HOME, People
from server.features.people.handlers import PeopleHandler
from server.features.people.users import PERSON, Person

log = logging.getLogger(__name__)

#: Record kind of the sign-ins begun and not yet answered.
STATE_KIND = "oidc_state"
#: Seconds a begun sign-in may take before its callback is refused.
STATE_TTL_S = 600
#: The cookie that binds a sign-in to the browser that began it (path /auth/oidc/ only).
BINDING_COOKIE = "ioc_oidc"
#: Where the provider sends the browser back.
CALLBACK_PATH = "/auth/oidc/callback"
#: Seconds between two sweeps of abandoned sign-ins.
SWEEP_EVERY_S = 60


def digest(text: str) -> str:
    """Return the hex SHA-256 of ``text`` (what is kept of a state or of a browser binding)."""
    return hashlib.sha256(text.encode()).hexdigest()


def local_path(value: str | None) -> str | None:
    """Return ``value`` when it is a path of this server (``/wall``, ``/hotline?x=1``), else
    None: no scheme, no host, no ``//`` or backslash (an open redirect is refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 33 or ord(c) == 127 for c in value) or len(value) > 500:
        return None
    return value


class SignOnRefused(Unauthorized):
    """A sign-on that did not happen; ``reason`` goes to the sign-in page (``reason=``)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def reason_of(exc: IOCError) -> str:
    """Return the sign-in page's ``reason`` for a failed sign-on: ``denied`` (the provider or
    the person said no), ``expired`` (unknown, used, old or other browser's), ``role`` (the
    provider gives no role, agency or unit that fits), ``disabled``, ``unavailable`` (the
    provider cannot be reached) or ``failed`` (anything else)."""
    if isinstance(exc, SignOnRefused):
        return exc.reason
    if isinstance(exc, Forbidden):
        return "role"
    if isinstance(exc, Unavailable):
        return "unavailable"
    return "failed"


class SignOn:
    """The server's side of the sign-on: begins and finishes sign-ins with ``settings``'
    provider, adding and updating the persons of ``people`` and opening their sessions."""

    def __init__(self, core: Any, people: People, settings: OidcSettings) -> None:
        self.core = core
        self.people = people
        self.settings = settings
        self.client = OidcClient(settings) if settings.oidc_enabled else None
        self._swept_at = 0

    @property
    def enabled(self) -> bool:
        """Return True when single sign-on is configured."""
        return self.client is not None

    def offer(self) -> dict[str, Any]:
        """Return ``{"enabled": bool, "label": {"vi", "en"}}`` for the sign-in page."""
        return {"enabled": self.enabled, "label": {"vi": self.settings.oidc_label_vi,
                                                   "en": self.settings.oidc_label_en}}

    async def begin(self, redirect_uri: str, next_path: str | None, binding: str) -> str:
        """Keep a new sign-in (bound to the browser holding ``binding``) and return the
        provider's address to send the browser to; raise NotFound while sign-on is off,
        Unavailable when the provider cannot be reached."""
        if self.client is None:
            raise NotFound("single sign-on is not configured here: sign in with your username "
                           "and password at /login")
        start = await self.client.start(redirect_uri)
        now = now_micros()
        doc = {"nonce": start.nonce, "verifier": start.verifier, "redirect_uri": redirect_uri,
               "next": next_path, "binding": digest(binding),
               "expires_at": now + STATE_TTL_S * 1_000_000}
        await self.core.write(self.core.store.add_record, STATE_KIND, digest(start.state), doc,
                              now)
        await self.sweep(now)
        return start.url

    async def sweep(self, now: int) -> int:
        """Forget the sign-ins begun and abandoned (expired), at most once a minute; return how
        many were forgotten."""
        if now - self._swept_at < SWEEP_EVERY_S * 1_000_000:
            return 0
        self._swept_at = now
        pending = await self.core.read(self.core.store.records, STATE_KIND)
        old = {key: None for key, doc in pending.items() if doc.get("expires_at", 0) < now}
        if old:
            await self.core.write(self.core.store.put_records, STATE_KIND, old, now)
        return len(old)

    async def _pending(self, args: dict[str, str], binding: str | None) -> dict[str, Any]:
        """Return the kept sign-in that the callback's ``args`` answer (taken: one use); raise
        SignOnRefused when the provider said no or the sign-in is unknown, used, expired or
        another browser's, BadRequest when the answer lacks its parts."""
        if args.get("error"):
            raise SignOnRefused(f"the identity provider did not sign you in ({args['error']})",
                                "denied")
        state, code = args.get("state"), args.get("code")
        if not state or not code:
            raise BadRequest("the identity provider's answer lacks its code or state")
        if "iss" in args and args["iss"] != self.settings.oidc_issuer:
            raise SignOnRefused("the answer comes from another identity provider (iss)",
                                "failed")
        pending = await self.core.write(self.core.store.take_record, STATE_KIND, digest(state))
        if pending is None or pending["expires_at"] < now_micros():
            raise SignOnRefused("this sign-in is unknown, used or expired: sign in again",
                                "expired")
        if not binding or not hmac.compare_digest(pending["binding"], digest(binding)):
            raise SignOnRefused("this sign-in was begun in another browser: sign in again",
                                "expired")
        return pending

    async def finish(self, args: dict[str, str],
                     binding: str | None) -> tuple[Person, str, str]:
        """Finish the sign-in the callback's query ``args`` answer, in the browser holding
        ``binding``; return (person, session secret, the address to go to). Raise
        SignOnRefused, Forbidden (no role), Unauthorized, BadRequest or Unavailable."""
        if self.client is None:
            raise NotFound("single sign-on is not configured here")
        pending = await self._pending(args, binding)
        who = await self.client.sign_in(args["code"], pending["nonce"], pending["verifier"],
                                        pending["redirect_uri"])
        person = await self.provision(who)
        secret = await self.people.open_session(person)
        return person, secret, pending["next"] or HOME[person.role]

    async def provision(self, who: OidcPerson) -> Person:
        """Return the person ``who`` signs on as: added on first sign-on, else updated from the
        provider (a changed role or binding ends their other sessions). Raise SignOnRefused
        for a disabled person, Forbidden when the provider's agency or unit is unknown here."""
        try:
            self.people.check_binding(who.role, who.agency_id, who.unit_id)
        except ValidationFailed as exc:
            problems = "; ".join(d["message"] for d in exc.details)
            raise Forbidden(f"the identity provider's agency or unit for {who.username!r} is "
                            f"not known here ({problems}); ask an administrator") from exc
        person = await self.people.get(who.username)
        if person is None:
            person = Person(who.username, who.name, who.role, who.agency_id, who.unit_id,
                            source="oidc", subject=who.subject, created_at=now_micros())
            if await self.core.write(self.core.store.add_record, PERSON, person.username,
                                     person.doc(), person.created_at):
                await self.people.audit("person.add", self.as_person(person), person.username,
                                        {"role": person.role, "source": "oidc"})
                return person
            person = await self.people.must_get(who.username)  # added at once by another
        return await self.update(person, who)

    async def update(self, person: Person, who: OidcPerson) -> Person:
        """Return ``person`` with the provider's name, role, agency and unit (stored when they
        changed; a changed role or binding ends their other sessions); raise SignOnRefused when
        an administrator disabled them."""
        if not person.enabled:
            raise SignOnRefused("Tài khoản đã bị khoá: liên hệ quản trị / this account is "
                                "disabled: ask an administrator", "disabled")
        fresh = {"name": who.name, "role": who.role, "agency_id": who.agency_id,
                 "unit_id": who.unit_id, "subject": who.subject}
        changed = {k: v for k, v in fresh.items() if getattr(person, k) != v}
        if not changed:
            return person
        for key, value in changed.items():
            setattr(person, key, value)
        await self.people.save(person)
        if set(changed) & {"role", "agency_id", "unit_id"}:
            await self.people.end_sessions(person.username)
        await self.people.audit("person.change", self.as_person(person), person.username,
                                {**{k: v for k, v in changed.items() if k != "subject"},
                                 "source": "oidc"})
        return person

    @staticmethod
    def as_person(person: Person) -> Principal:
        """Return a Principal naming ``person`` (the audit trail's actor of their sign-on)."""
        return Principal(None, person.role, person.agency_id, person.unit_id,
                         user=person.username, name=person.name)


class SignOnHandler(PeopleHandler):
    """Base of the two addresses: no credential is read (a stale cookie cannot stand in the
    way); ``self.sign_on`` is the feature's SignOn."""

    async def authenticate(self) -> Principal:
        """Return ANONYMOUS."""
        return ANONYMOUS

    @property
    def sign_on(self) -> SignOn:
        """Return the feature's SignOn."""
        return self.feature.sign_on

    def secure(self) -> bool:
        """Return True when browsers reach the server over TLS (cookies are then Secure)."""
        public = self.core.settings.public_url or ""
        return self.request.protocol == "https" or public.startswith("https:")

    def callback_url(self) -> str:
        """Return the callback's absolute address: under ``IOC_PUBLIC_URL`` when set, else
        under the address this request came to."""
        public = (self.core.settings.public_url or "").rstrip("/")
        base = public or f"{self.request.protocol}://{self.request.host}"
        return base + CALLBACK_PATH


class OidcStartHandler(SignOnHandler):
    """``GET /auth/oidc/start?next=PATH``."""

    async def get(self) -> None:
        """Redirect (302) to the provider, the sign-in kept and bound to this browser."""
        binding = secrets.token_urlsafe(32)
        url = await self.sign_on.begin(self.callback_url(),
                                       local_path(self.get_query_argument("next", None)),
                                       binding)
        self.set_cookie(BINDING_COOKIE, binding, path="/auth/oidc/", httponly=True,
                        samesite="Lax", secure=self.secure(), max_age=STATE_TTL_S)
        self.set_header("Cache-Control", "no-store")
        self.redirect(url)


class OidcCallbackHandler(SignOnHandler):
    """``GET /auth/oidc/callback?code=…&state=…`` (the provider sends the browser here)."""

    async def get(self) -> None:
        """Redirect (302) to where the sign-in asked, signed in; or to the sign-in page with
        ``error=oidc`` and the ``reason``."""
        args = {k: self.get_query_argument(k) for k in self.request.query_arguments}
        binding = self.get_cookie(BINDING_COOKIE)
        self.clear_cookie(BINDING_COOKIE, path="/auth/oidc/")
        self.set_header("Cache-Control", "no-store")
        try:
            person, secret, to = await self.sign_on.finish(args, binding)
        except IOCError as exc:
            log.info("sign-on refused (%s): %s", reason_of(exc), exc.message)
            self.redirect("/login?" + urlencode({"error": "oidc", "reason": reason_of(exc)}))
            return
        self.set_session_cookie(secret)
        self.redirect(to)


def routes(args: dict[str, Any]) -> list[tuple]:
    """Return the sign-on routes (``args``: the handlers' arguments, ``feature`` included)."""
    return [(r"/auth/oidc/start", OidcStartHandler, args),
            (r"/auth/oidc/callback", OidcCallbackHandler, args)]
