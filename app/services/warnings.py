"""PLAN-5: warnings supervisors look for — a college with a far higher share of 自由职业/自主创业/其他录用形式 than the
school, an employer with many graduates and no verified credit code, approvals without the evidence a code needs.
Thresholds are settings (GEMS_WARN_*); which codes are "flexible" comes from the code table's 2021 groups."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from app.extensions import db
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.reference import DestinationCode
from app.scope import scope_clause
from app.services.reference import destinations
from app.services.statistics import table
from app.services.statistics_data import WHOLE_SCHOOL
from app.validation import check_credit_code
from app.workflows.destination import COMPLETE

FLEXIBLE_2021 = ("flexible", "venture")  # 2021 groups: 灵活就业 (12, 76) and 创业 (75)
DEFAULTS = {"GEMS_WARN_FLEX_RATIO": 1.5, "GEMS_WARN_FLEX_POINTS": 0.10, "GEMS_WARN_MIN_GRADUATES": 20,
            "GEMS_WARN_EMPLOYER_GRADUATES": 10}


def setting(key: str) -> float:
    return float(current_app.config.get(key, DEFAULTS[key]))


@dataclass(frozen=True)
class FlexibleShare:
    college_id: int
    college: str
    graduates: int
    flexible: int
    share: float
    school_share: float


@dataclass(frozen=True)
class UnverifiedEmployer:
    employer_id: int
    name: str
    credit_code: Optional[str]
    graduates: int
    problem: str  # "missing", "invalid" or "unapproved"


@dataclass(frozen=True)
class MissingEvidence:
    destination_id: int
    student_no: str
    name: str
    code: str
    kind: str  # app.models.reference.EVIDENCE_KINDS key


def _flexible(line: Any) -> int:
    return sum(line.by_group.get(g, 0) for g in FLEXIBLE_2021)


def flexible_shares(cohort_id: int, actor: Any, mine: Any = None, whole: Any = None) -> list[FlexibleShare]:
    """Colleges (in the actor's scope) whose flexible share is at least RATIO × the school's and POINTS above it;
    `mine` and `whole` are the by-college tables for the actor and the school when the caller has them."""
    whole = whole or table([cohort_id], "college", "2021", WHOLE_SCHOOL)
    school = whole.in_caliber("2021").total
    if not school.graduates:
        return []
    school_share = _flexible(school) / school.graduates
    ratio, points = setting("GEMS_WARN_FLEX_RATIO"), setting("GEMS_WARN_FLEX_POINTS")
    found = []
    for line in (mine or table([cohort_id], "college", "2021", actor)).in_caliber("2021").lines:
        if line.graduates < setting("GEMS_WARN_MIN_GRADUATES"):
            continue
        share = _flexible(line) / line.graduates
        if share >= school_share * ratio and share - school_share >= points:
            found.append(FlexibleShare(line.key, line.label, line.graduates, _flexible(line), share, school_share))
    return found


def unverified_employers(cohort_id: int, actor: Any) -> list[UnverifiedEmployer]:
    """Employers of at least N approved current destinations whose credit code is missing, fails the GB 32100 check
    or was never approved by the school."""
    limit = int(setting("GEMS_WARN_EMPLOYER_GRADUATES"))
    stmt = (select(Employer.id, Employer.name, Employer.credit_code, Employer.status,
                   func.count(func.distinct(Destination.graduate_id)))
            .join(Destination, Destination.employer_id == Employer.id)
            .join(Graduate, Graduate.id == Destination.graduate_id)
            .where(Destination.is_current, Destination.status == COMPLETE, Graduate.cohort_id == cohort_id,
                   scope_clause(Graduate, actor))
            .group_by(Employer.id, Employer.name, Employer.credit_code, Employer.status)
            .having(func.count(func.distinct(Destination.graduate_id)) >= limit)
            .order_by(func.count(func.distinct(Destination.graduate_id)).desc()))
    found = []
    for employer_id, name, credit_code, status, n in db.session.execute(stmt):
        if not credit_code:
            problem = "missing"
        elif not check_credit_code(credit_code).ok:
            problem = "invalid"
        elif status != APPROVED:
            problem = "unapproved"
        else:
            continue
        found.append(UnverifiedEmployer(employer_id, name, credit_code, n, problem))
    return found


def missing_evidence(cohort_id: int, actor: Any, limit: int = 200) -> tuple[int, list[MissingEvidence]]:
    """(how many, the first `limit`) approved current destinations lacking a proof their code needs."""
    info = destinations()
    code_ids = dict(db.session.execute(select(DestinationCode.code, DestinationCode.id)).all())
    clauses = []
    for code, meaning in info.items():
        if code not in code_ids:  # the code table changed since the meanings were read: judge only codes it has
            continue
        for kind in meaning.evidence:
            attached = exists().where(DestinationEvidence.destination_id == Destination.id,
                                      DestinationEvidence.kind == kind)
            needed = and_(Destination.code_id == code_ids[code], ~attached)
            if kind == "shop_proof":
                needed = and_(needed, Destination.online_shop.is_(True))
            clauses.append((needed, code, kind))
    if not clauses:
        return 0, []
    base = (select(Destination.id, Graduate.student_no, Graduate.name, DestinationCode.code)
            .join(Graduate, Graduate.id == Destination.graduate_id)
            .join(DestinationCode, DestinationCode.id == Destination.code_id)
            .where(Destination.is_current, Destination.status == COMPLETE, Graduate.cohort_id == cohort_id,
                   scope_clause(Graduate, actor), or_(*(c for c, _code, _kind in clauses))))
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(base.order_by(Graduate.student_no).limit(limit)).all()
    result = []
    for destination_id, student_no, name, code in rows:
        kinds = [kind for _c, c, kind in clauses if c == code]
        result.append(MissingEvidence(destination_id, student_no, name, code, kinds[0] if kinds else ""))
    return total, result
