"""Sign-in and the admin's people API::

    GET   /auth/me                       who is signed in (always 200), the CSRF token, sign-on
    POST  /auth/login                    {username, password} → the session cookie
    POST  /auth/logout                   end this session (every node)
    POST  /auth/password                 {code, password}: set a password from a one-time link
    GET   /api/v1/users                  (admin) every person
    POST  /api/v1/users                  (admin) add a person → the one-time link
    PATCH /api/v1/users/{username}       (admin) change, disable, enable
    POST  /api/v1/users/{username}/reset (admin) a new one-time link; the old password ends
"""
from __future__ import annotations

from typing import Any

from server.core import policy
from server.core.auth import ANONYMOUS, SESSION_COOKIE, Principal, csrf_token
from server.core.errors import Unauthorized, UnsupportedMediaType
from server.features.people import actions
from server.features.people.service import HOME, People
from server.web.base import FeatureHandler

USER = r"((?:oidc:)?[a-z0-9][a-z0-9._-]{1,79})"


class PeopleHandler(FeatureHandler):
    """Base: ``self.people`` is the People service built once in ``install``."""

    @property
    def people(self) -> People:
        """Return the People service."""
        return self.feature.people

    def set_session_cookie(self, secret: str) -> None:
        """Set the session cookie: HttpOnly, SameSite=Lax, Secure behind TLS, whole site."""
        public = self.core.settings.public_url or ""
        secure = self.request.protocol == "https" or public.startswith("https:")
        self.set_cookie(SESSION_COOKIE, secret, path="/", httponly=True, samesite="Lax",
                        secure=secure)

    def signed_in_answer(self, person: Any, secret: str) -> dict[str, Any]:
        """Return ``{user, csrf, home}`` of a new session."""
        return {"user": person.who(), "csrf": csrf_token(secret), "home": HOME[person.role]}


class AnonymousHandler(PeopleHandler):
    """A handler that reads no credential (sign-in, set-password): a stale cookie or token
    cannot stand in the way; only JSON bodies (a cross-site form cannot post one without the
    browser asking first)."""

    async def authenticate(self) -> Principal:
        """Return ANONYMOUS; refuse a body that is not JSON (415)."""
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if self.request.method == "POST" and kind != "application/json":
            raise UnsupportedMediaType("send JSON: Content-Type: application/json")
        return ANONYMOUS


class MeHandler(PeopleHandler):
    """``GET /auth/me``."""

    async def authenticate(self) -> Principal:
        """Return the caller, or ANONYMOUS for an ended session (its cookie cleared)."""
        try:
            return await super().authenticate()
        except Unauthorized:
            return ANONYMOUS

    async def get(self) -> None:
        """Answer ``{signed_in, via, user, role, agency_id, unit_id, csrf, home, oidc: {enabled,
        label}}`` (``home``: the page of the caller's role)."""
        p = self.principal
        user = None
        if p.user:
            person = await self.people.get(p.user)
            user = person.who() if person else None
        cookie = self.get_cookie(SESSION_COOKIE) if p.session else None
        self.set_header("Cache-Control", "no-store")
        self.write_json({"signed_in": p.authenticated,
                         "via": ("session" if p.session else "token") if p.authenticated
                         else None,
                         "user": user, "role": p.role if p.authenticated else None,
                         "agency_id": p.agency_id, "unit_id": p.unit_id,
                         "csrf": csrf_token(cookie) if cookie else None,
                         "home": HOME.get(p.role) if p.authenticated else None,
                         "oidc": self.feature.sign_on_offer()})


class LoginHandler(AnonymousHandler):
    """``POST /auth/login``."""

    async def post(self) -> None:
        """Answer ``{user, csrf, home}`` and set the session cookie; 401 wrong username or
        password, 429 paused, 422 bad fields."""
        person, secret = await self.people.sign_in(self.body_json(),
                                                   self.request.remote_ip or "?")
        self.set_session_cookie(secret)
        self.set_header("Cache-Control", "no-store")
        self.write_json(self.signed_in_answer(person, secret))


class LogoutHandler(PeopleHandler):
    """``POST /auth/logout`` (the cookie and the CSRF token)."""

    async def post(self) -> None:
        """End this session everywhere; answer ``{"signed_out": true}``."""
        if not self.principal.session:
            raise Unauthorized("not signed in with a session (a token is revoked by an "
                               "administrator instead)")
        await self.people.sign_out(self.principal)
        self.clear_cookie(SESSION_COOKIE, path="/")
        self.write_json({"signed_out": True})


class PasswordHandler(AnonymousHandler):
    """``POST /auth/password``."""

    async def post(self) -> None:
        """Set the password of a one-time code; answer ``{"username"}``."""
        self.write_json({"username": await self.people.set_password(self.body_json())})


class UsersHandler(PeopleHandler):
    """``GET /api/v1/users`` and ``POST /api/v1/users``."""

    async def get(self) -> None:
        """Answer ``{"users": [Person.listing…]}``."""
        policy.require(self.principal, actions.MANAGE)
        self.set_header("Cache-Control", "no-store")
        self.write_json({"users": await self.people.listing()})

    async def post(self) -> None:
        """Add a person; answer 201 ``{"user", "set_password_url"}`` (the link shown once)."""
        policy.require(self.principal, actions.MANAGE)
        person, link = await self.people.add(self.body_json(), self.principal)
        self.set_header("Cache-Control", "no-store")
        self.write_json({"user": person.listing(self.core.tz, None),
                         "set_password_url": link}, 201)


class UserHandler(PeopleHandler):
    """``PATCH /api/v1/users/{username}``."""

    async def patch(self, username: str) -> None:
        """Change the person; answer ``{"user"}``."""
        policy.require(self.principal, actions.MANAGE)
        person = await self.people.change(username, self.body_json(), self.principal)
        self.write_json({"user": person.listing(self.core.tz, None)})


class ResetHandler(PeopleHandler):
    """``POST /api/v1/users/{username}/reset``."""

    async def post(self, username: str) -> None:
        """Answer ``{"set_password_url"}``: the old password and sessions end."""
        policy.require(self.principal, actions.MANAGE)
        self.set_header("Cache-Control", "no-store")
        self.write_json({"set_password_url": await self.people.reset(username, self.principal)})


def routes(base: dict, feature: Any) -> list[tuple]:
    """Return the people routes over ``feature`` (its ``people`` service)."""
    args = {**base, "feature": feature}
    return [(r"/auth/me", MeHandler, args), (r"/auth/login", LoginHandler, args),
            (r"/auth/logout", LogoutHandler, args), (r"/auth/password", PasswordHandler, args),
            (r"/api/v1/users", UsersHandler, args), (rf"/api/v1/users/{USER}", UserHandler, args),
            (rf"/api/v1/users/{USER}/reset", ResetHandler, args)]

