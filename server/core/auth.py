"""Tokens and what each role may see (who may do what: ``server.core.policy``). Tokens are
random secrets; only their SHA-256 is stored. ``Access`` turns a principal into the view of
events it is allowed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from server.core import policy
from server.core.errors import Unauthorized, ValidationFailed, detail
from server.core.kinds import public_position
from server.core.policy import AGENCY_BOUND, ROLES, UNIT_BOUND
from server.store.base import SESSION_LABEL, Box, EventQuery, TokenRecord
from server.core.timefmt import now_micros

#: Kinds citizens file (``Kind.citizen``) need ``events.post_citizen``; every other kind
#: ``events.post``. An ``sos`` is the one-tap button of the citizens' app, which holds a public
#: token: a person in rising water cannot be asked to sign in first. What protects the others: a
#: public view never reads back a phone, name, address or exact place; the server sets status and
#: triage; repeated taps from one phone join the open SOS (docs/FLOOD_OPERATIONS.md).
TOKEN_PREFIX = "ioc_"
#: The cookie of a sign-in session (its value is the session token's secret; HttpOnly).
SESSION_COOKIE = "ioc_session"
#: The header that carries the CSRF token of a request made with the session cookie.
CSRF_HEADER = "X-CSRF-Token"
#: Methods that change nothing: no CSRF token is asked of them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token id, its role, (for roles ``agency`` and, optionally,
    ``supervisor``) its agency and (for role ``responder``) its responder unit; for a person
    signed in, ``user`` (the username) and ``name``; ``session`` when the credential is a
    sign-in session (the cookie) rather than a bearer token."""

    token_id: str | None
    role: str
    agency_id: str | None = None
    unit_id: str | None = None
    user: str | None = None
    name: str = ""
    session: bool = False

    @property
    def authenticated(self) -> bool:
        """Return True when a valid token was presented."""
        return self.token_id is not None

    @property
    def actor(self) -> str | None:
        """Return who acts, as the audit trail names it: the person's username, else the
        token id (a machine's, a kiosk's, the public app's), else None."""
        return self.user or self.token_id


def csrf_token(session_secret: str) -> str:
    """Return the CSRF token of a session: an HMAC of a fixed text keyed by the session's
    secret, so it is bound to that session, needs no storage and tells nothing of the secret."""
    return hmac.new(session_secret.encode(), b"ioc-csrf", hashlib.sha256).hexdigest()[:40]


def csrf_matches(session_secret: str, sent: str | None) -> bool:
    """Return True if ``sent`` is the CSRF token of the session (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(csrf_token(session_secret), sent)


ANONYMOUS = Principal(None, "none")


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: str, agency_id: str | None = None, label: str = "",
              ttl_s: float | None = None, unit_id: str | None = None) -> tuple[str, TokenRecord]:
    """Return (secret, record) for a new token; raise ValidationFailed for a bad role, agency or
    unit (a responder token names its unit: ``extra["unit"]``)."""
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}",
                               [detail("role", f"one of {', '.join(ROLES)}")])
    if role == "agency" and agency_id is None:
        raise ValidationFailed("role agency needs --agency", [detail("agency", "missing")])
    if agency_id is not None and role not in AGENCY_BOUND:
        raise ValidationFailed("only roles agency and supervisor are bound to an agency",
                               [detail("agency", f"not allowed for role {role!r}")])
    if (role in UNIT_BOUND) != (unit_id is not None):
        problem = "missing" if unit_id is None else f"not allowed for role {role!r}"
        raise ValidationFailed("a responder token, and only one, names its unit (--unit)",
                               [detail("unit", problem)])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = now_micros()
    expires = now + int(ttl_s * 1e6) if ttl_s else None
    record = TokenRecord(id=secrets.token_hex(8), hash=hash_token(secret), role=role,
                         agency_id=agency_id, label=label, created_at=now, expires_at=expires,
                         extra={"unit": unit_id} if unit_id else {})
    return secret, record


#: How far (degrees) a point may lie from the centre of its parent cell at the public
#: resolution (H3 res 7: under 1.5 km, so 0.03° of latitude or longitude at Huế is ample).
PUBLIC_BOX_MARGIN = 0.03


@dataclass(frozen=True)
class PublicQuery(EventQuery):
    """The query of a public view with a ``bbox``: the box selects events by the centre of
    their parent cell at the public resolution (where a sensitive event is shown), never by the
    exact point, so no box, however small, tells where a sensitive event really is. The store
    reads ``bbox`` (the public box widened by PUBLIC_BOX_MARGIN); ``matches`` tests the cell
    centre against ``public_bbox`` (``EventService.read_page`` applies it to store pages)."""

    public_bbox: Box | None = None

    def matches(self, ev: dict[str, Any]) -> bool:
        """Return True if ``ev`` passes the filters, its parent cell centre in ``public_bbox``."""
        if not super().matches(ev):
            return False
        if self.public_bbox is None:
            return True
        lat, lon, _ = public_position(ev["cell"], True)
        x0, y0, x1, y1 = self.public_bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1


@dataclass(frozen=True)
class View:
    """What a principal sees of events: all, its agency's only, or the public form."""

    public: bool
    agency_id: str | None

    def scope(self, query: EventQuery) -> EventQuery:
        """Return ``query`` narrowed to what this view may read (for the public view with a
        bbox: a PublicQuery, the box applied to the public positions)."""
        if self.public and query.bbox is not None and not isinstance(query, PublicQuery):
            x0, y0, x1, y1 = query.bbox
            m = PUBLIC_BOX_MARGIN
            fields = {f.name: getattr(query, f.name) for f in dataclasses.fields(EventQuery)}
            return PublicQuery(**{**fields, "bbox": (x0 - m, y0 - m, x1 + m, y1 + m)},
                               public_bbox=query.bbox)
        if self.agency_id is None:
            return query
        return dataclasses.replace(query, agency_id=self.agency_id)


