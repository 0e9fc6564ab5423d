"""AGR-2/AGR-3, seed 004 §5.1: the colleges' and school's review of tripartite agreements as two declarations on
the shared workspace — the work list (agreements still moving, archived and revoked ones included: the school
revokes and restores there) and the history (ended ones) — plus the plan lock's count of agreements awaiting archive."""
from __future__ import annotations

from typing import Any, Optional

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, exists, func, or_, select

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS, STARTED_BY, Agreement, AgreementNumber
from app.models.employer import Employer, EmployerRegisterEntry
from app.models.graduate import Graduate
from app.security.roles import ADMIN, COLLEGE, SCHOOL, role_names
from app.services.employer_register import ABSENT, DIFFERS, MATCH, identity_label
from app.services.reference import division_full_name
from app.services.review.columns import COLUMNS, Column, as_date, mapped, review_columns
from app.services.review.workspace import Filter, Workspace, register
from app.timeutil import local_display
from app.workflows.agreement import (
    AGREEMENT,
    ARCHIVED,
    ENDED,
    REVOKED,
    STAMP_EMPLOYER,
    STAMP_GRADUATE,
    STAMP_SCHOOL,
)
from app.workflows.review_builder import CENTRAL, SECONDARY

A = Agreement
GRADUATE_KEYS = ("student_no", "name", "gender", "id_number", "department", "major", "major_code", "cohort",
                 "education_level", "mobile", "email")
_graduate = {c.key: c for c in COLUMNS}
_review = review_columns(A, AGREEMENT)

# -- the employer's identity check against the verified-unit register (AGR-5, seed 004 §10.4) ----------------------
_R = EmployerRegisterEntry


def _plain(name: Any) -> Any:
    """A name without spaces, with half-width brackets, lower-cased: SQL's share of employer_register.norm_name."""
    for old, new in ((" ", ""), ("\u3000", ""), ("（", "("), ("）", ")")):
        name = func.replace(name, old, new)
    return func.lower(name)


# employer_register.identities in SQL, so the list can show and export it for any number of rows: the same code and
# name match; the same code with another name, or the same name with another code, differ; else absent (entries are
# found by their indexed code or name; names compare as employer_register compares them, up to NFKC forms)
_CODE = func.upper(Employer.credit_code)
IDENTITY = case(
    (exists().where(_R.credit_code == _CODE, _plain(_R.name) == _plain(Employer.name)), MATCH),
    (exists().where(_R.credit_code == _CODE), DIFFERS),
    (exists().where(_R.name == Employer.name), DIFFERS),
    else_=ABSENT)


def _region(code: Any) -> str:
    return division_full_name(code) or str(code)


NUMBER = func.coalesce(A.external_number, AgreementNumber.number)
_time = local_display

COLUMNS_AGREEMENT: tuple[Column, ...] = (
    *(_graduate[key] for key in GRADUATE_KEYS[:6]),
    Column("employer", _l("Employer"), Employer.name, sortable=True, default=True),
    Column("employer_credit_code", _l("Unified social credit code"), Employer.credit_code, default=True),
    Column("identity", _l("Identity check"), IDENTITY, default=True, show=identity_label, finite=True),
    Column("number", _l("Agreement number"), NUMBER, default=True),
    Column("kind", _l("Kind of agreement"), A.kind, default=True, show=mapped(AGREEMENT_KINDS), finite=True),
    Column("started_by", _l("Started by"), A.started_by, show=mapped(STARTED_BY), finite=True),
    Column("position", _l("Position"), A.position),
    Column("salary", _l("Salary"), A.salary),
    Column("work_region", _l("Work location"), A.work_region_code, show=_region, finite=True),
    Column("work_address", _l("Work address"), A.work_address),
    Column("signed_on", _l("Signing date"), A.signed_on, sortable=True, default=True, show=as_date),
    _review[0],  # status
    Column("created_at", _l("Started at"), A.created_at, sortable=True, show=_time),
    Column("answered_at", _l("Answered at"), A.answered_at, show=_time),
    _review[1],  # submitted_at
    *_review[2:],  # each level's decision, remark and time
    Column("employer_stamped_at", _l("Employer stamped at"), A.employer_stamped_at, show=_time),
    Column("graduate_confirmed_at", _l("Graduate confirmed at"), A.graduate_confirmed_at, show=_time),
    Column("school_confirmed_at", _l("School confirmed at"), A.school_confirmed_at, show=_time),
    Column("archived_at", _l("Archived at"), A.archived_at, sortable=True, show=_time),
    Column("revoked_at", _l("Archive revoked at"), A.revoked_at, show=_time),
    Column("ended_at", _l("Ended at"), A.ended_at, show=_time),
    *(_graduate[key] for key in GRADUATE_KEYS[6:]),
)


