"""The access log without secrets: a token (``/ws?token=ioc_…``) or any other secret-looking
query value is written as ``[redacted]``. ``log_request`` is the Application's ``log_function``."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tornado.log import access_log

#: Query keys whose values are secrets (``token``, ``access_token``, ``hub.verify_token``,
#: ``api_key``, ``secret``, ``password``, ``signature``, ``code``, the sign-on's ``state``, …).
SECRET_KEY = re.compile(r"tok|secret|key|pass|sig|auth|code|challenge|session|cred|state",
                        re.I)
#: Values that look like one of our tokens wherever they appear.
SECRET_VALUE = re.compile(r"^ioc_", re.I)
REDACTED = "[redacted]"


def redact_uri(uri: str) -> str:
    """Return ``uri`` with every secret-looking query value replaced by ``[redacted]``."""
    path, sep, query = uri.partition("?")
    if not sep:
        return uri
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs and query:
        return f"{path}?{REDACTED}"
    return f"{path}?" + urlencode(
        [(k, REDACTED if SECRET_KEY.search(k) or SECRET_VALUE.match(v) else v) for k, v in pairs],
        safe=",:[]")


def request_summary(handler: Any) -> str:
    """Return ``METHOD URI (address)`` as Tornado writes it, with the URI redacted."""
    request = handler.request
    return f"{request.method} {redact_uri(request.uri or '')} ({request.remote_ip})"


def log_request(handler: Any) -> None:
    """Write one access-log line for a finished request as Tornado does (info below 400,
    warning below 500, else error), secrets redacted."""
    status = handler.get_status()
    method = (access_log.info if status < 400 else
              access_log.warning if status < 500 else access_log.error)
    method("%d %s %.2fms", status, request_summary(handler),
           1000.0 * handler.request.request_time())
