"""The OpenAPI 3.1 description of the HTTP API, served at ``GET /api/v1/openapi.json``.

One table (``OPERATIONS``) names every path and method with who may call it, its query
parameters and, where a pydantic model reads the body, that model's JSON Schema. The tests keep
the table and the Tornado routes in step (every route described, every described path served) and
run schemathesis against a live server with this document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from server.features.cameras.service import CameraIn
from server.features.dispatch.desk import SosIn, TriageIn
from server.features.dispatch.lifecycle import CallRequest, UnitStatusIn
from server.features.dispatch.units import FixIn, UnitIn
from server.core.events import EventIn
from server.features.flood_roads.book import MarkIn
from server.features.reports.lifecycle import TransitionIn
from server.core.reroute import RerouteBody
from server.features.warnings.lifecycle import NewWarning, WarningRequest
from server.features.warnings.reach import Contact

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CAP = "application/cap+xml"
ATOM = "application/atom+xml"
UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SLUG_RE = "^[a-z0-9][a-z0-9_-]{0,63}$"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                             "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"},
                                            "details": {"type": "array", "items": {
                                                "type": "object",
                                                "properties": {"path": {"type": "string"},
                                                               "message": {"type": "string"}}}}}}}}
OPEN311_ERRORS: dict[str, Any] = {
    JSON: {"schema": {"type": "array", "items": {"type": "object", "required": ["code",
                                                                                "description"]}}},
    "text/xml": {"schema": {"type": "string"}}}

#: Roles, as the description says them.
EVERYONE = "anyone, no token"
STAFF = "admin, supervisor, operator, wall; agency (its own)"
READERS = "admin, supervisor, operator, wall, agency (its own), public (public form)"
MANAGERS = "admin, supervisor, operator"
ADMIN = "admin"
WARNING_READERS = "admin, supervisor, operator, wall, agency"
VIEWERS = "admin, supervisor, operator, wall, agency, public"


@dataclass(frozen=True)
class Param:
    """A query or path parameter."""

    name: str
    schema: dict[str, Any]
    where: str = "query"
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the OpenAPI Parameter Object."""
        return {"name": self.name, "in": self.where, "required": self.required or
                self.where == "path", "schema": self.schema}


def q(name: str, schema: dict[str, Any] | None = None, required: bool = False) -> Param:
    """Return a query parameter (a string unless ``schema`` says)."""
    return Param(name, schema or {"type": "string", "maxLength": 200}, "query", required)


def p(name: str, pattern: str) -> Param:
    """Return a path parameter matching ``pattern``."""
    return Param(name, {"type": "string", "pattern": pattern}, "path", True)


INT = {"type": "integer", "minimum": 0, "maximum": 2**62}
SINCE, LIMIT = q("since", INT), q("limit", {"type": "integer", "minimum": 1, "maximum": 10000})
FILTERS = (q("kind"), q("category"), q("area"), q("bbox"))
PERIOD = (q("month"), q("from"), q("to"))


@dataclass(frozen=True)
class Op:
    """One operation: method, summary (Vietnamese / English), who may call it, parameters,
    body (a pydantic model, a media type, or the JSON Schema of a JSON body), and the success
    answer (status, media types comma-separated, and other success statuses ``also``)."""

    method: str
    summary: str
    roles: str
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | str | dict[str, Any] | None = None
    ok: int = 200
    ok_type: str = JSON
    also: tuple[int, ...] = ()


def _ops_of_kinds() -> dict[str, list[Op]]:
    out: dict[str, list[Op]] = {}
    for plural in ("reports", "questions"):
        base = f"/api/v1/{plural}"
        case = p("case_id", UUID_RE)
        out[base] = [Op("post", "Gửi phản ánh / file a case", "public, agency, admin, operator",
                        body=JSON, ok=201),
                     Op("get", "Danh sách việc / work list", STAFF,
                        (q("status"), q("overdue"), q("agency"), q("area"), q("category"),
                         q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                         q("offset", INT)))]
        out[f"{base}/kpis"] = [Op("get", "Chỉ số / KPIs", STAFF, (q("by"), *PERIOD))]
        out[f"{base}/actions"] = [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)]
        out[f"{base}/{{case_id}}"] = [Op("get", "Chi tiết / case detail",
                                         STAFF + "; citizen (X-Citizen-Token)", (case,))]
        out[f"{base}/{{case_id}}/transitions"] = [Op("post", "Chuyển trạng thái / transition",
                                                     STAFF + "; citizen", (case,), TransitionIn)]
        pub = f"/api/v1/public/{plural}"
        out[pub] = [Op("get", "Bảng tin công khai / public feed", EVERYONE,
                       (SINCE, LIMIT, q("category"), q("area"), q("bbox")))]
        out[f"{pub}/map"] = [Op("get", "Bản đồ công khai / public map (GeoJSON)", EVERYONE,
                                (q("days", {"type": "integer", "minimum": 1, "maximum": 3660}),
                                 q("category"), q("area"), q("status")))]
        out[f"{pub}/kpis"] = [Op("get", "Chỉ số công khai / public KPIs", EVERYONE,
                                 (q("by"), *PERIOD))]
        out[f"{pub}/{{case_id}}"] = [Op("get", "Một việc, công khai / one public case",
                                        EVERYONE, (case,))]
    return out


