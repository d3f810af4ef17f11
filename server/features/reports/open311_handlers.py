"""Open311 GeoReport v2 at ``/open311/v2/`` and its discovery file ``/open311/discovery.{fmt}``.
Thin handlers over ``server.features.reports.open311``; every error is an Open311 error list in the
format the path asked for. ``POST requests`` reads its body as it arrives: a form
(``application/x-www-form-urlencoded``) or ``multipart/form-data`` with a photo as the part
``media`` (GeoReport v2), kept by the media feature and filed as the request's ``media_url``."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from server.core.errors import IOCError
from server.features.media.handlers import UploadHandler
from server.features.media.service import MediaService
from server.features.reports.open311 import Open311, Open311Error, check_format, render
from server.web.base import BaseHandler

log = logging.getLogger(__name__)
BASE = "/open311/v2"


class Open311Handler(BaseHandler):
    """Base: the Open311 object, the format from the path, Open311-shaped errors."""

    def initialize(self, core, ref, o311: Open311) -> None:  # noqa: ANN001
        """Receive the Open311 object built once."""
        super().initialize(core, ref)
        self.o311 = o311
        self.fmt = "xml"

    async def prepare(self) -> None:
        """Take the format from the path (``….xml`` / ``….json``); no bearer token here, so
        limited by address."""
        self.fmt = self.path_kwargs.get("fmt") or "xml"
        self.limit_rate(None)
        if self.fmt not in ("xml", "json"):
            self.fmt = "xml"
            check_format(self.path_kwargs.get("fmt", ""))

    def arguments(self) -> dict[str, list[str]]:
        """Return query and form arguments decoded as UTF-8."""
        return {k: [v.decode("utf-8", "replace") for v in vs]
                for k, vs in self.request.arguments.items()}

    def answer(self, root: str, payload: Any, status: int = 200) -> None:
        """Write ``payload`` under ``root`` in the requested format."""
        body, content_type = render(root, payload, self.fmt)
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Render every failure as ``errors`` (404 missing, 403 api_key, 400 anything else)."""
        exc = self.error_of(kwargs)
        if isinstance(exc, Open311Error):
            err = exc
        elif isinstance(exc, IOCError):
            err = Open311Error.from_ioc(exc)
            for name, value in exc.headers.items():
                self.set_header(name, value)
        elif status_code == 404:
            err = Open311Error.one(404, "not found")
        else:
            err = Open311Error(400, [(status_code, self._reason or "service error")])
        self.clear_header("Content-Type")
        self.answer("errors", err.payload(), err.status)

    def log_exception(self, typ, value, tb) -> None:  # noqa: ANN001
        """Open311 errors are answers, not crashes."""
        if isinstance(value, Open311Error):
            log.info("%s %s -> %d", self.request.method, self.request.path, value.status)
            return
        super().log_exception(typ, value, tb)

    @property
    def jurisdiction(self) -> str | None:
        """Return ``jurisdiction_id`` if given."""
        return self.get_argument("jurisdiction_id", None)


class ServicesHandler(Open311Handler):
    """``GET services.{fmt}``."""

    def get(self, fmt: str) -> None:
        """Answer the service list."""
        self.o311.check_jurisdiction(self.jurisdiction)
        self.answer("services", self.o311.services())


class ServiceDefinitionHandler(Open311Handler):
    """``GET services/{code}.{fmt}``."""

    def get(self, code: str, fmt: str) -> None:
        """Answer the service definition."""
        self.o311.check_jurisdiction(self.jurisdiction)
        self.answer("service_definition", self.o311.service_definition(code))


