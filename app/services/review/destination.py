"""EMP-2/EMP-3: the destination review as a workspace declaration — one row per graduate: their open change, else
their current version, else nothing yet (older versions are the record's history) — so every count of graduates on
the statistics and plan-lock pages is the list's total; filtered by the plan entry (plan_filters) and the graduate."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, true

from app.extensions import db
from app.formatters import yes_no
from app.models.destination import VERSION_KINDS, Destination
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.reference import Country, DestinationCode, JobCategory
from app.services.reference import division_full_name
from app.services.review.batch_fields import BatchField, check_date
from app.services.review.columns import COLUMNS, Column, as_date, mapped, review_columns
from app.services.review.destination_export import NATIONAL_SETS
from app.services.review.plan_filters import PLAN_FILTERS, working
from app.services.review.workspace import Workspace, register
from app.validation.result import Check
from app.workflows.destination import COMPLETE, DESTINATION, closed_cohorts

D = Destination
GRADUATE_KEYS = ("student_no", "name", "gender", "id_number", "department", "major", "major_code", "cohort",
                 "education_level", "mobile", "email")
_graduate = {c.key: c for c in COLUMNS}
_review = review_columns(D, DESTINATION)


def _region(code: Any) -> str:
    return division_full_name(code) or str(code)


COLUMNS_DESTINATION: tuple[Column, ...] = (
    *(_graduate[key] for key in GRADUATE_KEYS[:6]),
    Column("code", _l("Destination code"), DestinationCode.code, sortable=True, default=True, finite=True),
    Column("code_name", _l("Destination"), DestinationCode.name, default=True, finite=True),
    Column("placed", _l("Counts as placed"), DestinationCode.placed, show=yes_no, finite=True),
    Column("employer", _l("Employer"), Employer.name, sortable=True, default=True),
    Column("employer_credit_code", _l("Unified social credit code"), Employer.credit_code),
    Column("signed_on", _l("Signing date"), D.signed_on, sortable=True, show=as_date),
    Column("job_category", _l("Job category"), JobCategory.name, finite=True),
    Column("host_unit", _l("Host unit of the project"), D.host_unit),
    Column("venture_name", _l("Name of the venture"), D.venture_name),
    Column("work_description", _l("What the work is"), D.work_description),
    Column("school_name", _l("School"), D.school_name),
    Column("foreign_school_name", _l("School name in its own language"), D.foreign_school_name),
    Column("country", _l("Country or region"), Country.name, finite=True),
    Column("region", _l("Location"), D.region_code, show=_region, finite=True),
    Column("address", _l("Address"), D.address),
    Column("version_no", _l("Version"), D.version_no),
    Column("kind", _l("Kind of version"), D.kind, show=mapped(VERSION_KINDS), finite=True),
    Column("is_current", _l("Current destination"), D.is_current, show=yes_no, finite=True),
    *_review[:2],
    Column("rejection_text", _l("Reviewer's words on rejection"), D.rejection_text),
    *_review[2:],
    Column("transfer_no", _l("Transfer number (转递编号)"), D.transfer_no),
    Column("verification_no", _l("Verification number (核验编号)"), D.verification_no),
    *(_graduate[key] for key in GRADUATE_KEYS[6:]),
)


def _joins(stmt: Select[Any]) -> Select[Any]:
    """The code table, employer, job category and country (outer joins on primary keys: free where unused)."""
    return (stmt.outerjoin(DestinationCode, DestinationCode.id == D.code_id)
            .outerjoin(Employer, Employer.id == D.employer_id)
            .outerjoin(JobCategory, JobCategory.id == D.job_category_id)
            .outerjoin(Country, Country.id == D.country_id))


def live() -> Any:
    """The versions a reviewer works on: the current one and the one being filled or reviewed."""
    return or_(D.is_current == true(), D.status != COMPLETE)


def closed(ids: list[int]) -> dict[int, str]:
    """EMP-4/PLAN-1 for writes outside the engine (batch modify): a locked plan or a passed change deadline refuses
    each of its records with the lock's message, through the engine guard's own check (closed_cohorts)."""
    owners = dict(db.session.execute(select(D.id, Graduate.cohort_id).join(Graduate, Graduate.id == D.graduate_id)
                                     .where(D.id.in_(ids))).all())
    why = closed_cohorts(owners.values())
    return {record: why[cohort] for record, cohort in owners.items() if why.get(cohort)}


def _check_region(value: str) -> Check:
    """A current GB/T 2260 code; the code is stored (check_division's `code` carries the full name)."""
    from app.services.reference import check_division

    result = check_division(value)
    return Check(ok=result.ok, value=result.value, message=result.message)


DESTINATION_REVIEW = register(Workspace(
    name="destination", prefix="Destination", title=_l("Destination review"), workflow=DESTINATION, model=D,
    columns=COLUMNS_DESTINATION, owner_key=D.graduate_id, joins=_joins, live=live, audit_type="destination",
    export_title=_l("Destinations"), export_filename=_l("Destinations.xlsx"), print_label=_l("Print the list"),
    reasons=True,
    per_graduate=working, closed=closed, filters=PLAN_FILTERS, field_sets=NATIONAL_SETS,
    batch_fields={
        "signed_on": BatchField(_l("Signing date"), check_date),
        "region_code": BatchField(_l("Location"), _check_region),
    },
))