def _ops_open311() -> dict[str, list[Op]]:
    fmt = Param("format", {"type": "string", "enum": ["xml", "json"]}, "path", True)
    v2 = "/open311/v2"
    j = (q("jurisdiction_id"),)
    return {
        f"{v2}/services.{{format}}": [Op("get", "Open311 services", EVERYONE, (fmt, *j))],
        f"{v2}/services/{{code}}.{{format}}": [Op("get", "Open311 service definition", EVERYONE,
                                                  (p("code", "^[A-Za-z0-9_-]+$"), fmt, *j))],
        f"{v2}/requests.{{format}}": [
            Op("get", "Open311 search requests", EVERYONE,
               (fmt, *j, q("service_request_id"), q("service_code"), q("status"),
                q("start_date"), q("end_date"))),
            Op("post", "Open311 create a request (api_key: a public or staff token)",
               "public, agency, admin, operator", (fmt,), FORM)],
        f"{v2}/requests/{{request_id}}.{{format}}": [
            Op("get", "Open311 one request", EVERYONE, (p("request_id", "^[A-Za-z0-9-]+$"), fmt,
                                                        *j))],
        f"{v2}/tokens/{{token}}.{{format}}": [
            Op("get", "Open311 request id of a token", EVERYONE,
               (p("token", "^[A-Za-z0-9-]+$"), fmt, *j))],
        "/open311/discovery.{format}": [Op("get", "Open311 discovery", EVERYONE, (fmt,))],
    }


def _ops_dispatch() -> dict[str, list[Op]]:
    call, unit = p("call_id", UUID_RE), p("unit_id", SLUG_RE)
    return {
        "/api/v1/calls": [Op("post", "Ghi cuộc gọi / log a call", "admin, operator", body=JSON,
                             ok=201),
                          Op("get", "Hàng đợi / the queue", STAFF,
                             (q("all"), q("limit", {"type": "integer", "minimum": 1,
                                                    "maximum": 5000})))],
        "/api/v1/sos": [Op("post", "SOS một chạm / one-tap SOS", "public, admin, operator",
                           body=SosIn, ok=201)],
        "/api/v1/calls/related": [Op("get", "Cuộc gọi trước / earlier calls", MANAGERS,
                                     (q("phone"), q("lat"), q("lon"), q("exclude")))],
        "/api/v1/calls/triage": [Op("post", "Phân loại thử / triage preview", MANAGERS,
                                    body=TriageIn)],
        "/api/v1/calls/triage-rules": [Op("get", "Luật phân loại / triage rules", EVERYONE)],
        "/api/v1/calls/actions": [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)],
        "/api/v1/calls/{call_id}": [Op("get", "Chi tiết cuộc gọi / call detail",
                                       STAFF + "; responder (assigned)", (call,))],
        "/api/v1/calls/{call_id}/transitions": [Op("post", "Chuyển trạng thái / transition",
                                                   MANAGERS + "; responder (assigned)", (call,),
                                                   CallRequest)],
        "/api/v1/calls/{call_id}/suggestions": [
            Op("get", "Đội gần nhất / nearest free units", MANAGERS,
               (call, q("n", {"type": "integer", "minimum": 1, "maximum": 50})))],
        "/api/v1/units": [Op("get", "Các đội / responder units", STAFF)],
        "/api/v1/units/me": [Op("get", "Máy tính bảng của tôi / my tablet", "responder")],
        "/api/v1/units/{unit_id}": [Op("put", "Đăng ký đội / register a unit", MANAGERS,
                                       (unit,), UnitIn)],
        "/api/v1/units/{unit_id}/tablet": [Op("get", "Xem máy tính bảng / a unit's tablet",
                                              MANAGERS + "; responder (own)", (unit,))],
        "/api/v1/units/{unit_id}/position": [Op("post", "Vị trí / position fix",
                                                "responder (own), admin, operator",
                                                (unit,), FixIn)],
        "/api/v1/units/{unit_id}/status": [Op("post", "Trạng thái đội / unit status",
                                              "responder (own), admin, operator",
                                              (unit,), UnitStatusIn)],
        "/api/v1/units/{unit_id}/token": [Op("post", "Mã máy tính bảng / tablet token",
                                             MANAGERS, (unit,), JSON, ok=201)],
    }


