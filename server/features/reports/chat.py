"""Chat channels: Zalo Official Account and Facebook Messenger webhooks in, reports out.

Each adapter checks the platform's signature on the raw body and turns the documented webhook
payload into ``ChatMessage``\\ s. ``ChatIntake`` keeps a short draft per sender: texts and photos
accumulate until the citizen shares a **location**, which files the report through the one
pipeline (``ReportDesk.file``) with ``source.ref`` = the platform's message id, so a retried
delivery is stored once. The photos arrive as platform links that expire: with the media feature
they are fetched, cleaned and kept, and the report holds our ``/media/`` URLs. The category is
guessed from the text with the categories' keywords (unknown: ``other.general``, triaged by the
IOC).

Signatures (see docs/REPORTS.md):

- Messenger: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``.
- Zalo OA: ``X-ZEvent-Signature: mac=<hex SHA-256(app_id + raw body + timestamp + OA secret)>``
  where ``app_id`` and ``timestamp`` (milliseconds) are the payload's own fields; the app id
  must be ours and the timestamp recent (``IOC_CHAT_MAX_AGE_S``).
"""
from __future__ import annotations

import abc
import hashlib
import hmac
import logging
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import orjson

from geo.categories import CategoryRegistry
from geo.geocode import fold
from server.core.auth import Principal
from server.features.reports.settings import ReportsSettings
from server.core.errors import BadRequest, Forbidden, Unauthorized, Unavailable
from server.core.text import strip_control
from server.features.media.service import MediaService
from server.features.reports.desk import ReportDesk

log = logging.getLogger(__name__)

FALLBACK_CATEGORY = "other.general"
MAX_DRAFTS = 10_000
ASK_LOCATION = {"vi": "Đã nhận. Vui lòng gửi vị trí (chia sẻ vị trí) để hoàn tất phản ánh.",
                "en": "Received. Please share your location to complete the report."}


@dataclass
class ChatMessage:
    """One inbound chat message, normalised (time in epoch microseconds)."""

    channel: str
    sender: str
    mid: str
    at: int
    text: str = ""
    images: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BadRequest("the webhook body must be a JSON object")
    return doc


def _obj(value: Any) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else an empty one (platforms add and drop
    fields; a field of another shape is treated as absent)."""
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    """Return ``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """Return ``value`` without control characters if it is a string (a citizen's message is
    cleaned, never refused: ``server.core.text``), else the empty string."""
    return strip_control(value) if isinstance(value, str) else ""


def _micros(millis: Any) -> int:
    """Return a platform timestamp (milliseconds since 1970) as epoch microseconds;
    BadRequest if it is not one."""
    try:
        value = int(millis or 0)
    except (TypeError, ValueError, OverflowError):
        raise BadRequest("timestamp must be milliseconds since 1970") from None
    if not 0 <= value < 2**43:
        raise BadRequest("timestamp must be milliseconds since 1970")
    return value * 1000


def _attachments(out: ChatMessage, items: Any, lat_key: str, lon_key: str) -> None:
    """Add the photos (``image``: ``payload.url``) and the shared location (``location``:
    ``payload.coordinates``) of a message's attachments to ``out``; BadRequest if malformed."""
    for att in map(_obj, _items(items)):
        payload = _obj(att.get("payload"))
        if att.get("type") == "image" and payload.get("url"):
            out.images.append(_text(str(payload["url"])))
        elif att.get("type") == "location" and payload.get("coordinates"):
            coords = payload["coordinates"]
            try:
                lat, lon = float(coords[lat_key]), float(coords[lon_key])
            except (KeyError, TypeError, ValueError, OverflowError):
                lat = lon = math.nan
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise BadRequest(f"a location needs numeric {lat_key} and {lon_key}")
            out.location = (lat, lon)


class ChatAdapter(abc.ABC):
    """A chat platform's webhook: signature check, payload → ChatMessages."""

    channel: ClassVar[str]

    def __init__(self, settings: ReportsSettings):
        self.settings = settings

    @property
    @abc.abstractmethod
    def configured(self) -> bool:
        """Return True when the secrets this channel needs are set."""

    def require(self) -> None:
        """Raise Unavailable unless the channel is configured."""
        if not self.configured:
            raise Unavailable(f"the {self.channel} channel is not configured on this server")

    @abc.abstractmethod
    def verify(self, body: bytes, headers: Mapping[str, str], now: int) -> None:
        """Raise Unauthorized unless ``body`` carries a valid signature."""

    @abc.abstractmethod
    def parse(self, body: bytes) -> list[ChatMessage]:
        """Return the citizen messages of a (verified) webhook body; others are skipped."""

    def handshake(self, query: Mapping[str, str]) -> str:
        """Answer the platform's subscription check (GET); raise if it has none or it fails."""
        raise Forbidden(f"{self.channel} has no subscription handshake")


