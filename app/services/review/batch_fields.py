"""SRC-11: which fields a reviewer may change on many records at once, and how each value is checked (the source
review's fields here; other workspaces declare theirs with the same BatchField)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.excel.columns import parse_date_text
from app.validation import (
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    check_political_status,
    check_schooling_length,
)
from app.validation.result import Check, normalise_text


class BatchValueError(ValueError):
    """The value cannot be set (unknown field or invalid value); the message is for the user."""


def check_date(value: str) -> Check:
    parsed = parse_date_text(normalise_text(value))
    if parsed is None:
        return Check(ok=False, message=_("Enter a date such as 2026-06-30."))
    return Check(ok=True, value=parsed)


def check_text(limit: int) -> Callable[[str], Check]:
    def check(value: str) -> Check:
        text = (value or "").strip()
        if not text:
            return Check(ok=False, message=_("Enter a value."))
        if len(text) > limit:
            return Check(ok=False, message=_("At most %(n)d characters.", n=limit))
        return Check(ok=True, value=text)

    return check


@dataclass(frozen=True)
class BatchField:
    label: Any
    check: Callable[[str], Check]
    choices: list[tuple[str, str]] | None = None


BATCH_FIELDS: dict[str, BatchField] = {
    "graduation_date": BatchField(_l("Graduation date"), check_date),
    "enrolment_date": BatchField(_l("Enrolment date"), check_date),
    "schooling_length": BatchField(_l("Length of schooling"), check_schooling_length, SCHOOLING_LENGTHS),
    "political_status": BatchField(_l("Political status"), check_political_status, POLITICAL_STATUSES),
    "archive_unit": BatchField(_l("Archive unit before enrolment"), check_text(100)),
}


def parse_batch_value(field: str, raw: str, fields: Mapping[str, BatchField] | None = None) -> Any:
    """The stored value for `raw`, or BatchValueError with the field's own message."""
    spec = (BATCH_FIELDS if fields is None else fields).get(field)
    if spec is None:
        raise BatchValueError(_("This field cannot be changed in a batch."))
    result = spec.check(raw)
    if not result.ok:
        raise BatchValueError(result.message or _("Invalid value."))
    return result.code if result.code is not None else result.value