def _ops_feeds() -> dict[str, list[Op]]:
    sensor, camera = p("station_id", SLUG_RE), p("camera_id", SLUG_RE)
    image = p("image", "^(latest|[0-9a-f-]{32,36})$")
    return {
        "/api/v1/vessels": [Op("get", "Tàu thuyền / vessels", READERS)],
        "/api/v1/vessels/readiness": [Op("get", "Sẵn sàng bão / storm readiness", READERS)],
        "/api/v1/vessels/zones": [Op("get", "Vùng biển / sea zones (GeoJSON)", EVERYONE)],
        "/api/v1/vessels/feeds": [Op("get", "Nguồn AIS / AIS feeds", MANAGERS)],
        "/api/v1/vessels/danger-zones": [Op("post", "Vùng nguy hiểm / add a danger zone",
                                            MANAGERS, body=JSON, ok=201)],
        "/api/v1/vessels/danger-zones/{zone_id}": [
            Op("delete", "Xoá vùng nguy hiểm / remove a danger zone", MANAGERS,
               (p("zone_id", "^[A-Za-z0-9_.:-]{1,80}$"),))],
        "/api/v1/ais": [Op("post", "Tải NMEA / upload NMEA lines", MANAGERS, body="text/plain")],
        "/api/v1/sensors": [Op("get", "Trạm đo / sensor stations", READERS)],
        "/api/v1/sensors/{station_id}": [Op("get", "Một trạm / one station", READERS, (sensor,)),
                                         Op("put", "Đăng ký trạm / register a station", MANAGERS,
                                            (sensor,), JSON)],
        "/api/v1/sensors/{station_id}/series": [Op("get", "Chuỗi số liệu / series", READERS,
                                                   (sensor, q("quantity")))],
        "/api/v1/cameras": [Op("get", "Camera / cameras", STAFF)],
        "/api/v1/cameras/{camera_id}": [Op("put", "Đăng ký, nhịp / register, heartbeat",
                                           "admin, operator", (camera,), CameraIn)],
        "/api/v1/cameras/{camera_id}/{image}.jpg": [
            Op("get", "Ảnh / image", STAFF, (camera, image), ok_type="image/jpeg"),
            Op("put", "Tải ảnh / upload an image", "admin, operator", (camera, image),
               "image/jpeg", ok=201)],
        **{f"/api/v1/channels/{name}/webhook": [
            Op("get", f"{name}: kiểm tra đăng ký / subscription check", "signed by the platform",
               (q("hub.mode"), q("hub.verify_token"), q("hub.challenge")), ok_type="text/plain"),
            Op("post", f"{name}: tin nhắn / messages (signed)", "signed by the platform",
               body=JSON)] for name in ("zalo", "messenger")},
    }


def _contacts_body() -> dict[str, Any]:
    """Return the schema of ``{"contacts": [{"id", ...Contact}]}`` (``parse_contacts``)."""
    item = Contact.model_json_schema()
    item["properties"] = {"id": {"type": "string", "minLength": 1, "maxLength": 64},
                          **item["properties"]}
    item["required"] = ["id", *item.get("required", [])]
    return {"type": "object", "required": ["contacts"],
            "properties": {"contacts": {"type": "array", "minItems": 1, "items": item}}}


#: ``{"readings": [{quantity, value, unit?, observed_at?}]}`` (``SensorService.post_readings``;
#: at most ``IOC_MAX_BATCH`` readings, all refused when one is bad).
READINGS_BODY: dict[str, Any] = {
    "type": "object", "required": ["readings"],
    "properties": {"readings": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["quantity", "value"],
        "properties": {"quantity": {"type": "string", "maxLength": 64},
                       "value": {"type": "number"}, "unit": {"type": "string"},
                       "observed_at": {"type": "string"}}}}}}


