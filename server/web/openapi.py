"""The OpenAPI 3.1 description of the HTTP API, served at ``GET /api/v1/openapi.json``.

The core's operations are described here (``core_operations``); each feature describes its own
in its ``openapi.py`` (``Feature.openapi``), with the pieces of ``server.core.openapi``. Every
operation names who may call it, its parameters and, where a pydantic model reads the body, that
model's JSON Schema. The tests keep the document and the Tornado routes in step (every route
described, every described path served) and run schemathesis against a live server with it.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from server.core.events import EventIn
from server.core.feature import FeatureRegistry
from server.core.openapi import (ADMIN, CAP, EVERYONE, FORM, JSON, LIMIT, MULTIPART, READERS,
                                 SINCE, STAFF, Op, Operations, p, q)
from server.core.reroute import RerouteBody
from server.web.admin import TokenIn
from server.features import default_features

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "details"],
                             "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"},
                                            "details": {"type": "array", "items": {
                                                "type": "object",
                                                "properties": {"path": {"type": "string"},
                                                               "message": {"type": "string"}}}}}}}}
FILTERS = (q("kind"), q("category"), q("area"), q("bbox"))


def core_operations() -> Operations:
    """Return ``{path template: [Op]}`` of the core (events, reference, health, tokens, audit)."""
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
        "/api/v1/tokens": [Op("get", "Danh sách mã / tokens (no secrets)", ADMIN,
                              (q("sessions", {"type": "string", "enum": ["0", "1"]}),)),
                           Op("post", "Tạo mã máy hoặc mã màn hình / a machine token or a "
                                      "kiosk credential (secret shown once)", ADMIN,
                              body=TokenIn, ok=201)],
        "/api/v1/tokens/{token_id}": [Op("delete", "Thu hồi mã / revoke a token", ADMIN,
                                         (p("token_id", "^[0-9a-f]{16}$"),))],
        "/api/v1/audit": [Op("get", "Nhật ký kiểm toán / audit trail export", ADMIN,
                             (q("since"), q("actor"), q("format", {"type": "string",
                                                       "enum": ["jsonl", "csv"]})),
                             ok_type="application/jsonl,text/csv")],
    }


def operations(features: FeatureRegistry) -> Operations:
    """Return ``{path template: [Op]}`` of the whole HTTP API: the core's, then each feature's
    (in build order)."""
    out = core_operations()
    for path, ops in features.openapi().items():
        out.setdefault(path, []).extend(ops)
    return out


def _schema_of(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """Return a reference to the JSON Schema of ``model``, added to ``components`` (with the
    models it uses)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


#: The schema of a body given by its media type (no pydantic model reads it).
MEDIA_SCHEMAS: dict[str, dict[str, Any]] = {
    JSON: {"type": "object"}, FORM: {"type": "object"}, "text/plain": {"type": "string"},
    **{f"image/{t}": {"type": "string", "format": "binary"}
       for t in ("jpeg", "png", "webp", "heic", "heif")},
    CAP: {"type": "string"},
    MULTIPART: {"type": "object", "properties": {
        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}


def _body(body: type[BaseModel] | str | dict[str, Any],
          components: dict[str, Any]) -> dict[str, Any]:
    """Return the OpenAPI Request Body Object of ``body`` (a tuple: each of its items is one
    media type the operation reads)."""
    if isinstance(body, tuple):
        content = {t: c for item in body for t, c in _body(item, components)["content"].items()}
        return {"required": True, "content": content}
    if isinstance(body, dict):
        return {"required": True, "content": {JSON: {"schema": body}}}
    if isinstance(body, str):
        return {"required": True, "content": {body: {"schema": MEDIA_SCHEMAS[body]}}}
    return {"required": True, "content": {JSON: {"schema": _schema_of(body, components)}}}


def _ok_content(op: Op) -> dict[str, Any]:
    """Return the content of the operation's success answers."""
    if op.ok_content is not None:
        return op.ok_content
    return {t: {"schema": {"type": "object"} if t == JSON else {}} for t in op.ok_type.split(",")}


def _operation(path: str, op: Op, components: dict[str, Any]) -> dict[str, Any]:
    """Return the OpenAPI Operation Object of ``op`` on ``path`` (the models of its body are
    added to ``components``)."""
    ok_content = _ok_content(op)
    errors = op.errors or {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
    parts = path.split("/")
    out: dict[str, Any] = {
        "operationId": f"{op.method}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}",
        "summary": op.summary, "description": f"Roles: {op.roles}.",
        "tags": [parts[3] if path.startswith("/api/v1/") else parts[1]],
        "parameters": [x.to_json() for x in op.params],
        "responses": {**{str(status): {"description": "OK", "content": ok_content}
                         for status in (op.ok, *op.also)},
                      "default": {"description": "The one error shape", "content": errors}}}
    if op.body is not None:
        out["requestBody"] = _body(op.body, components)
    return out


def openapi_document(features: FeatureRegistry | None = None,
                     version: str = "0.1.0") -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the core and ``features`` (by default every feature):
    ``{openapi, info, paths, components}``."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    features = default_features() if features is None else features
    paths = {path: {op.method: _operation(path, op, components) for op in ops}
             for path, ops in operations(features).items()}
    return {"openapi": "3.1.0",
            "info": {"title": "Huế IOC API", "version": version,
                     "description": "Trung tâm điều hành đô thị thông minh Huế / Huế IOC. "
                                    "Errors: {\"error\": {\"code\", \"message\", \"details\"}}."},
            "servers": [{"url": "/"}],
            "security": [{"bearer": []}, {}],
            "paths": paths,
            "components": {"schemas": components,
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
