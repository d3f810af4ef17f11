"""``ioc users …``: add, list, disable, enable and reset persons on the store of the settings
(a running server sees the change at once: its sessions end on every node)."""
from __future__ import annotations

import asyncio
import sys
from typing import Any, Awaitable, Callable

import click

from server.core.kit.cli import announce_revoked, cli_settings

ROLE_CHOICES = ("admin", "supervisor", "operator", "agency", "responder", "wall")


@click.group()
def users() -> None:
    """Staff accounts (people who sign in at /login)."""


def _run(work: Callable[[Any], Awaitable[Any]], db: str | None) -> Any:
    """Return ``work(people)`` run on a People service over the settings' store (the CLI acts
    as ``cli``, role admin, in the audit trail); IOCErrors become usage errors."""
    from server.core.errors import IOCError
    from server.features import Settings, build_core, default_features
    from server.features.dispatch.book import load_book
    from server.features.people.service import People
    settings = cli_settings(Settings, db=db)
    core = build_core(settings, default_features())
    try:
        people = People(core, settings, lambda uid: load_book(core.store).unit(uid) is not None)
        return asyncio.run(work(people))
    except IOCError as exc:
        details = "; ".join(f"{d['path']}: {d['message']}" for d in exc.details)
        raise click.UsageError(exc.message + (f" ({details})" if details else "")) from None
    finally:
        core.store.close()


def _cli_admin() -> Any:
    from server.core.auth import Principal
    return Principal("cli", "admin")


def _link(path: str, db: str | None) -> str:
    """Return ``path`` on the server's public address (IOC_PUBLIC_URL, else host and port)."""
    from server.features import Settings
    settings = cli_settings(Settings, db=db)
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return base.rstrip("/") + path


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLE_CHOICES))
@click.option("--name", default=None, help="Full name (default: the username).")
@click.option("--agency", "agency_id", default=None, help="Agency id (role agency; a "
              "supervisor: the unit they supervise).")
@click.option("--unit", "unit_id", default=None, help="Responder unit id (role responder).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input "
              "instead of printing a one-time set-password link.")
@click.option("--db", default=None, help="Store URL (default from settings).")
def users_add(username: str, role: str, name: str | None, agency_id: str | None,
              unit_id: str | None, password_stdin: bool, db: str | None) -> None:
    """Add a person; print the one-time link where they choose their password."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None

    async def work(people: Any) -> str:
        doc = {"username": username, "name": name or username, "role": role,
               "agency_id": agency_id, "unit_id": unit_id}
        if password is not None:
            people.check_strength(password)  # before anything is stored
        person, link = await people.add(doc, _cli_admin())
        if password is None:
            return link
        await people.set_password({"code": link.split("code=", 1)[1], "password": password})
        return ""

    link = _run(work, db)
    if link:
        click.echo(f"Đã thêm {username}. Gửi đường dẫn này cho người dùng để đặt mật khẩu "
                   f"(dùng một lần) / added; send this one-time link to set the password:\n"
                   f"  {_link(link, db)}")
    else:
        click.echo(f"Đã thêm {username} / added {username}")


@users.command("list")
@click.option("--db", default=None, help="Store URL (default from settings).")
def users_list(db: str | None) -> None:
    """Print every person as JSON lines (no password hash)."""
    import orjson
    for row in _run(lambda people: people.listing(), db):
        click.echo(orjson.dumps(row).decode())


def _set_enabled(username: str, enabled: bool, db: str | None) -> None:
    _run(lambda people: people.change(username, {"enabled": enabled}, _cli_admin()), db)
    announce_revoked()


@users.command("disable")
@click.argument("username")
@click.option("--db", default=None, help="Store URL (default from settings).")
def users_disable(username: str, db: str | None) -> None:
    """Disable a person: they cannot sign in, their sessions end at once."""
    _set_enabled(username, False, db)
    click.echo(f"Đã khoá {username} / disabled {username}")


@users.command("enable")
@click.argument("username")
@click.option("--db", default=None, help="Store URL (default from settings).")
def users_enable(username: str, db: str | None) -> None:
    """Enable a person again."""
    _set_enabled(username, True, db)
    click.echo(f"Đã mở khoá {username} / enabled {username}")


@users.command("reset")
@click.argument("username")
@click.option("--db", default=None, help="Store URL (default from settings).")
def users_reset(username: str, db: str | None) -> None:
    """Clear a person's password (their sessions end); print a new one-time link."""
    link = _run(lambda people: people.reset(username, _cli_admin()), db)
    announce_revoked()
    click.echo(f"Đường dẫn đặt mật khẩu mới (dùng một lần) / one-time link:\n"
               f"  {_link(link, db)}")
