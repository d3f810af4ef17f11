"""The sensors feature's part of the OpenAPI document: stations, their series and posted
readings."""
from __future__ import annotations

from typing import Any

from server.core.openapi import JSON, MANAGERS, READERS, SLUG_RE, Op, Operations, p, q

#: ``{"readings": [{quantity, value, unit?, observed_at?}]}`` (``SensorService.post_readings``;
#: at most ``IOC_MAX_BATCH`` readings, all refused when one is bad).
READINGS_BODY: dict[str, Any] = {
    "type": "object", "required": ["readings"],
    "properties": {"readings": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["quantity", "value"],
        "properties": {"quantity": {"type": "string", "maxLength": 64},
                       "value": {"type": "number"}, "unit": {"type": "string"},
                       "observed_at": {"type": "string"}}}}}}


def operations() -> Operations:
    """Return ``{path template: [Op]}`` of the sensors feature."""
    sensor = p("station_id", SLUG_RE)
    return {
        "/api/v1/sensors": [Op("get", "Trạm đo / sensor stations", READERS)],
        "/api/v1/sensors/{station_id}": [Op("get", "Một trạm / one station", READERS, (sensor,)),
                                         Op("put", "Đăng ký trạm / register a station", MANAGERS,
                                            (sensor,), JSON)],
        "/api/v1/sensors/{station_id}/series": [Op("get", "Chuỗi số liệu / series", READERS,
                                                   (sensor, q("quantity")))],
        "/api/v1/sensors/{station_id}/readings": [
            Op("post", "Gửi số liệu / post readings (all or none)", MANAGERS, (sensor,),
               READINGS_BODY)],
    }