def _ops_warnings() -> dict[str, list[Op]]:
    warning = p("warning_id", UUID_RE)
    item = p("item_id", "^([0-9a-f]{32}|" + UUID_RE[1:-1] + ")$")
    base, pub = "/api/v1/warnings", "/api/v1/public/warnings"
    return {
        base: [Op("get", "Cảnh báo / warnings (every status) and CAP messages kept",
                  WARNING_READERS, (q("status"),)),
               Op("post", "Soạn cảnh báo / draft a warning", MANAGERS, body=NewWarning, ok=201)],
        f"{base}/actions": [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)],
        f"{base}/cap": [Op("post", "Nhận bản tin CAP / receive a CAP 1.1/1.2 message (201 "
                               "stored, 200 already stored)", MANAGERS, body=CAP, ok=201,
                           also=(200,))],
        f"{base}/contacts": [Op("get", "Danh bạ nhận cảnh báo / contacts (with phones)",
                                MANAGERS),
                             Op("post", "Đăng ký danh bạ / register contacts", MANAGERS,
                                body=_contacts_body(), ok=201)],
        f"{base}/{{warning_id}}": [Op("get", "Một cảnh báo / a warning, its actions, history",
                                      WARNING_READERS, (warning,))],
        f"{base}/{{warning_id}}/transitions": [
            Op("post", "Chuyển trạng thái / transition (who: GET /api/v1/warnings/actions)",
               "edit, update, discard: admin, supervisor, operator; approve, send, cancel: "
               "admin, supervisor", (warning,), WarningRequest)],
        f"{base}/{{warning_id}}/reach": [Op("get", "Phạm vi tiếp cận / who is inside the area",
                                            WARNING_READERS, (warning,))],
        f"{base}/{{item_id}}.cap": [Op("get", "Bản tin CAP / CAP 1.2 message of a warning or "
                                           "of a message kept", WARNING_READERS, (item,),
                                       ok_type=CAP)],
        f"{pub}.atom": [Op("get", "Cảnh báo đang hiệu lực / active warnings (Atom)", EVERYONE,
                           ok_type=ATOM)],
        f"{pub}/{{warning_id}}.cap": [Op("get", "Bản tin CAP đã phát / CAP of a published "
                                             "warning (404 for drafts)", EVERYONE, (warning,),
                                         ok_type=CAP)],
    }


def _ops_flood() -> dict[str, list[Op]]:
    return {
        "/api/v1/flood-roads": [
            Op("get", "Đường ngập / marked road segments", VIEWERS,
               (q("status", {"type": "string", "enum": ["flooded", "cleared"]}),)),
            Op("post", "Đánh dấu đường ngập / mark or clear a segment (201 first mark, 200 "
                       "again)", MANAGERS, body=MarkIn, ok=201, also=(200,))],
        "/api/v1/flood-roads/network": [Op("get", "Mạng đường / road segments (GeoJSON)",
                                           VIEWERS)],
        "/api/v1/sensors/{station_id}/readings": [
            Op("post", "Gửi số liệu / post readings (all or none)", MANAGERS,
               (p("station_id", SLUG_RE),), READINGS_BODY)],
    }


