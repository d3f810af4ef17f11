"""Web Push subscriptions and what they are told: a new case → the unit's staff; an assignment
→ the responder unit's tablet (urgent: sound and vibration when the page is open).

A browser subscribes with the PushSubscription its service worker got
(``POST /api/v1/push/subscriptions``); it is kept as a keyed record (kind ``push_sub``, key the
SHA-256 of its endpoint) with who subscribed: their role, agency and unit decide what reaches
them. The subscription's keys are secrets of that browser: they never leave the staff API."""
from __future__ import annotations

import hashlib
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.features.notify.templates import cut
from server.features.notify.triggers import Trigger
from server.store.base import OutboxItem

PUSH_SUB = "push_sub"
B64URL = r"^[A-Za-z0-9_-]+=*$"
CASE_KINDS = frozenset({"report", "question"})
CALL_KINDS = frozenset({"sos", "hotline_call"})


class Keys(BaseModel):
    """A PushSubscription's keys (base64url)."""

    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=80, max_length=100, pattern=B64URL)
    auth: str = Field(min_length=16, max_length=32, pattern=B64URL)


class SubscriptionIn(BaseModel):
    """``POST /api/v1/push/subscriptions``: a browser's PushSubscription (``toJSON()``)."""

    model_config = ConfigDict(extra="ignore")
    endpoint: str = Field(min_length=10, max_length=1000)
    keys: Keys

    @field_validator("endpoint")
    @classmethod
    def _push_service(cls, value: str) -> str:
        """An HTTPS address (plain HTTP only on the machine itself)."""
        parts = urlsplit(value)
        local = parts.hostname in ("localhost",) or _loopback(parts.hostname)
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("a push service's address is https://…")
        return value


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sub_key(endpoint: str) -> str:
    """Return the record key of a subscription (the SHA-256 of its endpoint)."""
    return hashlib.sha256(endpoint.encode()).hexdigest()


def subscription_record(sub: SubscriptionIn, principal: Any, at_text: str) -> dict[str, Any]:
    """Return the stored document: the subscription and who subscribed."""
    return {"endpoint": sub.endpoint, "keys": sub.keys.model_dump(), "actor": principal.actor,
            "role": principal.role, "agency_id": principal.agency_id,
            "unit_id": principal.unit_id, "at": at_text}


class PushTrigger(Trigger):
    """A trigger that pushes to the stored subscriptions that ``wants`` an event."""

    def __init__(self, core: Any) -> None:
        self.core = core

    async def messages(self, events: list[dict[str, Any]]) -> list[OutboxItem]:
        """Return one push per (event that calls for one, subscription that wants it)."""
        owed = [(ev, step) for ev in events if (step := self.step(ev))]
        if not owed:
            return []
        subs = await self.core.read(self.core.store.records, PUSH_SUB)
        return [self.item(ev, step, key, sub) for ev, step in owed
                for key, sub in sorted(subs.items()) if self.wants(ev, sub)]

    def item(self, ev: dict[str, Any], step: str, key: str, sub: dict[str, Any]) -> OutboxItem:
        """Return the push of ``ev`` to subscription ``key``."""
        title, body, url, urgent = self.say(ev)
        address = orjson.dumps({"endpoint": sub["endpoint"], "keys": sub["keys"]}).decode()
        return OutboxItem(key=f"{self.name}:{ev['id']}:{step}:{key[:24]}:push", topic=self.name,
                          channel="push", address=address, text=body, source=ev["id"],
                          recipient=sub.get("actor"),
                          data={"title": title, "url": url, "urgent": urgent})

    def step(self, ev: dict[str, Any]) -> str | None:
        """Return what happened to ``ev`` that calls for a push (a part of the key), or None."""
        raise NotImplementedError

    def wants(self, ev: dict[str, Any], sub: dict[str, Any]) -> bool:
        """Return True when subscription ``sub`` is told of ``ev``."""
        raise NotImplementedError

    def say(self, ev: dict[str, Any]) -> tuple[str, str, str, bool]:
        """Return (title, body, the page to open, urgent)."""
        raise NotImplementedError


class NewCases(PushTrigger):
    """A case routed to a unit → that unit's staff (role agency of that agency)."""

    name = "case"
    kinds = CASE_KINDS

    def step(self, ev: dict[str, Any]) -> str | None:
        """``routed:{agency}`` while the case waits for its unit."""
        return f"routed-{ev['agency_id']}" if ev["status"] == "routed" else None

    def wants(self, ev: dict[str, Any], sub: dict[str, Any]) -> bool:
        """The unit's own staff."""
        return sub.get("role") == "agency" and sub.get("agency_id") == ev["agency_id"]

    def say(self, ev: dict[str, Any]) -> tuple[str, str, str, bool]:
        """A new report or question, its title or text."""
        props = ev.get("props") or {}
        what = "Câu hỏi mới" if ev["kind"] == "question" else "Phản ánh mới"
        text = props.get("title") or props.get("question") or props.get("description") or ""
        return what, cut(" ".join(str(text).split()), 140), f"/cases#case={ev['id']}", False


class Assignments(PushTrigger):
    """A call assigned to a responder unit → that unit's tablet (urgent)."""

    name = "call"
    kinds = CALL_KINDS

    def step(self, ev: dict[str, Any]) -> str | None:
        """``assigned:{unit}`` once a unit has it."""
        unit = ((ev.get("props") or {}).get("dispatch") or {}).get("unit_id")
        return f"assigned-{unit}" if ev["status"] == "assigned" and unit else None

    def wants(self, ev: dict[str, Any], sub: dict[str, Any]) -> bool:
        """The tablet of the unit assigned."""
        unit = ((ev.get("props") or {}).get("dispatch") or {}).get("unit_id")
        return sub.get("role") == "responder" and sub.get("unit_id") == unit

    def say(self, ev: dict[str, Any]) -> tuple[str, str, str, bool]:
        """An assignment: what and where (the commune; the tablet shows the rest)."""
        what = "SOS" if ev["kind"] == "sos" else "Cuộc gọi đường dây nóng"
        return ("Nhiệm vụ mới / New assignment", f"{what} — {self.area_name(ev)}".strip(" —"),
                "/tablet", True)

    def area_name(self, ev: dict[str, Any]) -> str:
        """Return the full name of the event's commune (empty when unknown)."""
        try:
            return self.core.router.areaset.by_code(ev.get("area") or "").full_name
        except (KeyError, ValueError):
            return ""
