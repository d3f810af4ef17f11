"""The people feature's part of the OpenAPI document: sign-in and the admin's people API."""
from __future__ import annotations

from server.core.openapi import ADMIN, EVERYONE, Op, Operations, p, q
from server.features.people.users import LoginIn, PasswordIn, PersonIn, PersonPatch

USER_RE = "^(oidc:)?[a-z0-9][a-z0-9._-]{1,79}$"
SIGNED_IN = "anyone signed in (session cookie with X-CSRF-Token)"


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the people feature."""
    user = (p("username", USER_RE),)
    return {
        "/auth/me": [Op("get", "Ai đang đăng nhập / who is signed in (always 200)", EVERYONE)],
        "/auth/login": [Op("post", "Đăng nhập / sign in (sets the session cookie)", EVERYONE,
                           body=LoginIn)],
        "/auth/logout": [Op("post", "Đăng xuất / sign out", SIGNED_IN)],
        "/auth/password": [Op("post", "Đặt mật khẩu / set a password from a one-time link",
                              EVERYONE, body=PasswordIn)],
        "/auth/oidc/start": [Op("get", "Đăng nhập bằng tài khoản tỉnh / sign on with the "
                                       "province's identity provider (302 to it; 404 while "
                                       "sign-on is off)", EVERYONE, (q("next"),), ok=302,
                                ok_content={})],
        "/auth/oidc/callback": [Op("get", "Nhà cung cấp định danh trả về / the provider's "
                                          "answer (302 to the page, signed in, or to /login)",
                                   EVERYONE, (q("code"), q("state"), q("error")), ok=302,
                                   ok_content={})],
        "/api/v1/users": [Op("get", "Nhân sự / people", ADMIN),
                          Op("post", "Thêm người / add a person (a one-time link)", ADMIN,
                             body=PersonIn, ok=201)],
        "/api/v1/users/{username}": [Op("patch", "Sửa, khoá, mở / change, disable, enable",
                                        ADMIN, user, body=PersonPatch)],
        "/api/v1/users/{username}/reset": [Op("post", "Đặt lại mật khẩu / reset the password",
                                              ADMIN, user)],
    }
