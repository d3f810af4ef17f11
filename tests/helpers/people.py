"""Persons for the tests: add one with a password, sign in over HTTP, send requests with the
session cookie (and its CSRF token)."""
from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from server.core.auth import CSRF_HEADER, SESSION_COOKIE, Principal
from tests.helpers.client import Response

#: The password the tests' persons get unless told otherwise.
PASSWORD = "sông Hương 2025!"


def add_user(srv: Any, username: str, role: str, password: str | None = PASSWORD,
             name: str | None = None, **binding: Any) -> str:
    """Add a person to ``srv`` (its People service, as an administrator would) and set their
    password (None: leave it unset); return the one-time set-password link's code."""
    people = srv.features.get("people").people

    async def work() -> str:
        _, link = await people.add({"username": username, "name": name or username.title(),
                                    "role": role, **binding}, Principal("test", "admin"))
        code = link.split("code=", 1)[1]
        if password is not None:
            await people.set_password({"code": code, "password": password})
        return code

    return srv.call(work())


def session_of(res: Response) -> str | None:
    """Return the session secret set by ``res`` (a Set-Cookie of ``ioc_session``), or None."""
    raw = res.headers.get("Set-Cookie") or res.headers.get("set-cookie") or ""
    morsel = SimpleCookie(raw).get(SESSION_COOKIE)
    return morsel.value if morsel and morsel.value else None


@dataclass
class Session:
    """A signed-in session: its cookie secret and CSRF token; ``http`` sends with both."""

    srv: Any
    secret: str
    csrf: str
    answer: dict[str, Any]

    def http(self, method: str, path: str, body: Any = None, csrf: str | None | bool = True,
             headers: dict[str, str] | None = None) -> Response:
        """Send ``method path`` with the cookie; ``csrf`` True sends the session's token, a
        string sends that one, False sends none."""
        hdrs = {"Cookie": f"{SESSION_COOKIE}={self.secret}", **(headers or {})}
        token = self.csrf if csrf is True else csrf or None
        if token:
            hdrs[CSRF_HEADER] = token
        return self.srv.http(method, self.srv.url + path, body, headers=hdrs)


def sign_in(srv: Any, username: str, password: str = PASSWORD) -> Session:
    """Sign in over HTTP; return the Session (assert it worked)."""
    res = srv.http("POST", srv.url + "/auth/login", {"username": username, "password": password})
    assert res.status == 200, res.body
    secret = session_of(res)
    assert secret, res.headers
    return Session(srv, secret, res.body["csrf"], res.body)