def _ops_core() -> dict[str, list[Op]]:
    event = p("event_id", "^[0-9a-fA-F-]{1,64}$")
    return {
        "/api/v1/openapi.json": [Op("get", "Mô tả API / this document", EVERYONE)],
        "/api/v1/events": [Op("post", "Gửi sự kiện / post events (one or {events: [...]})",
                              "admin, operator (any kind); agency, public (citizen kinds)",
                              body=EventIn, ok=201),
                           Op("get", "Sự kiện từ seq / events since a seq", READERS,
                              (SINCE, LIMIT, *FILTERS))],
        "/api/v1/events.geojson": [Op("get", "Xuất GeoJSON / GeoJSON export", STAFF,
                                      (SINCE, *FILTERS), ok_type="application/geo+json")],
        "/api/v1/events/search": [Op("post", "Tìm trong đa giác / polygon search", STAFF,
                                     body=JSON)],
        "/api/v1/events/nearest": [Op("get", "Gần nhất / nearest events", STAFF,
                                      (q("lat", {"type": "number", "minimum": -90, "maximum": 90},
                                         True),
                                       q("lon", {"type": "number", "minimum": -180,
                                                 "maximum": 180}, True),
                                       q("n", {"type": "integer", "minimum": 1, "maximum": 100}),
                                       *FILTERS))],
        "/api/v1/events/{event_id}": [Op("get", "Một sự kiện / one event", READERS, (event,))],
        "/api/v1/events/{event_id}/history": [Op("get", "Lịch sử / history", READERS, (event,))],
        "/api/v1/kpis": [Op("get", "Chỉ số tường / wall key figures", READERS)],
        **{f"/api/v1/{doc}": [Op("get", f"Tham chiếu / reference: {doc}", EVERYONE)]
           for doc in ("areas", "layers", "categories", "agencies")},
        "/api/v1/basemap/{name}": [Op("get", "Bản đồ nền / basemap", EVERYONE,
                                      (p("name", "^[a-z]+$"),))],
        "/api/v1/health": [Op("get", "Sức khoẻ / health", EVERYONE)],
        "/api/v1/ready": [Op("get", "Sẵn sàng / ready (503 while the database is away)",
                             EVERYONE)],
        "/api/v1/generations": [Op("get", "Thế hệ địa giới / boundary generations", EVERYONE)],
        "/api/v1/generations/{generation}/areas": [
            Op("get", "Địa giới một thế hệ / areas of a generation", EVERYONE,
               (p("generation", "^[a-z0-9-]{1,40}$"),))],
        "/api/v1/areas/reroute": [Op("post", "Định tuyến lại / re-route stored events", ADMIN,
                                     body=RerouteBody)],
        "/api/v1/tokens": [Op("get", "Danh sách mã / tokens (no secrets)", ADMIN)],
        "/api/v1/tokens/{token_id}": [Op("delete", "Thu hồi mã / revoke a token", ADMIN,
                                         (p("token_id", "^[0-9a-f]{16}$"),))],
        "/api/v1/audit": [Op("get", "Nhật ký kiểm toán / audit trail export", ADMIN,
                             (q("since"), q("format", {"type": "string",
                                                       "enum": ["jsonl", "csv"]})),
                             ok_type="application/jsonl,text/csv")],
    }


def operations() -> dict[str, list[Op]]:
    """Return ``{path template: [Op]}`` of the whole HTTP API."""
    return {**_ops_core(), **_ops_of_kinds(), **_ops_dispatch(), **_ops_feeds(),
            **_ops_warnings(), **_ops_flood(), **_ops_open311()}


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


#: The schema of a body given by its media type (no pydantic model reads it).
MEDIA_SCHEMAS: dict[str, dict[str, Any]] = {
    JSON: {"type": "object"}, FORM: {"type": "object"}, "text/plain": {"type": "string"},
    "image/jpeg": {"type": "string", "format": "binary"}, CAP: {"type": "string"}}


def _body(body: type[BaseModel] | str | dict[str, Any],
          components: dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        return {"required": True, "content": {JSON: {"schema": body}}}
    if isinstance(body, str):
        return {"required": True, "content": {body: {"schema": MEDIA_SCHEMAS[body]}}}
    return {"required": True, "content": {JSON: {"schema": _schema_of(body, components)}}}


def _operation(path: str, op: Op, components: dict[str, Any]) -> dict[str, Any]:
    open311 = path.startswith("/open311/")
    ok_content = {t: {"schema": {"type": "object"} if t == JSON else {}}
                  for t in op.ok_type.split(",")}
    if open311:
        shape = "object" if "/discovery." in path else "array"
        ok_content = {JSON: {"schema": {"type": shape}}, "text/xml": {"schema": {}}}
    out: dict[str, Any] = {
        "operationId": f"{op.method}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}",
        "summary": op.summary, "description": f"Roles: {op.roles}.",
        "tags": [path.split("/")[3] if path.startswith("/api/v1/") else "open311"],
        "parameters": [x.to_json() for x in op.params],
        "responses": {**{str(status): {"description": "OK", "content": ok_content}
                         for status in (op.ok, *op.also)},
                      "default": {"description": "The one error shape",
                                  "content": OPEN311_ERRORS if open311 else
                                  {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
    if op.body is not None:
        out["requestBody"] = _body(op.body, components)
    return out


def openapi_document(version: str = "0.1.0") -> dict[str, Any]:
    """Return the OpenAPI 3.1 document: ``{openapi, info, paths, components}``."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths = {path: {op.method: _operation(path, op, components) for op in ops}
             for path, ops in operations().items()}
    return {"openapi": "3.1.0",
            "info": {"title": "Huế IOC API", "version": version,
                     "description": "Trung tâm điều hành đô thị thông minh Huế / Huế IOC. "
                                    "Errors: {\"error\": {\"code\", \"message\", \"details\"}}."},
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}, {}],
            "paths": paths,
            "components": {"schemas": components,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
