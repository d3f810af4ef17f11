"""Public warnings over HTTP: drafts, transitions, reach before sending, CAP 1.2 out and in,
the contacts registry, and the public Atom feed and CAP messages. Thin: parse, call the
WarningDesk, write JSON or XML (docs/WARNINGS.md)."""
from __future__ import annotations

from server.core import policy
from server.features.warnings import actions
from server.core.errors import PayloadTooLarge, ValidationFailed, detail
from server.core.events import parse_model
from server.features.warnings.cap import to_xml
from server.features.warnings.desk import WarningDesk
from server.features.warnings.lifecycle import TABLE, NewWarning, WarningRequest
from server.web.base import FeatureHandler
from server.features.dispatch.handlers import UUID

#: a warning event (UUID) or a message kept for reference (32 hex digits)
CAP_ID = r"([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
CAP_TYPE = "application/cap+xml; charset=utf-8"


class WarningHandler(FeatureHandler):
    """A handler of the warning desk (``self.feature``)."""

    @property
    def desk(self) -> WarningDesk:
        """Return the WarningDesk."""
        return self.feature

    def write_xml(self, body: bytes, content_type: str = CAP_TYPE) -> None:
        """Write an XML document."""
        self.set_header("Content-Type", content_type)
        self.finish(body)


class WarningsHandler(WarningHandler):
    """``GET /api/v1/warnings`` lists; ``POST`` drafts a warning."""

    async def get(self) -> None:
        """Answer ``{"warnings": [...], "kept": [...]}`` (``?status=sent,draft`` filters)."""
        policy.require(self.principal, actions.READ)
        wanted = {s for s in (self.get_query_argument("status", "") or "").split(",") if s}
        events = [ev for ev in await self.desk.all() if not wanted or ev["status"] in wanted]
        self.write_json({"warnings": events, "kept": await self.desk.intake.listing()})

    async def post(self) -> None:
        """Answer 201 ``{"warning"}`` (body: NewWarning)."""
        policy.require(self.principal, actions.DRAFT)
        content = parse_model(NewWarning, self.body_json(), "warning")
        self.write_json({"warning": await self.desk.create(self.principal, content)}, 201)


class ActionsHandler(WarningHandler):
    """``GET /api/v1/warnings/actions``: the lifecycle table."""

    def get(self) -> None:
        """Answer ``{"actions": [{name, vi, en, from, to, roles, reason}]}``."""
        self.write_json({"actions": TABLE.rows("warning")})


class OneWarningHandler(WarningHandler):
    """``GET /api/v1/warnings/{id}``: the warning, the actions open to the caller, its history."""

    async def get(self, warning_id: str) -> None:
        """Answer ``{"warning", "actions", "history"}`` (history oldest first, each entry with
        ``actor_name``: the person's name, None for a machine)."""
        policy.require(self.principal, actions.READ)
        ev = await self.desk.get(warning_id)
        history = await self.desk.history(warning_id)
        self.write_json({"warning": ev, "history": history,
                         "actions": TABLE.allowed("warning", ev["status"], self.principal.role)})


class TransitionHandler(WarningHandler):
    """``POST /api/v1/warnings/{id}/transitions``: ``{"action", "reason"?, "content"?}``."""

    async def post(self, warning_id: str) -> None:
        """Answer ``{"warning"}`` (for ``update``: the new draft)."""
        request = parse_model(WarningRequest, self.body_json(), "transition")
        self.write_json(await self.desk.transition(self.principal, warning_id, request))


class ReachHandler(WarningHandler):
    """``GET /api/v1/warnings/{id}/reach``: who is inside the target area now."""

    async def get(self, warning_id: str) -> None:
        """Answer ``{"counts": {sos_open, hotline_open, responders, responders_available,
        vessels, contacts}, "communes", "area"}``."""
        policy.require(self.principal, actions.READ)
        self.write_json(await self.desk.reach_of(await self.desk.get(warning_id)))


class CapHandler(WarningHandler):
    """``GET /api/v1/warnings/{id}.cap``: the CAP 1.2 message of any warning (staff)."""

    async def get(self, item_id: str) -> None:
        """Answer CAP XML."""
        policy.require(self.principal, actions.READ)
        self.write_xml(to_xml(await self.desk.cap_by_id(item_id)))


class CapIntakeHandler(WarningHandler):
    """``POST /api/v1/warnings/cap``: a CAP 1.1/1.2 message from outside."""

    async def post(self) -> None:
        """Answer 201 (stored), 200 (already stored) or 422 naming every problem."""
        policy.require(self.principal, actions.IMPORT)
        body, limit = self.request.body, self.core.settings.max_body_bytes
        if len(body) > limit:
            raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {limit}")
        if not body.strip():
            raise ValidationFailed("the body is empty", [detail("body", "send one CAP message")])
        answer, status = await self.desk.intake.receive(self.principal, body)
        self.write_json(answer, status)


class ContactsHandler(WarningHandler):
    """``GET /api/v1/warnings/contacts`` (staff); ``POST`` registers contacts in bulk."""

    async def get(self) -> None:
        """Answer ``{"contacts": {id: contact}}``, phones included (staff only)."""
        self.write_json({"contacts": await self.desk.contacts(self.principal)})

    async def post(self) -> None:
        """Answer 201 ``{"stored": n}`` (body: ``{"contacts": [{id, name, phone, communes,
        lat?, lon?, lang?}]}``)."""
        n = await self.desk.register_contacts(self.principal, self.body_json())
        self.write_json({"stored": n}, 201)


class PublicFeedHandler(WarningHandler):
    """``GET /api/v1/public/warnings.atom``: active warnings (no token)."""

    async def get(self) -> None:
        """Answer an Atom feed; each entry links its CAP message."""
        feed = await self.desk.feed(f"{self.request.protocol}://{self.request.host}")
        self.write_xml(feed, "application/atom+xml; charset=utf-8")


class PublicCapHandler(WarningHandler):
    """``GET /api/v1/public/warnings/{id}.cap``: the CAP message of a published warning."""

    async def get(self, warning_id: str) -> None:
        """Answer CAP XML; 404 for drafts."""
        self.write_xml(to_xml(await self.desk.published_cap(warning_id)))


def routes(base: dict, desk: WarningDesk) -> list[tuple]:
    """Return the warning routes over ``desk``."""
    args = {**base, "feature": desk}
    return [
        (r"/api/v1/warnings", WarningsHandler, args),
        (r"/api/v1/warnings/actions", ActionsHandler, args),
        (r"/api/v1/warnings/cap", CapIntakeHandler, args),
        (r"/api/v1/warnings/contacts", ContactsHandler, args),
        (rf"/api/v1/warnings/{UUID}", OneWarningHandler, args),
        (rf"/api/v1/warnings/{UUID}/transitions", TransitionHandler, args),
        (rf"/api/v1/warnings/{UUID}/reach", ReachHandler, args),
        (rf"/api/v1/warnings/{CAP_ID}\.cap", CapHandler, args),
        (r"/api/v1/public/warnings\.atom", PublicFeedHandler, args),
        (rf"/api/v1/public/warnings/{UUID}\.cap", PublicCapHandler, args),
    ]