class MessengerAdapter(ChatAdapter):
    """Facebook Messenger (Page) webhooks: ``{"object": "page", "entry": [{"messaging": […]}]}``."""

    channel = "messenger"

    @property
    def configured(self) -> bool:
        """Return True when the app secret is set."""
        return self.settings.messenger_app_secret is not None

    def verify(self, body: bytes, headers: Mapping[str, str], now: int) -> None:
        """Check ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret)."""
        given = headers.get("X-Hub-Signature-256", "")
        secret = self.settings.messenger_app_secret.get_secret_value().encode()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.lower(), expected):
            raise Unauthorized("bad or missing X-Hub-Signature-256")

    def handshake(self, query: Mapping[str, str]) -> str:
        """Return ``hub.challenge`` when ``hub.verify_token`` is ours."""
        token = self.settings.messenger_verify_token
        if query.get("hub.mode") != "subscribe" or token is None or not hmac.compare_digest(
                query.get("hub.verify_token", ""), token.get_secret_value()):
            raise Forbidden("hub.verify_token does not match")
        return query.get("hub.challenge", "")

    def parse(self, body: bytes) -> list[ChatMessage]:
        """Return one ChatMessage per citizen message (echoes and postbacks skipped)."""
        doc = _json(body)
        if doc.get("object") != "page":
            raise BadRequest("expected a Messenger page webhook (object: page)")
        out = []
        for entry in map(_obj, _items(doc.get("entry"))):
            for item in map(_obj, _items(entry.get("messaging"))):
                msg = item.get("message")
                if not isinstance(msg, dict) or msg.get("is_echo") or not msg.get("mid"):
                    continue
                out.append(self._message(item, msg))
        return out

    def _message(self, item: dict[str, Any], msg: dict[str, Any]) -> ChatMessage:
        out = ChatMessage(self.channel, str(_obj(item.get("sender")).get("id", "")),
                          _text(str(msg["mid"])), _micros(item.get("timestamp")),
                          _text(msg.get("text")))
        _attachments(out, msg.get("attachments"), "lat", "long")
        return out


