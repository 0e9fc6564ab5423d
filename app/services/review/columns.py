"""Columns of the reviewer lists and their Excel exports (label, SQL expression, display, sort, masking); the
source review's own columns are declared here, the destination review's in app.services.review.destination."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Callable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from app.formatters import coded, yes_no
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.security.pii import can_see_full
from app.services import source_form
from app.timeutil import local_display
from app.validation.codes import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
)
from app.validation.idcard import mask_id
from app.validation.phone import mask_phone
from app.workflows.source_info import DECISION_LABELS, SOURCE_INFO

STUDENT_CATEGORIES = dict(source_form.STUDENT_CATEGORIES)


@dataclass(frozen=True)
class Column:
    """One column; `mask` replaces the value for users without the full-view permission (X-3)."""

    key: str
    label: Any
    expr: ColumnElement[Any]
    sortable: bool = False
    default: bool = False
    show: Optional[Callable[[Any], Any]] = None  # value -> display value (labels for codes)
    mask: Optional[Callable[[Any], str]] = None
    finite: bool = False  # few distinct values (codes, states): display each once per export, not once per cell

    def display(self, value: Any, full: bool) -> Any:
        if value is None or value == "":
            return ""
        if self.mask is not None and not full:
            return self.mask(value)
        return self.show(value) if self.show else value


def mapped(labels: dict[str, Any]) -> Callable[[Any], str]:
    return lambda value: str(labels.get(value, value))


def as_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value



def review_columns(model: Any, workflow: Any) -> tuple[Column, ...]:
    """Status, submission and each level's decision of a reviewed model (ReviewDecisionsMixin), for any workspace."""
    decided = mapped(DECISION_LABELS)
    return (
        Column("status", _l("Review status"), model.status, sortable=True, default=True,
               show=lambda state: workflow.label(state), finite=True),
        Column("submitted_at", _l("Submitted at"), model.submitted_at, sortable=True, default=True,
               show=local_display),
        Column("college_decision", _l("College decision"), model.college_decision, show=decided, finite=True),
        Column("college_remark", _l("College remark"), model.college_remark),
        Column("college_decided_at", _l("College decided at"), model.college_decided_at, show=local_display),
        Column("school_decision", _l("School decision"), model.school_decision, show=decided, finite=True),
        Column("school_remark", _l("School remark"), model.school_remark),
        Column("school_decided_at", _l("School decided at"), model.school_decided_at, show=local_display),
    )


G = Graduate
COLUMNS: tuple[Column, ...] = (
    Column("student_no", _l("Student number"), G.student_no, sortable=True, default=True),
    Column("name", _l("Full name"), G.name, sortable=True, default=True),
    Column("gender", _l("Gender"), G.gender, default=True, show=coded(GENDERS), finite=True),
    Column("id_number", _l("ID number"), G.id_number, default=True, mask=mask_id),
    Column("department", _l("College"), Department.name, sortable=True, default=True),
    Column("major", _l("Major"), Major.name, sortable=True, default=True),
    Column("major_code", _l("Major code"), Major.code),
    Column("cohort", _l("Cohort"), Cohort.name),
    Column("education_level", _l("Education level"), G.education_level, show=coded(EDUCATION_LEVELS), finite=True),
    Column("origin", _l("Place of origin"), G.origin, sortable=True, default=True),
    *review_columns(G, SOURCE_INFO)[:2],
    Column("mobile", _l("Contact phone"), G.mobile, mask=mask_phone),
    Column("home_phone", _l("Home phone"), G.home_phone, mask=mask_phone),
    Column("email", _l("Email"), G.email),
    Column("birth_date", _l("Date of birth"), G.birth_date, show=as_date),
    Column("ethnicity", _l("Ethnicity"), G.ethnicity, show=coded(ETHNICITIES), finite=True),
    Column("political_status", _l("Political status"), G.political_status, show=coded(POLITICAL_STATUSES), finite=True),
    Column("student_category", _l("Student category"), G.student_category, show=mapped(STUDENT_CATEGORIES), finite=True),
    Column("current_household", _l("Current household registration"), G.current_household),
    Column("exam_no", _l("Examination number"), G.exam_no),
    Column("schooling_length", _l("Length of schooling"), G.schooling_length, show=coded(SCHOOLING_LENGTHS), finite=True),
    Column("training_mode", _l("Training mode"), G.training_mode, show=coded(TRAINING_MODES), finite=True),
    Column("training_unit", _l("Directed or entrusted unit"), G.training_unit),
    Column("enrolment_date", _l("Enrolment date"), G.enrolment_date, show=as_date),
    Column("graduation_date", _l("Graduation date"), G.graduation_date, sortable=True, show=as_date),
    Column("archive_unit", _l("Archive unit before enrolment"), G.archive_unit),
    Column("police_station", _l("Police station of household before enrolment"), G.police_station),
    Column("home_province", _l("Home address: province"), G.home_province),
    Column("home_city", _l("Home address: city or county"), G.home_city),
    Column("home_town", _l("Home address: district, town or township"), G.home_town),
    Column("home_street", _l("Home address: street, village or number"), G.home_street),
    Column("included", _l("Reported"), G.included, show=yes_no, finite=True),
    Column("bound", _l("Registry bound"), G.bound_at, show=lambda v: yes_no(v is not None), finite=True),
    *review_columns(G, SOURCE_INFO)[2:],
)


def row_formatter(columns: list[Column], full: bool) -> Callable[[Any], list[Any]]:
    """Rows as the user may see them (masked unless `full`); finite columns translate each distinct code once."""
    cells: list[tuple[str, Callable[[Any], Any]]] = []
    for column in columns:
        display = partial(column.display, full=full)
        if column.finite:
            display = lru_cache(maxsize=256)(display)
        cells.append((column.key, display))

    def format_row(row: Any) -> list[Any]:
        return [display(row[key]) for key, display in cells]

    return format_row


def display_row(columns: list[Column], row: Any, full: Optional[bool] = None) -> list[Any]:
    """One result row as the user may see it (masked unless `full`)."""
    return row_formatter(columns, can_see_full() if full is None else full)(row)
