"""The one rule for control characters in client text, on both stores.

Text a client sends (JSON bodies, event envelopes and props, form fields, query parameters) may
not hold control characters other than tab, line feed and carriage return: PostgreSQL cannot
store a NUL (``\\u0000``) at all, and the others have no place in names, notes or codes. Such
text is refused with 422 naming the field (``find_control``, ``check_control``); text that the
server takes from elsewhere on a citizen's behalf (chat webhooks) is cleaned instead
(``strip_control``), so that no message is lost.
"""
from __future__ import annotations

import re
from typing import Any

from server.core.errors import ValidationFailed, detail

#: Control characters refused in text: C0 controls but tab, LF, CR; and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HOW = ("holds a control character (e.g. \\u0000); remove it (tabs and line breaks are "
       "allowed)")


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def find_control(value: Any, prefix: str = "") -> list[dict[str, str]]:
    """Return one ``{path, message}`` for each string (value or object key) in the decoded JSON
    ``value`` that holds a refused control character; ``[]`` when there is none."""
    if isinstance(value, str):
        return [detail(prefix, HOW)] if CONTROL.search(value) else []
    out: list[dict[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = _join(prefix, str(CONTROL.sub("?", key)))
            if isinstance(key, str) and CONTROL.search(key):
                out.append(detail(path, "this key " + HOW))
            out.extend(find_control(item, path))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(find_control(item, _join(prefix, i)))
    return out


def check_control(value: Any, what: str = "the request") -> None:
    """Raise ValidationFailed (422, every offending path) if ``value`` holds a refused control
    character anywhere; return None otherwise."""
    details = find_control(value)
    if details:
        raise ValidationFailed(f"{what} holds control characters; remove them",
                               details)


def strip_control(text: str) -> str:
    """Return ``text`` without refused control characters (tabs and line breaks kept)."""
    return CONTROL.sub("", text)