def _joins(stmt: Select[Any]) -> Select[Any]:
    """The employer and the number (joins on primary keys)."""
    return (stmt.join(Employer, Employer.id == A.employer_id)
            .outerjoin(AgreementNumber, AgreementNumber.id == A.number_id))


def live() -> Any:
    """The work list: every agreement not ended (archived and revoked ones too: the school revokes and restores)."""
    return A.status.notin_(ENDED)


def ended() -> Any:
    return A.status.in_(ENDED)


# -- filters beyond the workspace's common ones ------------------------------------------------------------------

def waiting_for(roles: frozenset[str]) -> tuple[str, ...]:
    """The states that wait for these roles: the college's review; the school's review, entry approval and the
    confirmation that archives a stamped agreement."""
    out: list[str] = []
    if roles & {COLLEGE, ADMIN}:
        out.append(SECONDARY)
    if roles & {SCHOOL, ADMIN}:
        out += [CENTRAL, STAMP_SCHOOL]
    return tuple(out)


def _parse_mine(raw: str) -> Optional[tuple[str, ...]]:
    if raw != "1" or not has_request_context():
        return None
    return waiting_for(role_names(getattr(g, "user", None))) or None


def _parse_kind(raw: str) -> Optional[str]:
    return raw if raw in AGREEMENT_KINDS else None


def _parse_employer(raw: str) -> Optional[str]:
    text = (raw or "").strip()[:60]
    return text or None


def _employer_clause(text: str) -> Any:
    """Part of the employer's name, or the start of its credit code (codes are stored upper-case)."""
    return or_(Employer.name.contains(text, autoescape=True),
               Employer.credit_code.startswith(text.upper(), autoescape=True))


def _yes() -> list[tuple[str, Any]]:
    return [("1", _l("Yes"))]


FILTERS = (
    Filter("mine", _l("Awaiting my action (review or archive)"), _parse_mine, lambda states: A.status.in_(states),
           _yes, doc="1: the agreements awaiting this reviewer (college review; school review, entry approval or "
                     "the school's confirmation)", enum=("1",)),
    Filter("kind", _l("Kind of agreement"), _parse_kind, lambda kind: A.kind == kind,
           lambda: [(k, str(v)) for k, v in AGREEMENT_KINDS.items()], doc="online, offline or outside",
           enum=tuple(AGREEMENT_KINDS)),
    Filter("employer", _l("Employer name or credit code"), _parse_employer, _employer_clause, lambda: None,
           doc="Part of the employer's name, or the start of its unified social credit code"),
)

COMMON = dict(workflow=AGREEMENT, model=A, columns=COLUMNS_AGREEMENT, owner_key=A.graduate_id, joins=_joins,
              filters=FILTERS, audit_type="agreement", default_sort="student_no")

AGREEMENT_REVIEW = register(Workspace(
    name="agreement", prefix="Agreement", title=_l("Tripartite agreement review"), live=live,
    export_title=_l("Tripartite agreements"), export_filename=_l("Tripartite agreements.xlsx"),
    print_label=_l("Print the list"), actions=("approve_entry", "archive", "revoke", "restore"), **COMMON))

AGREEMENT_HISTORY = register(Workspace(
    name="agreement_history", prefix="AgreementHistory", title=_l("Ended tripartite agreements"), live=ended,
    export_title=_l("Ended tripartite agreements"), export_filename=_l("Ended tripartite agreements.xlsx"),
    print_label=_l("Print the list"), **COMMON))


# -- PLAN-1: the lock waits for these ----------------------------------------------------------------------------
AWAITING_ARCHIVE = (SECONDARY, CENTRAL, STAMP_EMPLOYER, STAMP_GRADUATE, STAMP_SCHOOL)


def awaiting_archive(cohort: Any) -> int:
    """The cohort's agreements in states that still lead to the archive (in review, stamping, awaiting the school's
    confirmation; entered ones awaiting the school's review are `central` too)."""
    return db.session.execute(select(func.count()).select_from(A).join(Graduate, Graduate.id == A.graduate_id)
                              .where(Graduate.cohort_id == cohort.id, A.status.in_(AWAITING_ARCHIVE))).scalar_one()


def register_plan_count() -> None:
    from app.services.plan import register_awaiting_archive

    register_awaiting_archive(awaiting_archive)


register_plan_count()

__all__ = ["AGREEMENT_HISTORY", "AGREEMENT_REVIEW", "ARCHIVED", "AWAITING_ARCHIVE", "IDENTITY", "REVOKED",
           "awaiting_archive", "waiting_for"]
