"""AIS NMEA 0183 in: line decoding with pyais, and the ways feeds arrive (TCP client, UDP).

``AisDecoder.feed(line)`` takes one ``!AIVDM``/``!AIVDO`` sentence (an optional leading tag block
``\\c:UNIXTIME,...*hh\\`` gives the reception time), reassembles multi-part messages and returns
the decoded messages as plain dicts (pyais field names; enums as ints). Corrupt lines (bad
checksum, malformed), unsupported message types and orphan fragments are counted, logged at
debug level and skipped: a feed never stops on bad input.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from pyais import NMEAMessage
from pyais.exceptions import AISBaseException

from server.core.kit.feeds import reconnecting

log = logging.getLogger(__name__)

TAG_BLOCK = re.compile(rb"^\\([^\\]*)\\")
TAG_TIME = re.compile(rb"(?:^|,)c:(\d{9,13})")
MAX_LINE = 1024
Handler = Callable[[list[dict[str, Any]]], None]


@dataclass
class AisCounters:
    """Lines seen, messages decoded, and what was skipped and why."""

    lines: int = 0
    messages: int = 0
    corrupt: int = 0
    unsupported: int = 0
    fragments_dropped: int = 0

    def to_json(self) -> dict[str, int]:
        """Return the counters as a dict."""
        return dict(self.__dict__)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return int(value.value) if isinstance(value.value, (int, float)) else str(value.value)
    return value


def _tag_time_us(tag: bytes) -> int | None:
    m = TAG_TIME.search(tag)
    if not m:
        return None
    t = int(m.group(1))
    return t * 1000 if t > 10**11 else t * 1_000_000


class AisDecoder:
    """Decode a stream of sentences from one source (fragments are matched per source)."""

    def __init__(self, max_partial: int = 256):
        self.counters = AisCounters()
        self.max_partial = max_partial
        self._partial: OrderedDict[tuple, list[NMEAMessage]] = OrderedDict()

    def feed_many(self, lines: list[bytes | str]) -> list[dict[str, Any]]:
        """Return the messages decoded from ``lines`` (see ``feed``)."""
        out: list[dict[str, Any]] = []
        for line in lines:
            out.extend(self.feed(line))
        return out

    def feed(self, line: bytes | str) -> list[dict[str, Any]]:
        """Return the messages completed by this line (0 or 1), each a dict with ``msg_type``,
        ``mmsi`` and the type's fields, plus ``observed_at`` (epoch µs) when a tag block gave it."""
        raw = line.encode("ascii", "replace") if isinstance(line, str) else line
        raw = raw.strip()
        if not raw:
            return []
        self.counters.lines += 1
        observed = None
        tag = TAG_BLOCK.match(raw)
        if tag:
            observed, raw = _tag_time_us(tag.group(1)), raw[tag.end():]
        sentence = self._parse(raw)
        if sentence is None:
            return []
        whole = self._assemble(sentence)
        return self._decode(whole, observed) if whole is not None else []

    def _parse(self, raw: bytes) -> NMEAMessage | None:
        if len(raw) > MAX_LINE or not raw.startswith((b"!", b"$")):
            return self._corrupt(raw, "not an NMEA sentence")
        try:
            msg = NMEAMessage.from_bytes(raw)
        except AISBaseException as exc:
            return self._corrupt(raw, str(exc))
        except (ValueError, IndexError, UnicodeDecodeError) as exc:
            return self._corrupt(raw, str(exc))
        if not msg.is_valid:
            return self._corrupt(raw, "checksum mismatch")
        return msg

    def _corrupt(self, raw: bytes, why: str) -> None:
        self.counters.corrupt += 1
        log.debug("corrupt AIS line (%s): %r", why, raw[:120])
        return None

    def _assemble(self, msg: NMEAMessage) -> NMEAMessage | None:
        if msg.frag_cnt <= 1:
            return msg
        key = (msg.seq_id, msg.channel, msg.talker, msg.frag_cnt)
        parts = self._partial.get(key)
        if msg.frag_num == 1:
            if parts is not None:
                self.counters.fragments_dropped += len(parts)
            self._partial[key] = [msg]
            self._partial.move_to_end(key)
            self._trim()
            return None
        if parts is None or len(parts) != msg.frag_num - 1:
            self.counters.fragments_dropped += 1 + (len(self._partial.pop(key, [])))
            return None
        parts.append(msg)
        if len(parts) < msg.frag_cnt:
            return None
        del self._partial[key]
        try:
            return NMEAMessage.assemble_from_iterable(parts)
        except AISBaseException as exc:
            return self._corrupt(b"".join(p.raw for p in parts), str(exc))

    def _trim(self) -> None:
        while len(self._partial) > self.max_partial:
            _, parts = self._partial.popitem(last=False)
            self.counters.fragments_dropped += len(parts)

    def _decode(self, msg: NMEAMessage, observed: int | None) -> list[dict[str, Any]]:
        try:
            fields = msg.decode().asdict()
        except AISBaseException as exc:
            self.counters.unsupported += 1
            log.debug("unsupported AIS message (%s): %r", exc, msg.raw[:120])
            return []
        except (ValueError, IndexError, TypeError) as exc:
            return self._corrupt(msg.raw, str(exc)) or []
        self.counters.messages += 1
        out = {k: _plain(v) for k, v in fields.items()}
        if observed is not None:
            out["observed_at"] = observed
        return [out]


class _LineProtocol(asyncio.Protocol):
    """Split a byte stream into lines and hand each chunk of complete lines on."""

    def __init__(self, on_lines: Callable[[list[bytes]], None], closed: asyncio.Future):
        self.on_lines = on_lines
        self.closed = closed
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        """Split off complete lines; keep the rest (bounded) for the next chunk."""
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        if len(self.buf) > 64 * MAX_LINE:
            self.buf = b""
        if lines:
            self.on_lines(lines)

    def connection_lost(self, exc: Exception | None) -> None:
        """Wake ``tcp_feed``."""
        if not self.closed.done():
            self.closed.set_result(exc)


async def tcp_feed(host: str, port: int, on_lines: Callable[[list[bytes]], None],
                   max_backoff_s: float = 30.0) -> None:
    """Connect to an AIS feed at host:port and hand its lines on; reconnect with back-off
    whenever the connection fails or ends. Runs until cancelled."""
    loop = asyncio.get_running_loop()

    async def once() -> None:
        closed: asyncio.Future = loop.create_future()
        transport, _ = await loop.create_connection(lambda: _LineProtocol(on_lines, closed),
                                                    host, port)
        log.info("AIS feed %s:%d connected", host, port)
        try:
            await closed
        finally:
            transport.close()

    await reconnecting(f"AIS feed {host}:{port}", once, max_backoff_s)


class _DatagramProtocol(asyncio.DatagramProtocol):
    def __init__(self, on_lines: Callable[[list[bytes]], None]):
        self.on_lines = on_lines

    def datagram_received(self, data: bytes, addr: Any) -> None:
        """One datagram holds one or more sentences."""
        lines = [ln for ln in data.split(b"\n") if ln.strip()]
        if lines:
            self.on_lines(lines)


async def udp_listener(host: str, port: int,
                       on_lines: Callable[[list[bytes]], None]) -> asyncio.DatagramTransport:
    """Listen for AIS datagrams on host:port; return the transport (its socket has the port)."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: _DatagramProtocol(on_lines),
                                                       local_addr=(host, port))
    log.info("AIS UDP listener on %s", transport.get_extra_info("sockname"))
    return transport
