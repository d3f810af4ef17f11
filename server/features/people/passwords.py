"""Passwords: argon2id (``argon2-cffi``'s defaults, RFC 9106's second recommended setting),
checked off the event loop; an unknown or disabled person costs the same time as a known one."""
from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
#: Checked when there is no hash to check against, so that the time does not tell.
_DUMMY = _HASHER.hash("not a password of anyone")


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string) of ``password``."""
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Return True if ``password`` matches the ``stored`` hash (None: checks a dummy, False)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def check_password_async(stored: str | None, password: str) -> bool:
    """Return ``check_password`` run in a worker thread (argon2 takes tens of milliseconds)."""
    return await asyncio.get_running_loop().run_in_executor(None, check_password, stored,
                                                            password)


async def hash_password_async(password: str) -> str:
    """Return ``hash_password`` run in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, hash_password, password)