class RequestsHandler(Open311Handler, UploadHandler):
    """``GET requests.{fmt}`` (search) and ``POST requests.{fmt}`` (create, needs api_key; a
    photo as the multipart part ``media``)."""

    file_fields = frozenset({"media"})

    def initialize(self, core, ref, o311: Open311,  # noqa: ANN001
                   media: MediaService | None = None) -> None:
        """Receive the Open311 object and the media service (None: no photos)."""
        super().initialize(core, ref, o311)
        self.media = media

    async def prepare(self) -> None:
        """The format from the path, the address's rate limit, then how the body is read."""
        await super().prepare()
        self.start_body()

    async def get(self, fmt: str) -> None:
        """Answer the matching requests."""
        self.answer("service_requests", await self.o311.requests(self.arguments()))

    async def post(self, fmt: str) -> None:
        """File a report; answer the token (batch) or the id (realtime)."""
        args, files = self.form_arguments()
        key = (args.get("api_key") or [None])[-1]
        if not key:
            raise Open311Error.one(403, "api_key is required to create a service request")
        try:
            principal = await self.core.tokens.principal(key)
        except IOCError:
            raise Open311Error.one(403, "invalid api_key -- cannot create the request") from None
        if not files:
            self.answer("service_requests", await self.o311.create(args, principal))
            return
        self.principal = principal
        kept = await self.media.accept(files[:1], principal, self.request_base())
        args["media_url"] = kept.urls
        try:
            answer = await self.o311.create(args, principal)
        except BaseException:
            await self.media.discard(kept.new_ids)
            raise
        self.answer("service_requests", answer)

    def form_arguments(self) -> tuple[dict[str, list[str]], list[Any]]:
        """Return the query and body arguments (decoded as UTF-8) and the photo parts."""
        args = self.arguments()
        if self.upload is not None:
            form = self.upload_form()
            for name, value in form.fields.items():
                args.setdefault(name, []).append(value)
            return args, form.files
        for name, values in parse_qs(self.body.decode("utf-8", "replace"),
                                     keep_blank_values=True).items():
            args.setdefault(name, []).extend(values)
        return args, []


class RequestHandler(Open311Handler):
    """``GET requests/{id}.{fmt}``."""

    async def get(self, request_id: str, fmt: str) -> None:
        """Answer a one-element request list."""
        self.answer("service_requests", await self.o311.request(request_id, self.jurisdiction))


class TokenHandler(Open311Handler):
    """``GET tokens/{token}.{fmt}``."""

    async def get(self, token: str, fmt: str) -> None:
        """Answer ``[{service_request_id, token}]``."""
        self.answer("service_requests", await self.o311.token(token, self.jurisdiction))


class DiscoveryHandler(Open311Handler):
    """``GET /open311/discovery.{fmt}``: where the endpoint is and what it speaks."""

    def initialize(self, core, ref, o311: Open311, changeset: str) -> None:  # noqa: ANN001
        """Also receive the changeset time (server start)."""
        super().initialize(core, ref, o311)
        self.changeset = changeset

    def get(self, fmt: str) -> None:
        """Answer the discovery document."""
        base = f"{self.request.protocol}://{self.request.host}"
        self.answer("discovery", self.o311.discovery(base, self.changeset))


class UnknownHandler(Open311Handler):
    """Anything else under /open311/: an Open311 404."""

    def prepare(self) -> None:
        """Answer 404 as an Open311 error list."""
        raise Open311Error.one(404, f"nothing at {self.request.path}; see {BASE}/services.xml")


def routes(base: dict, o311: Open311, changeset: str,
           media: MediaService | None = None) -> list[tuple]:
    """Return the Open311 routes (``changeset``: the discovery file's time, RFC 3339;
    ``media``: photos with requests, None for none)."""
    args = {**base, "o311": o311}
    fmt = r"\.(?P<fmt>[A-Za-z0-9]+)"
    return [
        (rf"{BASE}/services{fmt}", ServicesHandler, args),
        (rf"{BASE}/services/(?P<code>[A-Za-z0-9_.-]+?){fmt}", ServiceDefinitionHandler, args),
        (rf"{BASE}/requests{fmt}", RequestsHandler, {**args, "media": media}),
        (rf"{BASE}/requests/(?P<request_id>[A-Za-z0-9-]+){fmt}", RequestHandler, args),
        (rf"{BASE}/tokens/(?P<token>[A-Za-z0-9-]+){fmt}", TokenHandler, args),
        (rf"/open311/discovery{fmt}", DiscoveryHandler, {**args, "changeset": changeset}),
        (r"/open311/.*", UnknownHandler, args),
    ]
