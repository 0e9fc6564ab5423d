"""SRC-4: the eleven key fields compared with the registry — "未比对" when it lacks a value, "不匹配" when it differs."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Callable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.validation.codes import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
    label_of,
)
from app.validation.result import normalise_text

MATCH, NOT_COMPARED, MISMATCH, APPROVED_CHANGE = "match", "not_compared", "mismatch", "approved_change"


@dataclass(frozen=True)
class KeyField:
    """One compared field: how to read it from the form (graduate) and from the registry record."""

    key: str
    label: Any
    choices: Optional[list[tuple[str, str]]] = None
    form_value: Optional[Callable[[Any], Any]] = None  # default: the attribute of the same name

    def of_graduate(self, graduate: Any) -> Any:
        return self.form_value(graduate) if self.form_value else getattr(graduate, self.key, None)

    def of_registry(self, record: Any) -> Any:
        return getattr(record, self.key, None) if record is not None else None

    def display(self, value: Any) -> str:
        """The value as people read it: coded fields as their translated label, dates as YYYY-MM-DD."""
        if value is None or value == "":
            return ""
        if self.choices:
            label = label_of(self.choices, str(value))
            return _(label) if label else str(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)


def _major_code(graduate: Any) -> Optional[str]:
    return graduate.major.code if graduate.major is not None else None


KEY_FIELDS: tuple[KeyField, ...] = (
    KeyField("name", _l("Full name")),
    KeyField("gender", _l("Gender"), GENDERS),
    KeyField("ethnicity", _l("Ethnicity"), ETHNICITIES),
    KeyField("origin", _l("Place of origin")),
    KeyField("exam_no", _l("Examination number")),
    KeyField("major_code", _l("Major code"), form_value=_major_code),
    KeyField("graduation_date", _l("Graduation date")),
    KeyField("education_level", _l("Education level"), EDUCATION_LEVELS),
    KeyField("schooling_length", _l("Length of schooling"), SCHOOLING_LENGTHS),
    KeyField("training_mode", _l("Training mode"), TRAINING_MODES),
    KeyField("training_unit", _l("Directed or entrusted unit")),
)
KEY_FIELDS_BY_NAME = {f.key: f for f in KEY_FIELDS}


@dataclass(frozen=True)
class Comparison:
    """The outcome for one key field, with both values ready to show (the registry one goes in the hover)."""

    field: KeyField
    state: str
    form_display: str
    registry_display: str

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def flag(self) -> str:
        """The word shown next to the field; empty when it matches."""
        if self.state == NOT_COMPARED:
            return _("Not compared")
        if self.state == MISMATCH:
            return _("Mismatch")
        if self.state == APPROVED_CHANGE:
            return _("Change approved")
        return ""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime.date) or isinstance(b, datetime.date):
        return a == b
    return normalise_text(a) == normalise_text(b)


def _blank(value: Any) -> bool:
    return value is None or normalise_text(value) == ""


def _unit_not_expected(graduate: Any, record: Any) -> bool:
    """A non-directed student has no directed/entrusted unit: both sides empty is agreement, not "未比对"."""
    from app.validation.codes import needs_training_unit

    return record is not None and not needs_training_unit(record.training_mode) and not needs_training_unit(
        graduate.training_mode)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else normalise_text(value)


def compare_field(field: KeyField, graduate: Any, record: Any, approved: str | None = None) -> Comparison:
    """One key field; a difference the reviewers accepted through a change request (`approved` is its claimed
    value, CHG-2) is shown as "异动已通过" rather than as an open mismatch."""
    mine, theirs = field.of_graduate(graduate), field.of_registry(record)
    if field.key == "training_unit" and _blank(mine) and _blank(theirs) and _unit_not_expected(graduate, record):
        state = MATCH
    elif _blank(theirs):
        state = NOT_COMPARED
    elif _same(mine, theirs):
        state = MATCH
    elif approved is not None and _text(mine) == normalise_text(approved):
        state = APPROVED_CHANGE
    else:
        state = MISMATCH
    return Comparison(field, state, field.display(mine), field.display(theirs))


def approved_claims(graduate_ids: list[int]) -> dict[int, dict[str, str]]:
    """{graduate id: {field: claimed value}} of approved change requests (the latest per field), one query."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.change import ChangeRequest

    out: dict[int, dict[str, str]] = {i: {} for i in graduate_ids}
    if not graduate_ids:
        return out
    rows = db.session.execute(select(ChangeRequest.graduate_id, ChangeRequest.field, ChangeRequest.claimed_value)
                              .where(ChangeRequest.graduate_id.in_(graduate_ids), ChangeRequest.status == "approved")
                              .order_by(ChangeRequest.id))
    for graduate_id, field_key, claimed in rows:
        out[graduate_id][field_key] = claimed
    return out


def compare(graduate: Any, record: Any = None, approved: dict[str, str] | None = None) -> list[Comparison]:
    """All eleven comparisons, against `record` or the graduate's bound registry record."""
    record = record if record is not None else graduate.registry_record
    if approved is None:
        approved = approved_claims([graduate.id])[graduate.id] if graduate.id is not None else {}
    return [compare_field(f, graduate, record, approved.get(f.key)) for f in KEY_FIELDS]


def mismatches(graduate: Any, record: Any = None) -> list[Comparison]:
    return [c for c in compare(graduate, record) if c.state == MISMATCH]
