"""PLAN-4 and PLAN-1: a graduate confirms their plan entry or reports an error to their college; the school locks a
cohort's plan (refused while agreements await archiving), only the admin unlocks it, with a reason; both audited."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.models.plan import CONFIRMED, ERROR, LOCK, NONE, UNLOCK, PlanConfirmation, PlanLockEvent
from app.models.user import User
from app.scope import scope_clause
from app.security.roles import ADMIN, CENTRAL_ROLES, COLLEGE, SCHOOL, role_names
from app.services import audit
from app.services.notify import TEMPLATES, Message, notify
from app.timeutil import utcnow
from app.validation.i18n import N_
from app.workflows.destination import COMPLETE

REMARK_MAX = 500
ERROR_KIND = "plan.error_reported"
TEMPLATES[ERROR_KIND] = N_("%(name)s (%(student_no)s) reported an error in their employment plan entry: %(remark)s")


class PlanRefused(ValueError):
    """Nothing was changed; the message says why."""


# -- the agreements issue plugs in here ----------------------------------------------------------------------------

AwaitingCount = Callable[[Cohort], int]
_AWAITING: list[AwaitingCount] = []


def register_awaiting_archive(counter: AwaitingCount) -> None:
    """Add a count of records that must be archived before the plan may lock (agreements awaiting archiving)."""
    if counter not in _AWAITING:
        _AWAITING.append(counter)


def awaiting_archive(cohort: Cohort) -> int:
    """How many records of the cohort still await archiving (0 until the agreements issue registers its count)."""
    return sum(counter(cohort) for counter in _AWAITING)


# -- PLAN-4: the graduate's confirmation ---------------------------------------------------------------------------


def plan_entry(graduate: Graduate) -> Optional[Destination]:
    """The entry a graduate confirms: their current, approved destination."""
    return db.session.execute(select(Destination).where(
        Destination.graduate_id == graduate.id, Destination.is_current, Destination.status == COMPLETE)).scalar()


def confirmation_of(graduate: Graduate) -> Optional[PlanConfirmation]:
    return db.session.execute(select(PlanConfirmation).where(PlanConfirmation.graduate_id == graduate.id)).scalar()


def state_of(graduate: Graduate) -> str:
    """CONFIRMED / ERROR for the current entry; a word given on an earlier version no longer counts (NONE)."""
    entry, word = plan_entry(graduate), confirmation_of(graduate)
    if entry is None or word is None or word.destination_id != entry.id:
        return NONE
    return word.status


def lock_message(cohort: Optional[Cohort]) -> Optional[str]:
    if cohort is not None and cohort.plan_locked:
        return _("The employment plan of %(cohort)s is locked: it can no longer be confirmed or changed. Only the "
                 "administrator can unlock it.", cohort=cohort.name)
    return None


def _college_reviewers(graduate: Graduate) -> list[int]:
    """College reviewers whose department contains the graduate's (the college and any unit above the graduate's)."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    chain, node = [], graduate.department_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    users = db.session.execute(select(User).where(User.department_id.in_(chain), User.active.is_(True))).scalars()
    return [u.id for u in users if COLLEGE in role_names(u)]


def answer(graduate: Graduate, actor: Any, status: str, remark: str = "") -> PlanConfirmation:
    """Store the graduate's confirmation or error report for the current entry; an error reaches the college.
    Commits."""
    remark = (remark or "").strip()
    refusal = lock_message(graduate.cohort)
    if refusal:
        raise PlanRefused(refusal)
    entry = plan_entry(graduate)
    if entry is None:
        raise PlanRefused(_("Your destination is not approved yet: there is no plan entry to confirm."))
    if status == ERROR and not remark:
        raise PlanRefused(_("Describe what is wrong, so your college can correct it."))
    if len(remark) > REMARK_MAX:
        raise PlanRefused(_("At most %(n)d characters.", n=REMARK_MAX))
    if status not in (CONFIRMED, ERROR):
        raise PlanRefused(_("Unknown action: %(action)s", action=status))
    word = confirmation_of(graduate)
    if word is None:
        word = PlanConfirmation(graduate_id=graduate.id, destination_id=entry.id, status=status, created_at=utcnow())
        db.session.add(word)
    else:
        word.destination_id, word.status, word.updated_at = entry.id, status, utcnow()
    word.remark = remark or None
    db.session.flush()
    audit.record(f"plan.{status}", "graduate", graduate.id, destination=entry.id, remark=remark)
    if status == ERROR:
        link = f"/review/destination/?q={graduate.student_no}&confirmation={ERROR}"
        params = {"name": graduate.name, "student_no": graduate.student_no, "remark": remark}
        notify([Message(uid, ERROR_KIND, params, link) for uid in _college_reviewers(graduate)])
    db.session.commit()
    return word


# -- PLAN-1: counts, the unconfirmed, lock and unlock ------------------------------------------------------------


def _state_column() -> Any:
    return case((PlanConfirmation.status == CONFIRMED, CONFIRMED), (PlanConfirmation.status == ERROR, ERROR),
                else_=NONE)


