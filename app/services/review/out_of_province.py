"""APV-1: the school's review of out-of-province employment applications as a workspace declaration — one row per
application (a graduate's earlier, decided ones are history in the same list), the shared filters, batch approve /
reject with a reason, export, print and the REST door; filtered further by the work location's province."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.models.agreement import OutOfProvinceApplication, OutOfProvinceEvidence
from app.services.reference import division_full_name
from app.services.review.columns import COLUMNS, Column, review_columns
from app.services.review.workspace import Filter, Workspace, register
from app.timeutil import local_display
from app.validation.regions import PROVINCE, divisions
from app.workflows.out_of_province import OUT_OF_PROVINCE

A = OutOfProvinceApplication
GRADUATE_KEYS = ("student_no", "name", "gender", "id_number", "department", "major", "cohort", "education_level",
                 "mobile", "email")
_graduate = {c.key: c for c in COLUMNS}
_review = {c.key: c for c in review_columns(A, OUT_OF_PROVINCE)}


def _region(code: Any) -> str:
    return division_full_name(code) or str(code)


def _evidence_count() -> Any:
    return (select(func.count(OutOfProvinceEvidence.id)).where(OutOfProvinceEvidence.application_id == A.id)
            .correlate(A).scalar_subquery())


COLUMNS_OUT_OF_PROVINCE: tuple[Column, ...] = (
    *(_graduate[key] for key in GRADUATE_KEYS[:6]),
    Column("employer_name", _l("Employer"), A.employer_name, sortable=True, default=True),
    Column("employer_credit_code", _l("Unified social credit code"), A.employer_credit_code, default=True),
    Column("region", _l("Work location"), A.region_code, sortable=True, default=True, show=_region, finite=True),
    Column("explanation", _l("Explanation"), A.explanation),
    Column("evidence", _l("Evidence files"), _evidence_count(), default=True),
    _review["status"],
    Column("submitted_at", _l("Applied at"), A.submitted_at, sortable=True, default=True, show=local_display),
    _review["school_decision"], _review["school_remark"], _review["school_decided_at"],
    *(_graduate[key] for key in GRADUATE_KEYS[6:]),
)


def _provinces() -> list[tuple[str, Any]]:
    return [(r.code[:2], r.name) for r in divisions().by_code.values() if r.level == PROVINCE]


def _province(raw: str) -> Any:
    """A two-digit province code from the list, else None (ignored, never sent to SQL)."""
    return raw if len(raw) == 2 and raw in dict(_provinces()) else None


def _evidence_given(raw: str) -> Any:
    return {"1": True, "0": False}.get(raw)


FILTERS = (
    Filter("province", _l("Province of the work location"), _province,
           lambda code: A.region_code.startswith(code, autoescape=True), _provinces,
           doc="Two-digit GB/T 2260 province code of the work location, e.g. 44"),
    Filter("evidence", _l("Evidence attached"), _evidence_given,
           lambda given: _evidence_count() > 0 if given else _evidence_count() == 0,
           lambda: [("1", _l("Yes")), ("0", _l("No"))], doc="1: with evidence files, 0: without", enum=("1", "0")),
)

OUT_OF_PROVINCE_REVIEW = register(Workspace(
    name="out_of_province", prefix="OutOfProvince", title=_l("Out-of-province employment applications"),
    workflow=OUT_OF_PROVINCE, model=A, columns=COLUMNS_OUT_OF_PROVINCE, owner_key=A.graduate_id,
    audit_type="out_of_province", export_title=_l("Out-of-province employment applications"),
    export_filename=_l("Out-of-province employment applications.xlsx"), print_label=_l("Print the list"),
    filters=FILTERS,
))
