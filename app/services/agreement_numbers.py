"""AGR-1: the agreement number pool. A graduate holds at most one assigned number (a partial unique index); a new
one voids the old (kept, with its reason, as history) and takes the lowest unused number of the graduate's cohort
(and education level, where the pool is split by level). Generation and import of numbers build on this module."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models.agreement import ASSIGNED, UNUSED, VOIDED, AgreementNumber, NumberRequest
from app.models.graduate import Graduate
from app.timeutil import utcnow
from app.workflows.base import FireContext


def current_numbers(graduate_ids: list[int]) -> dict[int, AgreementNumber]:
    """graduate id -> their assigned number."""
    rows = db.session.execute(select(AgreementNumber).where(AgreementNumber.graduate_id.in_(graduate_ids),
                                                            AgreementNumber.state == ASSIGNED)).scalars()
    return {row.graduate_id: row for row in rows}


def _pool(cohort_id: int, education_level: Optional[str]) -> Any:
    """The unused numbers a graduate of that cohort and level may take: their level's, or the cohort's unsplit ones."""
    return select(AgreementNumber).where(
        AgreementNumber.state == UNUSED, AgreementNumber.cohort_id == cohort_id,
        or_(AgreementNumber.education_level == education_level, AgreementNumber.education_level.is_(None)))


def reissue_problem(graduate: Graduate) -> Optional[str]:
    """Why no new number can be issued to the graduate now (the pool of their cohort is empty), or None."""
    free = db.session.execute(_pool(graduate.cohort_id, graduate.education_level).limit(1)).scalar()
    if free is None:
        return _("No unused agreement number of cohort %(cohort)s is left in the pool: generate or import numbers "
                 "first.", cohort=graduate.cohort.name if graduate.cohort else graduate.cohort_id)
    return None


def void_current(graduate_ids: list[int], reason: str) -> dict[int, int]:
    """Void the graduates' assigned numbers with `reason`; graduate id -> the voided number's id."""
    voided = dict(db.session.execute(update(AgreementNumber).where(
        AgreementNumber.graduate_id.in_(graduate_ids), AgreementNumber.state == ASSIGNED)
        .values(state=VOIDED, voided_at=utcnow(), void_reason=reason)
        .returning(AgreementNumber.graduate_id, AgreementNumber.id)
        .execution_options(synchronize_session=False)).all())
    _expire(voided.values())
    return voided


def assign_next(graduate_ids: list[int]) -> dict[int, Optional[int]]:
    """Give each graduate without a number the lowest unused number of their pool; graduate id -> number id (None
    where the pool is empty). Pool rows are locked (SKIP LOCKED on PostgreSQL), so two issuers never take one."""
    have = set(current_numbers(graduate_ids))
    wanting = db.session.execute(select(Graduate.id, Graduate.cohort_id, Graduate.education_level).where(
        Graduate.id.in_([g for g in graduate_ids if g not in have])).order_by(Graduate.id)).all()
    groups: dict[tuple[int, Optional[str]], list[int]] = defaultdict(list)
    for row in wanting:
        groups[(row.cohort_id, row.education_level)].append(row.id)
    given: dict[int, Optional[int]] = {}
    now = utcnow()
    for (cohort_id, level), graduates in groups.items():
        free = db.session.execute(_pool(cohort_id, level).order_by(AgreementNumber.number).limit(len(graduates))
                                  .with_for_update(skip_locked=True)).scalars().all()
        for graduate_id, number in zip(graduates, free):
            number.state, number.graduate_id, number.assigned_at = ASSIGNED, graduate_id, now
            given[graduate_id] = number.id
        for graduate_id in graduates[len(free):]:
            given[graduate_id] = None
    db.session.flush()
    return given


def void_and_reissue(graduate_ids: list[int], reason: str) -> dict[int, Optional[int]]:
    """A new number for each graduate: the current one voided with `reason`, the next one assigned."""
    void_current(graduate_ids, reason)
    return assign_next(graduate_ids)


def reissue_for_requests(ids: list[int], ctx: FireContext) -> None:
    """Approved number requests: void each graduate's number with the request's reason and issue the next one."""
    requests = db.session.execute(select(NumberRequest).where(NumberRequest.id.in_(ids))).scalars().all()
    old = current_numbers([r.graduate_id for r in requests])
    for request in requests:
        reason = request.reason.name if request.reason else _("New number requested")
        given = void_and_reissue([request.graduate_id], reason)
        request.old_number_id = old[request.graduate_id].id if request.graduate_id in old else None
        request.new_number_id = given.get(request.graduate_id)
    db.session.flush()


def history(graduate_id: int) -> list[AgreementNumber]:
    """Every number the graduate has held, the current one first, then voided ones newest first."""
    rows = db.session.execute(select(AgreementNumber).where(AgreementNumber.graduate_id == graduate_id)).scalars()
    return sorted(rows, key=lambda n: (n.state != ASSIGNED, -(n.assigned_at or n.created_at or utcnow()).timestamp()))


def _expire(ids: Any) -> None:
    from sqlalchemy.orm.util import identity_key

    for number_id in ids:
        obj = db.session.identity_map.get(identity_key(AgreementNumber, number_id))
        if obj is not None:
            db.session.expire(obj)


__all__ = ["assign_next", "current_numbers", "history", "reissue_for_requests", "reissue_problem", "void_and_reissue",
           "void_current"]
