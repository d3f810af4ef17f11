"""Personal details in published text: the one masking function of every public output.

``mask_personal_text`` is applied to every free text a public view carries (the public API
feeds and cases, the public page, Open311, the websocket's public view): e-mail addresses,
phone numbers (8+ digits, whatever separators people type: spaces, dots, commas, underscores,
hyphens, dashes, ``+84``) and house numbers (``số 8``, ``số 8/3``, ``kiệt 12``, ``hẻm 3/4``,
``ngõ 5``, ``nhà 12``, ``12 Lê Lợi``) are replaced by a marker. Staff views keep the original.
"""
from __future__ import annotations

import re

PHONE_MASK = "[số điện thoại đã ẩn]"
EMAIL_MASK = "[email đã ẩn]"
ADDRESS_MASK = "[số nhà đã ẩn]"
MIN_PHONE_DIGITS = 8

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Digits joined by at most three separators each (``+84 (0) 905.123-456``, ``0905,111,222``).
_NUMBER_RUN = re.compile(r"[+(]*\d(?:[\s.,_()/+\u2010-\u2015-]{0,3}\d)*\)?")
#: A house or alley number after the word that announces it (``số nhà 8/3``, ``kiệt 12A``).
_HOUSE = re.compile(
    r"(?<!\w)(?:số\s+nhà|số|nhà|kiệt|kiet|hẻm|hem|ngõ|ngo|ngách|ngach)\s*"
    r"\d+[a-zA-Z]?(?:\s*/\s*\d+[a-zA-Z]?)*(?![\w/])", re.IGNORECASE)
#: A number directly before a capitalised street name (``12 Lê Lợi``, ``12/4 Đường Trần Phú``).
_NUMBER_STREET = re.compile(r"(?<![\w/.,:])\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*(?=\s+[^\W\d_])"
                            r"(?P<street>\s+[^\W\d_]\w*)")


def _mask_number(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    return PHONE_MASK if digits >= MIN_PHONE_DIGITS else text


def _mask_street_number(match: re.Match) -> str:
    street = match.group("street")
    return ADDRESS_MASK + street if street.strip()[0].isupper() else match.group(0)


def mask_personal_text(text: str | None) -> str | None:
    """Return ``text`` with e-mail addresses, phone numbers and house numbers masked (the
    markers EMAIL_MASK, PHONE_MASK, ADDRESS_MASK); None and "" are returned as they are."""
    if not text:
        return text
    out = _EMAIL.sub(EMAIL_MASK, text)
    out = _NUMBER_RUN.sub(_mask_number, out)
    out = _HOUSE.sub(ADDRESS_MASK, out)
    return _NUMBER_STREET.sub(_mask_street_number, out)
