"""Answers to a category's questions (``attributes`` in the category data; Open311 service
definition attributes), checked and normalised the same way for every channel."""
from __future__ import annotations

import math
from typing import Any

from geo.categories import Category
from server.core.errors import detail
from server.core.timefmt import parse_rfc3339

MAX_STRING = 500
MAX_TEXT = 4000


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _check_number(value: Any) -> tuple[Any, str | None]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, f"must be a number, got {value!r}"
    return (number, None) if math.isfinite(number) else (None, "must be a finite number")


def _check_datetime(value: Any) -> tuple[Any, str | None]:
    try:
        parse_rfc3339(str(value))
    except ValueError:
        return None, f"must be an ISO 8601 date and time with a UTC offset, got {value!r}"
    return str(value), None


def _check_text(value: Any, multiline: bool) -> tuple[Any, str | None]:
    if isinstance(value, list):
        return None, "must be one text value"
    text = str(value)
    if not multiline and ("\n" in text or "\r" in text):
        return None, "must be one line (datatype string)"
    limit = MAX_TEXT if multiline else MAX_STRING
    return (text, None) if len(text) <= limit else (None, f"is longer than {limit} characters")


def _check_list(value: Any, keys: list[str], multiple: bool) -> tuple[Any, str | None]:
    chosen = _as_list(value)
    if not multiple and len(chosen) != 1:
        return None, "takes exactly one value (singlevaluelist)"
    unknown = [v for v in chosen if v not in keys]
    if unknown:
        return None, f"unknown value(s) {', '.join(map(repr, unknown))}; one of {', '.join(keys)}"
    return (chosen if multiple else chosen[0]), None


def check_value(defn: dict, value: Any) -> tuple[Any, str | None]:
    """Return (normalised value, None) or (None, problem) for one answer to ``defn``."""
    kind = defn["datatype"]
    if kind == "number":
        return _check_number(value)
    if kind == "datetime":
        return _check_datetime(value)
    if kind in ("string", "text"):
        return _check_text(value, kind == "text")
    keys = [v["key"] for v in defn.get("values", [])]
    return _check_list(value, keys, kind == "multivaluelist")


def check_attributes(category: Category, values: dict[str, Any], path: str = "props.attributes",
                     require: bool = False) -> tuple[dict[str, Any], list[dict]]:
    """Return (normalised answers, problems as ``detail`` entries) for a category's questions.

    ``require``: also report unanswered required questions (forms such as Open311 insist; a
    chat message or a hotline call cannot always answer them)."""
    defs = {d["code"]: d for d in category.attributes}
    out: dict[str, Any] = {}
    problems = []
    for code, value in values.items():
        defn = defs.get(code)
        if defn is None:
            asks = ", ".join(defs) or "nothing"
            problems.append(detail(f"{path}.{code}",
                                   f"unknown attribute; {category.code} asks: {asks}"))
            continue
        if value in (None, "", []):
            continue
        normal, problem = check_value(defn, value)
        if problem:
            problems.append(detail(f"{path}.{code}", problem))
        else:
            out[code] = normal
    for code, defn in defs.items():
        if require and defn.get("required") and code not in out and not any(
                p["path"] == f"{path}.{code}" for p in problems):
            problems.append(detail(f"{path}.{code}", "is required for this category"))
    return out, problems
