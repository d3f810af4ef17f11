"""Citizen tokens: the proof that a citizen filed a report, without accounts.

A token is ``{report id}-{mac}`` where ``mac`` is the first 128 bits (hex) of
HMAC-SHA256(server key, ``"citizen-report:" + id``). It is returned once, when the report is filed
(in the API answer, as the Open311 ``token``, in the chat reply); whoever holds it may follow,
rate and dispute that report. Nothing is stored: the server recomputes the MAC. A retried filing
gets the same token. The key comes from ``IOC_SECRET_KEY`` or, when unset, a random key kept in
``DATA_DIR/secret.key`` (created once, readable by the server's user only).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from pydantic import SecretStr

log = logging.getLogger(__name__)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TOKEN_RE = re.compile(rf"^({UUID})-([0-9a-f]{{32}})$")
KEY_FILE = "secret.key"


def load_secret_key(secret_key: SecretStr | None, data_dir: Path) -> bytes:
    """Return the server key: ``secret_key`` (IOC_SECRET_KEY), else the one kept in
    ``data_dir`` (DATA_DIR, made once)."""
    if secret_key is not None:
        return secret_key.get_secret_value().encode()
    path = Path(data_dir) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(32).encode())
    log.info("generated a secret key in %s (set IOC_SECRET_KEY in production)", path)
    return path.read_bytes().strip()


class CitizenTokens:
    """Issue and check citizen tokens with one key."""

    def __init__(self, key: bytes):
        self._key = key

    def _mac(self, event_id: str) -> str:
        digest = hmac.new(self._key, f"citizen-report:{event_id}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def issue(self, event_id: str) -> str:
        """Return the token of report ``event_id``."""
        return f"{event_id}-{self._mac(event_id)}"

    def verify(self, token: str | None) -> str | None:
        """Return the report id a token proves, or None for a malformed or forged token."""
        match = TOKEN_RE.match(token or "")
        if match is None:
            return None
        event_id, mac = match.groups()
        return event_id if hmac.compare_digest(mac, self._mac(event_id)) else None