class ZaloAdapter(ChatAdapter):
    """Zalo Official Account webhooks:
    ``{"app_id", "event_name", "sender", "message", "timestamp"}``."""

    channel = "zalo"
    EVENTS = frozenset({"user_send_text", "user_send_image", "user_send_location"})

    @property
    def configured(self) -> bool:
        """Return True when the app id and the OA secret are set."""
        return bool(self.settings.zalo_app_id) and self.settings.zalo_oa_secret is not None

    def verify(self, body: bytes, headers: Mapping[str, str], now: int) -> None:
        """Check ``X-ZEvent-Signature`` = SHA-256(app_id + body + timestamp + OA secret)."""
        doc = _json(body)
        given = headers.get("X-ZEvent-Signature", "").strip()
        given = given[4:] if given.lower().startswith("mac=") else given
        app_id, stamp = str(doc.get("app_id", "")), str(doc.get("timestamp", ""))
        if app_id != self.settings.zalo_app_id:
            raise Unauthorized("the webhook is for another Zalo app")
        secret = self.settings.zalo_oa_secret.get_secret_value()
        signed = f"{app_id}{body.decode('utf-8')}{stamp}{secret}".encode()
        expected = hashlib.sha256(signed).hexdigest()
        if not hmac.compare_digest(given.lower(), expected):
            raise Unauthorized("bad or missing X-ZEvent-Signature")
        max_age_ms = self.settings.chat_max_age_s * 1000
        if not stamp.isdigit() or abs(now // 1000 - int(stamp)) > max_age_ms:
            raise Unauthorized("the webhook timestamp is too old (replayed?)")

    def parse(self, body: bytes) -> list[ChatMessage]:
        """Return the citizen message of one webhook (other events give none)."""
        doc = _json(body)
        msg = _obj(doc.get("message"))
        if doc.get("event_name") not in self.EVENTS or not msg.get("msg_id"):
            return []
        out = ChatMessage(self.channel, str(_obj(doc.get("sender")).get("id", "")),
                          _text(str(msg["msg_id"])), _micros(doc.get("timestamp")),
                          _text(msg.get("text")))
        _attachments(out, msg.get("attachments"), "latitude", "longitude")
        return [out]


CHAT_ADAPTERS: dict[str, type[ChatAdapter]] = {
    a.channel: a for a in (ZaloAdapter, MessengerAdapter)}


def guess_category(text: str, categories: CategoryRegistry) -> str:
    """Return the report category whose keywords best match ``text`` (unaccented), or
    ``other.general``. Longer keywords weigh more."""
    folded = fold(text)
    best, score = FALLBACK_CATEGORY, 0
    for cat in categories.for_kind("report"):
        s = sum(len(k) for k in cat.keywords if fold(k) in folded)
        if s > score:
            best, score = cat.code, s
    return best


@dataclass
class Draft:
    """What a sender has sent since their last report."""

    started: int
    texts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    mids: set[str] = field(default_factory=set)


class ChatIntake:
    """Turn chat messages into reports (one per shared location) through the desk."""

    def __init__(self, desk: ReportDesk, settings: ReportsSettings,
                 media: MediaService | None = None):
        self.desk = desk
        self.settings = settings
        self.media = media
        self._drafts: dict[tuple[str, str], Draft] = {}

    async def receive(self, messages: list[ChatMessage],
                      base_url: str = "") -> list[dict[str, Any]]:
        """Handle messages in order; return the replies owed to their senders (``base_url``:
        the origin of the photo URLs when IOC_PUBLIC_URL is not set)."""
        replies = []
        for msg in messages:
            reply = await self._one(msg, base_url)
            if reply is not None:
                replies.append(reply)
        return replies

    async def _one(self, msg: ChatMessage, base_url: str) -> dict[str, Any] | None:
        now = self.desk.core.clock.now()
        self._expire(now)
        key = (msg.channel, msg.sender)
        draft = self._drafts.setdefault(key, Draft(now))
        if msg.mid in draft.mids:
            return None
        draft.mids.add(msg.mid)
        if msg.text:
            draft.texts.append(msg.text)
        draft.images.extend(msg.images)
        if msg.location is None:
            return {"to": msg.sender, "text": ASK_LOCATION}
        del self._drafts[key]
        return await self._file(msg, draft, base_url)

    async def _file(self, msg: ChatMessage, draft: Draft, base_url: str) -> dict[str, Any]:
        text = "\n".join(draft.texts)[:4000]
        images, new_ids = draft.images[:10], []
        if self.media is not None and images:
            kept = await self.media.keep_links(images, base_url)
            images, new_ids = kept.urls, kept.new_ids
        doc = {"category": guess_category(text, self.desk.core.categories),
               "lat": msg.location[0], "lon": msg.location[1],
               "source": {"channel": msg.channel, "ref": msg.mid},
               "props": {"description": text, "media": images}}
        try:
            filing = await self.desk.file(doc, Principal(f"channel:{msg.channel}", "public"))
        except BaseException:
            if new_ids:
                await self.media.discard(new_ids)
            raise
        if filing["replayed"] and new_ids:  # a retried delivery: the case keeps its photos
            await self.media.discard(new_ids)
        case, token = filing["case"], filing["citizen_token"]
        notice = filing["notice"]
        return {"to": msg.sender, "case_id": case["id"], "citizen_token": token,
                "text": {"vi": f"Cảm ơn bạn! Phản ánh đã được ghi nhận (mã {case['id']}). "
                               f"{notice['vi']} Mã tra cứu, đánh giá: {token}",
                         "en": f"Thank you! Report {case['id']} is filed. {notice['en']} "
                               f"Token to follow and rate it: {token}"}}

    def _expire(self, now: int) -> None:
        ttl = int(self.settings.chat_draft_ttl_s * 1_000_000)
        for key in [k for k, d in self._drafts.items() if now - d.started > ttl]:
            del self._drafts[key]
        while len(self._drafts) >= MAX_DRAFTS:
            del self._drafts[next(iter(self._drafts))]
