"""One display rule for every generated screen: booleans as 是/否, empty values empty, enums and timestamps as
people read them — applied to each ModelView's columns by construction, so a new screen never shows True or None."""
from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, DateTime
from sqlalchemy import Enum as SqlEnum

from app.formatters import blank_if_none, yes_no
from app.timeutil import local_display


def _enum_labels(enum_class: Any) -> Callable[[Any], str]:
    """FAB hands the formatter an enum's .value; show the member's label (its __str__) instead."""

    def label(value: Any) -> str:
        if value is None:
            return ""
        if enum_class is not None and not isinstance(value, enum.Enum):
            try:
                value = enum_class(value)
            except ValueError:
                return str(value)
        return str(value)

    return label


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else blank_if_none(value)


def _timestamp(value: Any) -> str:
    """Stored naive UTC, shown in Beijing time to the minute (the rule of every record page)."""
    return local_display(value) if isinstance(value, datetime.datetime) else blank_if_none(value)


def formatter_for(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, Boolean):
        return yes_no
    if isinstance(column_type, DateTime):
        return _timestamp
    if isinstance(column_type, Date):
        return _date
    if isinstance(column_type, SqlEnum):
        return _enum_labels(column_type.enum_class)
    return blank_if_none


def column_formatters(model: Any, own: dict[str, Callable[[Any], Any]] | None) -> dict[str, Callable[[Any], Any]]:
    """The view's own formatters, and the display rule for every other column and relation of the model."""
    result: dict[str, Callable[[Any], Any]] = {}
    mapper = model.__mapper__
    for attr in mapper.column_attrs:
        result[attr.key] = formatter_for(attr.columns[0].type)
    for rel in mapper.relationships:
        result[rel.key] = blank_if_none if not rel.uselist else (lambda items: "、".join(map(str, items or [])))
    result.update(own or {})
    return result
