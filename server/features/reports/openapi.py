"""The reports feature's part of the OpenAPI document: cases and questions, their public feed,
Open311 GeoReport v2 and the chat webhooks."""
from __future__ import annotations

from typing import Any

from server.core.openapi import (EVERYONE, FORM, INT, JSON, LIMIT, MULTIPART, PERIOD, SINCE,
                                 STAFF, UUID_RE, Op, Operations, Param, p, q)
from server.features.reports.lifecycle import TransitionIn

#: Open311 answers in its own shapes (XML or JSON), not the one error shape.
OPEN311_ERRORS: dict[str, Any] = {
    JSON: {"schema": {"type": "array", "items": {"type": "object", "required": ["code",
                                                                                "description"]}}},
    "text/xml": {"schema": {"type": "string"}}}


def _open311_ok(shape: str = "array") -> dict[str, Any]:
    """Return the content of an Open311 success answer (a JSON ``shape``, or XML)."""
    return {JSON: {"schema": {"type": shape}}, "text/xml": {"schema": {}}}


def _open311_op(method: str, summary: str, roles: str, params: tuple[Param, ...],
                body: str | tuple[str, ...] | None = None, shape: str = "array") -> Op:
    """Return an Open311 operation (its own answer and error shapes)."""
    return Op(method, summary, roles, params, body, ok_content=_open311_ok(shape),
              errors=OPEN311_ERRORS)


def _cases(plural: str) -> Operations:
    """Return the staff operations on ``/api/v1/{plural}`` (reports or questions)."""
    base, case = f"/api/v1/{plural}", p("case_id", UUID_RE)
    return {
        base: [Op("post", "Gửi phản ánh / file a case (JSON, or multipart: fields or a JSON "
                  "part case, photos as file parts)", "public, agency, admin, operator",
                  body=(JSON, MULTIPART), ok=201),
               Op("get", "Danh sách việc / work list", STAFF,
                  (q("status"), q("overdue"), q("agency"), q("area"), q("category"),
                   q("extension", {"type": "string", "enum": ["requested", "approved",
                                                              "refused"]}),
                   *PERIOD, q("q"),
                   q("sort", {"type": "string", "enum": ["newest", "oldest", "deadline",
                                                         "overdue", "updated"]}),
                   q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
                   q("offset", INT)))],
        f"{base}/kpis": [Op("get", "Chỉ số / KPIs", STAFF, (q("by"), *PERIOD))],
        f"{base}/actions": [Op("get", "Bảng thao tác / lifecycle table", EVERYONE)],
        f"{base}/{{case_id}}": [Op("get", "Chi tiết / case detail",
                                   STAFF + "; citizen (X-Citizen-Token)", (case,))],
        f"{base}/{{case_id}}/transitions": [Op("post", "Chuyển trạng thái / transition (JSON, "
                                               "or multipart with photos as file parts)",
                                               STAFF + "; citizen", (case,),
                                               (TransitionIn, MULTIPART))],
    }


def _public(plural: str) -> Operations:
    """Return the public operations on ``/api/v1/public/{plural}``."""
    pub, case = f"/api/v1/public/{plural}", p("case_id", UUID_RE)
    return {
        pub: [Op("get", "Bảng tin công khai / public feed", EVERYONE,
                 (SINCE, LIMIT, q("category"), q("area"), q("bbox")))],
        f"{pub}/map": [Op("get", "Bản đồ công khai / public map (GeoJSON)", EVERYONE,
                          (q("days", {"type": "integer", "minimum": 1, "maximum": 3660}),
                           q("category"), q("area"), q("status")))],
        f"{pub}/kpis": [Op("get", "Chỉ số công khai / public KPIs", EVERYONE,
                           (q("by"), *PERIOD))],
        f"{pub}/{{case_id}}": [Op("get", "Một việc, công khai / one public case", EVERYONE,
                                  (case,))],
    }


def _open311() -> Operations:
    """Return the Open311 GeoReport v2 operations."""
    fmt = Param("format", {"type": "string", "enum": ["xml", "json"]}, "path", True)
    v2, j = "/open311/v2", (q("jurisdiction_id"),)
    return {
        f"{v2}/services.{{format}}": [_open311_op("get", "Open311 services", EVERYONE,
                                                  (fmt, *j))],
        f"{v2}/services/{{code}}.{{format}}": [
            _open311_op("get", "Open311 service definition", EVERYONE,
                        (p("code", "^[A-Za-z0-9_-]+$"), fmt, *j))],
        f"{v2}/requests.{{format}}": [
            _open311_op("get", "Open311 search requests", EVERYONE,
                        (fmt, *j, q("service_request_id"), q("service_code"), q("status"),
                         q("start_date"), q("end_date"))),
            _open311_op("post", "Open311 create a request (api_key: a public or staff token; "
                        "a photo as the multipart part media)",
                        "public, agency, admin, operator", (fmt,), (FORM, MULTIPART))],
        f"{v2}/requests/{{request_id}}.{{format}}": [
            _open311_op("get", "Open311 one request", EVERYONE,
                        (p("request_id", "^[A-Za-z0-9-]+$"), fmt, *j))],
        f"{v2}/tokens/{{token}}.{{format}}": [
            _open311_op("get", "Open311 request id of a token", EVERYONE,
                        (p("token", "^[A-Za-z0-9-]+$"), fmt, *j))],
        "/open311/discovery.{format}": [_open311_op("get", "Open311 discovery", EVERYONE,
                                                    (fmt,), shape="object")],
    }


def _webhooks() -> Operations:
    """Return the Zalo and Messenger webhook operations."""
    return {f"/api/v1/channels/{name}/webhook": [
        Op("get", f"{name}: kiểm tra đăng ký / subscription check", "signed by the platform",
           (q("hub.mode"), q("hub.verify_token"), q("hub.challenge")), ok_type="text/plain"),
        Op("post", f"{name}: tin nhắn / messages (signed)", "signed by the platform",
           body=JSON)] for name in ("zalo", "messenger")}


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the reports feature."""
    out: Operations = {}
    for plural in ("reports", "questions"):
        out.update(_cases(plural))
        out.update(_public(plural))
    return {**out, **_open311(), **_webhooks()}