def view_of(principal: Principal) -> View:
    """Return the View of a principal; raise Unauthorized/Forbidden if it may read nothing
    (``events.read``)."""
    if not principal.authenticated:
        raise Unauthorized("send a token: Authorization: Bearer TOKEN (websocket: ?token=…)")
    policy.require(principal, policy.EVENTS_READ)
    if principal.role in policy.FULL_VIEW:
        return View(False, None)
    if principal.role == "public":
        return View(True, None)
    return View(False, principal.agency_id)  # an agency: its own


def posting(kinds: set[str], citizen_kinds: frozenset[str]) -> policy.Permission:
    """Return the policy action of posting events of ``kinds``: ``events.post_citizen`` when
    they are all ``citizen_kinds`` (``KindRegistry.citizen_kinds``), else ``events.post``."""
    return policy.EVENTS_POST_CITIZEN if kinds <= citizen_kinds else policy.EVENTS_POST


def case_scope(principal: Principal, agency_id: str, copied_to: Iterable[str],
               subtree: Callable[[str], frozenset[str]], acting: bool = False) -> bool:
    """Return True if ``principal`` may read (``acting`` False) or act on a case of ``agency_id``
    copied to ``copied_to``: admin, operator, wall, the system and an unbound supervisor every
    case; an agency its own (reading: and the copies it got); a supervisor bound to an agency
    the cases of the units below it (``subtree``; reading: and their copies). Other roles:
    False (their features decide)."""
    role = principal.role
    if role in policy.EVERY_CASE or (role == "supervisor" and not principal.agency_id):
        return True
    if role == "agency":
        return agency_id == principal.agency_id or (not acting and principal.agency_id in copied_to)
    if role == "supervisor":
        units = subtree(principal.agency_id)
        return agency_id in units or (not acting and any(a in units for a in copied_to))
    return False


class TokenCache:
    """Resolve bearer tokens to principals, caching answers for ``ttl`` seconds. A token's
    expiry is checked on every use (not only when the cache is refreshed), and ``forget`` drops
    every cached answer (called when a token is revoked in this process).

    Each use is remembered (token id → last use, epoch µs) and handed to the service in batches
    (``take_used``) to be written (``EventStore.touch_tokens``); a sign-in session
    (``extra["idle_s"]``) ends once it has not been used for that long, on this node or
    (through the stored time) on another."""

    def __init__(self, lookup: Callable[[str], Awaitable[TokenRecord | None]], ttl: float = 30.0):
        self._lookup = lookup
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal | None, TokenRecord | None]] = {}
        self._seen: dict[str, int] = {}
        self._pending: dict[str, int] = {}

    async def principal(self, token: str | None) -> Principal:
        """Return the Principal of ``token`` (ANONYMOUS for None); raise Unauthorized if invalid
        (unknown, revoked, expired, or a session idle too long)."""
        if not token:
            return ANONYMOUS
        h = hash_token(token)
        hit = self._cache.get(h)
        if hit is None or hit[0] < time.monotonic():
            rec = await self._lookup(h)
            hit = (time.monotonic() + self._ttl, _principal_of(rec), rec)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[h] = hit
        _, principal, rec = hit
        now = now_micros()
        if principal is None or rec is None or (rec.expires_at is not None
                                                and rec.expires_at < now):
            raise Unauthorized("the token is unknown, revoked or expired")
        if self._idle(rec, now):
            raise Unauthorized("the session ended after a time without use: sign in again")
        self._note({rec.id: now})
        return principal

    def _note(self, uses: dict[str, int]) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen.update(uses)
        self._pending.update(uses)

    def _idle(self, rec: TokenRecord, now: int) -> bool:
        """Return True when ``rec`` is a session unused for longer than its ``idle_s``."""
        idle_s = (rec.extra or {}).get("idle_s")
        if not idle_s:
            return False
        last = max(rec.last_used_at or rec.created_at, self._seen.get(rec.id, 0))
        return now - last > idle_s * 1_000_000

    def mark_used(self, token_ids: Iterable[str]) -> None:
        """Count ``token_ids`` as used now (the tokens of open websockets: a page that is open
        and listening is in use)."""
        now = now_micros()
        self._note({token_id: now for token_id in token_ids})

    def take_used(self) -> dict[str, int]:
        """Return the uses (token id → epoch µs) since the last call and start a new batch."""
        used, self._pending = self._pending, {}
        return used

    def requeue(self, used: dict[str, int]) -> None:
        """Put back uses that could not be written (newer ones win)."""
        self._pending = {**used, **self._pending}

    def forget(self) -> None:
        """Drop every cached answer (the next use of each token reads the store)."""
        self._cache.clear()


def _principal_of(rec: TokenRecord | None) -> Principal | None:
    if rec is None or rec.revoked_at is not None:
        return None
    if rec.expires_at is not None and rec.expires_at < now_micros():
        return None
    extra = rec.extra or {}
    session = rec.label == SESSION_LABEL and extra.get("kind") == "session"
    return Principal(rec.id, rec.role, rec.agency_id, extra.get("unit"),
                     user=rec.owner if session else None, name=extra.get("name", ""),
                     session=session)


def bearer(header: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer TOKEN`` header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("the Authorization header must be: Bearer TOKEN")
    return value.strip()
