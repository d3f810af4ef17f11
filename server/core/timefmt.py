"""Times: stored as integer microseconds since the epoch (UTC), written as RFC 3339 with an
offset."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def parse_offset(text: str) -> timezone:
    """Return a fixed timezone for an offset such as ``+07:00``."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


#: The earliest and latest instants accepted: a day inside what ``datetime`` can hold, so that a
#: time can be written in any offset (±14:00) without overflowing.
MIN_MICROS = (datetime(1, 1, 2, tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1)
MAX_MICROS = (datetime(9999, 12, 30, tzinfo=timezone.utc) - EPOCH) // timedelta(microseconds=1)


def in_range(micros: int) -> bool:
    """Return True when ``micros`` lies between MIN_MICROS and MAX_MICROS (years 1–9999 in
    every offset)."""
    return MIN_MICROS <= micros <= MAX_MICROS


def to_micros(dt: datetime) -> int:
    """Return an aware datetime as integer microseconds since the epoch."""
    delta = dt - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Return integer microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=micros)


def offset_text(tz: timezone) -> str:
    """Return the ``±HH:MM`` suffix that ``to_rfc3339`` writes for ``tz``."""
    return to_rfc3339(0, tz)[-6:]


def now_micros() -> int:
    """Return the current time in microseconds since the epoch."""
    return to_micros(datetime.now(timezone.utc))


def to_rfc3339(micros: int, tz: timezone, timespec: str = "auto") -> str:
    """Return ``micros`` as RFC 3339 text in ``tz`` (e.g. ``2025-11-17T08:00:00+07:00``);
    ``timespec="seconds"`` drops fractions (W3C datetime as Open311 clients expect)."""
    return from_micros(micros).astimezone(tz).isoformat(timespec=timespec)


def parse_rfc3339(text: str) -> int:
    """Return RFC 3339 text (offset required; ``Z`` allowed) as micros; raise ValueError (also
    for an instant outside years 1–9999 in some offset, e.g. year 1 at +14:00)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset (write e.g. 2025-11-17T08:00:00+07:00)")
    micros = to_micros(dt)
    if not in_range(micros):
        raise ValueError(f"{text!r} is out of range (years 1 to 9999)")
    return micros
