"""Open websockets by the token that authenticated them, so that revoking a token closes them.

A revocation (``DELETE /api/v1/tokens/{id}``, ``ioc token revoke``) is announced on the bus as a
control message; every node that gets it reads the token records again and closes each of its
sockets whose token is no longer live (``Session.revoked``). The same check also runs every
``ws_token_check_s``, for a revocation whose message was lost (Redis down, a single node whose
CLI cannot reach it) and for tokens that expire while a socket is open.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from server.store.base import TokenRecord

#: The bus control message that says "tokens were revoked: check your sockets".
TOKENS_REVOKED = "tokens.revoked"


class Session(Protocol):
    """A connection authenticated by a token (the websocket handler)."""

    def revoked(self) -> None:
        """Close the connection: its token is revoked or expired."""


def live_token_ids(records: Iterable[TokenRecord], now: int) -> set[str]:
    """Return the ids of the records neither revoked nor expired at ``now`` (epoch µs)."""
    return {r.id for r in records
            if r.revoked_at is None and (r.expires_at is None or r.expires_at >= now)}


class Sessions:
    """The open sessions of this node by token id."""

    def __init__(self) -> None:
        self._token_of: dict[int, tuple[str, Session]] = {}

    def add(self, token_id: str | None, session: Session) -> None:
        """Remember that ``session`` is authenticated by ``token_id`` (None: forget it)."""
        if token_id is None:
            self.discard(session)
        else:
            self._token_of[id(session)] = (token_id, session)

    def discard(self, session: Session) -> None:
        """Forget ``session`` (it closed)."""
        self._token_of.pop(id(session), None)

    def token_ids(self) -> set[str]:
        """Return the ids of the tokens of the open sessions."""
        return {token_id for token_id, _ in self._token_of.values()}

    def close_all_but(self, live: set[str]) -> int:
        """Close (``revoked``) every session whose token is not in ``live``; return how many."""
        gone = [(key, s) for key, (token_id, s) in self._token_of.items() if token_id not in live]
        for key, session in gone:
            self._token_of.pop(key, None)
            session.revoked()
        return len(gone)