def _joined(cohort: Cohort, actor: Any) -> Any:
    """Included graduates of the cohort in the actor's scope, with their approved entry and its confirmation."""
    entry = and_(Destination.graduate_id == Graduate.id, Destination.is_current, Destination.status == COMPLETE)
    word = and_(PlanConfirmation.graduate_id == Graduate.id, PlanConfirmation.destination_id == Destination.id)
    return (select(Graduate).outerjoin(Destination, entry).outerjoin(PlanConfirmation, word)
            .where(Graduate.cohort_id == cohort.id, Graduate.included.is_(True), scope_clause(Graduate, actor)))


@dataclass(frozen=True)
class Counts:
    confirmed: int
    error: int
    none: int
    without_entry: int  # of `none`: graduates with no approved destination yet

    @property
    def total(self) -> int:
        return self.confirmed + self.error + self.none


def counts(cohort: Cohort, actor: Any) -> Counts:
    """Confirmed / reported an error / not confirmed, in one grouped statement."""
    state = _state_column()
    stmt = _joined(cohort, actor).with_only_columns(state, Destination.id.is_(None), func.count()).group_by(
        state, Destination.id.is_(None))
    found = {CONFIRMED: 0, ERROR: 0, NONE: 0}
    missing = 0
    for value, no_entry, n in db.session.execute(stmt):
        found[value] += n
        if no_entry:
            missing += n
    return Counts(found[CONFIRMED], found[ERROR], found[NONE], missing)


EXPORT_HEADERS = ("学号", "姓名", "学院", "专业", "毕业去向类别代码", "毕业去向", "单位名称", "确认情况", "说明",
                  "本人签字", "签字日期")


def unconfirmed_rows(cohort: Cohort, actor: Any) -> Iterator[tuple[Any, ...]]:
    """The graduates who have not confirmed (an error reported counts as not confirmed), for signatures."""
    from app.models.employer import Employer
    from app.models.plan import CONFIRMATION_STATES
    from app.models.reference import DestinationCode

    state = _state_column()
    stmt = (_joined(cohort, actor).with_only_columns(
        Graduate.student_no, Graduate.name, Department.name, Major.name, DestinationCode.code, DestinationCode.name,
        Employer.name, state, PlanConfirmation.remark)
        .join(Department, Department.id == Graduate.department_id)
        .outerjoin(Major, Major.id == Graduate.major_id)
        .outerjoin(DestinationCode, DestinationCode.id == Destination.code_id)
        .outerjoin(Employer, Employer.id == Destination.employer_id)
        .where(state != CONFIRMED).order_by(Department.name, Graduate.student_no))
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        *head, value, remark = row
        detail = remark or ("" if head[4] else _("No approved destination yet"))
        yield (*head, str(CONFIRMATION_STATES[value]), detail, "", "")


def lock(cohort: Cohort, actor: Any) -> PlanLockEvent:
    """Lock the cohort's plan; refused while agreements await archiving. Commits."""
    if not role_names(actor) & CENTRAL_ROLES:
        raise PlanRefused(_("Only the school can lock the employment plan."))
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    db.session.refresh(cohort)
    if cohort.plan_locked:
        raise PlanRefused(_("The employment plan of %(cohort)s is already locked.", cohort=cohort.name))
    waiting = awaiting_archive(cohort)
    if waiting:
        raise PlanRefused(_("%(n)d agreement(s) of %(cohort)s still await archiving: archive them before locking "
                            "the plan.", n=waiting, cohort=cohort.name))
    return _set(cohort, actor, LOCK, None)


def unlock(cohort: Cohort, actor: Any, reason: str) -> PlanLockEvent:
    """Only the administrator unlocks, and says why. Commits."""
    reason = (reason or "").strip()
    if ADMIN not in role_names(actor):
        raise PlanRefused(_("Only the administrator can unlock the employment plan."))
    if not reason:
        raise PlanRefused(_("A reason is required to unlock the employment plan."))
    if len(reason) > REMARK_MAX:
        raise PlanRefused(_("At most %(n)d characters.", n=REMARK_MAX))
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    db.session.refresh(cohort)
    if not cohort.plan_locked:
        raise PlanRefused(_("The employment plan of %(cohort)s is not locked.", cohort=cohort.name))
    return _set(cohort, actor, UNLOCK, reason)


def _set(cohort: Cohort, actor: Any, action: str, reason: Optional[str]) -> PlanLockEvent:
    cohort.plan_locked = action == LOCK
    who = getattr(actor, "display_name", None) or getattr(actor, "username", None)  # the person, not the login
    event = PlanLockEvent(cohort_id=cohort.id, action=action, reason=reason, actor_id=getattr(actor, "id", None),
                          actor_name=who, at=utcnow())
    db.session.add(event)
    db.session.flush()
    audit.record(f"plan.{action}ed", "cohort", cohort.id, cohort=cohort.name, reason=reason or "")
    db.session.commit()
    return event


def history(cohort: Cohort) -> list[PlanLockEvent]:
    return list(db.session.execute(select(PlanLockEvent).where(PlanLockEvent.cohort_id == cohort.id)
                                   .order_by(PlanLockEvent.at.desc(), PlanLockEvent.id.desc())).scalars())


__all__ = ["CONFIRMED", "ERROR", "NONE", "SCHOOL", "Counts", "PlanRefused", "answer", "awaiting_archive", "counts",
           "history", "lock", "plan_entry", "register_awaiting_archive", "state_of", "unconfirmed_rows", "unlock"]
