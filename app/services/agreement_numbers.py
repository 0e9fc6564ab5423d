"""AGR-1: the agreement number pool. A graduate holds at most one assigned number (a partial unique index); a new
one voids the old (kept, with its reason, as history) and takes the lowest unused number of the graduate's cohort
(and education level, where the pool is split by level). The school's screens (list, assignment, voiding) and the
graduate's requests call this module; generation and import are app.services.agreement_number_batches."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, true, update

from app.extensions import db
from app.models.agreement import (
    ASSIGNED,
    LIVE_STATES,
    NUMBER_STATES,
    UNUSED,
    VOIDED,
    Agreement,
    AgreementNumber,
    NumberRequest,
)
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.services import audit
from app.services.notify import Message, notify
from app.timeutil import utcnow
from app.workflows.base import FireContext

CHUNK = 2000  # ids per statement, far under every database's bound-parameter limit
LINK = "/student/numbers/"


class NumbersRefused(ValueError):
    """Nothing was changed; `messages` say why, in the user's language."""

    def __init__(self, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


def _chunks(items: list[Any], size: int = CHUNK) -> Any:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def current_numbers(graduate_ids: list[int]) -> dict[int, AgreementNumber]:
    """graduate id -> their assigned number."""
    out: dict[int, AgreementNumber] = {}
    for chunk in _chunks(list(graduate_ids)):
        rows = db.session.execute(select(AgreementNumber).where(AgreementNumber.graduate_id.in_(chunk),
                                                                AgreementNumber.state == ASSIGNED)).scalars()
        out.update((row.graduate_id, row) for row in rows)
    return out


def _pool(cohort_id: int, education_level: Optional[str], what: Any = AgreementNumber) -> Any:
    """The unused numbers a graduate of that cohort and level may take: their level's, or the cohort's unsplit ones."""
    return select(what).where(
        AgreementNumber.state == UNUSED, AgreementNumber.cohort_id == cohort_id,
        or_(AgreementNumber.education_level == education_level, AgreementNumber.education_level.is_(None)))


def reissue_problem(graduate: Graduate) -> Optional[str]:
    """Why no new number can be issued to the graduate now (the pool of their cohort is empty), or None."""
    free = db.session.execute(_pool(graduate.cohort_id, graduate.education_level, AgreementNumber.id).limit(1)).scalar()
    if free is None:
        return _("No unused agreement number of cohort %(cohort)s is left in the pool: generate or import numbers "
                 "first.", cohort=graduate.cohort.name if graduate.cohort else graduate.cohort_id)
    return None


def void_current(graduate_ids: list[int], reason: str) -> dict[int, int]:
    """Void the graduates' assigned numbers with `reason`; graduate id -> the voided number's id."""
    voided: dict[int, int] = {}
    for chunk in _chunks(list(graduate_ids)):
        voided.update(db.session.execute(update(AgreementNumber).where(
            AgreementNumber.graduate_id.in_(chunk), AgreementNumber.state == ASSIGNED)
            .values(state=VOIDED, voided_at=utcnow(), void_reason=reason[:200])
            .returning(AgreementNumber.graduate_id, AgreementNumber.id)
            .execution_options(synchronize_session=False)).all())
    _expire(voided.values())
    return voided


def assign_next(graduate_ids: list[int]) -> dict[int, Optional[int]]:
    """Give each graduate without a number the lowest unused number of their pool; graduate id -> number id (None
    where the pool is empty). Pool rows are locked (SKIP LOCKED on PostgreSQL), so two issuers never take one; the
    writes are one executemany UPDATE by primary key per pool."""
    have = set(current_numbers(graduate_ids))
    wanting: list[Any] = []
    for chunk in _chunks([g for g in dict.fromkeys(graduate_ids) if g not in have]):
        wanting += db.session.execute(select(Graduate.id, Graduate.cohort_id, Graduate.education_level)
                                      .where(Graduate.id.in_(chunk))).all()
    groups: dict[tuple[int, Optional[str]], list[int]] = defaultdict(list)
    for row in sorted(wanting, key=lambda r: r.id):
        groups[(row.cohort_id, row.education_level)].append(row.id)
    given: dict[int, Optional[int]] = {}
    now = utcnow()
    for (cohort_id, level), graduates in groups.items():
        free = db.session.execute(_pool(cohort_id, level, AgreementNumber.id).order_by(AgreementNumber.number)
                                  .limit(len(graduates)).with_for_update(skip_locked=True)).scalars().all()
        pairs = list(zip(graduates, free))
        if pairs:
            db.session.execute(update(AgreementNumber), [
                {"id": number_id, "state": ASSIGNED, "graduate_id": graduate_id, "assigned_at": now}
                for graduate_id, number_id in pairs])
        given.update(pairs)
        given.update(dict.fromkeys(graduates[len(free):]))
        _expire(free)
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


# -- the school's list: filters, counts per state, one query per page -------------------------------------------
NO_LEVEL = "none"  # the level filter's value for numbers of the whole cohort (no education level)


@dataclass
class PoolFilter:
    """What the school asked the list for; every field optional, already checked by the view."""

    cohort_id: Optional[int] = None
    level: Optional[str] = None  # a code of EDUCATION_LEVELS, or NO_LEVEL
    state: Optional[str] = None  # unused / assigned / voided
    keyword: str = ""  # a number prefix, or a graduate's student number or name
    batch: Optional[str] = None  # one generation or import run


@dataclass
class PoolPage:
    rows: list[Any]
    counts: dict[str, int]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)


def _pool_where(f: PoolFilter) -> list[Any]:
    where: list[Any] = []
    if f.cohort_id:
        where.append(AgreementNumber.cohort_id == f.cohort_id)
    if f.level == NO_LEVEL:
        where.append(AgreementNumber.education_level.is_(None))
    elif f.level:
        where.append(AgreementNumber.education_level == f.level)
    if f.batch:
        where.append(AgreementNumber.batch == f.batch)
    keyword = f.keyword.strip()
    if keyword:
        where.append(or_(AgreementNumber.number.startswith(keyword, autoescape=True), Graduate.student_no == keyword,
                         Graduate.name == keyword))
    return where


def pool_page(f: PoolFilter, page: int = 1, page_size: int = 50) -> PoolPage:
    """The counts per state of the filtered pool (one grouped query) and one page of it (one indexed query)."""
    where = _pool_where(f)
    counted = select(AgreementNumber.state, func.count()).select_from(AgreementNumber)
    if f.keyword.strip():
        counted = counted.outerjoin(Graduate, Graduate.id == AgreementNumber.graduate_id)
    counts = dict.fromkeys(NUMBER_STATES, 0)
    counts.update(db.session.execute(counted.where(*where).group_by(AgreementNumber.state)).tuples().all())
    total = counts.get(f.state, 0) if f.state else sum(counts.values())
    page = max(min(page, max((total + page_size - 1) // page_size, 1)), 1)
    if f.state:
        where.append(AgreementNumber.state == f.state)
    stmt = (select(AgreementNumber.id, AgreementNumber.number, AgreementNumber.education_level,
                   AgreementNumber.state, AgreementNumber.source, AgreementNumber.batch, AgreementNumber.assigned_at,
                   AgreementNumber.voided_at, AgreementNumber.void_reason, AgreementNumber.created_at,
                   Cohort.name.label("cohort"), Graduate.id.label("graduate_id"), Graduate.student_no, Graduate.name)
            .select_from(AgreementNumber)
            .outerjoin(Graduate, Graduate.id == AgreementNumber.graduate_id)
            .outerjoin(Cohort, Cohort.id == AgreementNumber.cohort_id)
            .where(*where).order_by(AgreementNumber.number).limit(page_size).offset((page - 1) * page_size))
    return PoolPage(list(db.session.execute(stmt).all()), counts, total, page, page_size)


# -- assigning --------------------------------------------------------------------------------------------------
def _tell_assigned(given: dict[int, Optional[int]]) -> None:
    """Each graduate who got a number hears of it in the inbox (one INSERT for a whole cohort)."""
    pairs = {g: n for g, n in given.items() if n is not None}
    if not pairs:
        return
    numbers = {}
    for chunk in _chunks(list(pairs.values())):
        numbers.update(db.session.execute(select(AgreementNumber.id, AgreementNumber.number)
                                          .where(AgreementNumber.id.in_(chunk))).tuples().all())
    messages = []
    for chunk in _chunks(list(pairs)):
        for graduate_id, user_id in db.session.execute(select(Graduate.id, Graduate.user_id).where(
                Graduate.id.in_(chunk), Graduate.user_id.isnot(None))):
            messages.append(Message(user_id, "agreement_number.assigned", {"number": numbers[pairs[graduate_id]]},
                                    LINK))
    notify(messages)


def assign_cohort(cohort_id: int, level: Optional[str] = None) -> tuple[int, int]:
    """Every reported graduate of the cohort (of one level, if given) without a number gets the next one of their
    pool; returns (how many got one, how many wait because their pool ran out). Audited; the caller commits."""
    have = exists().where(AgreementNumber.graduate_id == Graduate.id, AgreementNumber.state == ASSIGNED)
    stmt = select(Graduate.id).where(Graduate.cohort_id == cohort_id, Graduate.included == true(), ~have)
    if level:
        stmt = stmt.where(Graduate.education_level == level)
    ids = list(db.session.execute(stmt.order_by(Graduate.id)).scalars())
    given: dict[int, Optional[int]] = {}
    for chunk in _chunks(ids):
        given.update(assign_next(chunk))
    done = sum(1 for n in given.values() if n is not None)
    audit.record("agreement_number.assigned_cohort", "cohort", cohort_id, level=level, assigned=done,
                 waiting=len(given) - done)
    _tell_assigned(given)
    return done, len(given) - done


def assign_one(graduate: Graduate) -> AgreementNumber:
    """The next number of the graduate's pool for one graduate who has none; refused with the reason otherwise."""
    if current_numbers([graduate.id]):
        raise NumbersRefused(_("%(name)s already holds an agreement number: void it first to issue another.",
                               name=graduate.name))
    problem = reissue_problem(graduate)
    if problem:
        raise NumbersRefused(problem)
    given = assign_next([graduate.id])
    if given.get(graduate.id) is None:  # taken by a concurrent issuer in the meantime
        raise NumbersRefused(reissue_problem(graduate) or _("No unused number could be taken; try again."))
    number = db.session.get(AgreementNumber, given[graduate.id])
    audit.record("agreement_number.assigned", "agreement_number", number.id, number=number.number,
                 graduate=graduate.student_no)
    _tell_assigned(given)
    return number


# -- voiding ----------------------------------------------------------------------------------------------------
def live_agreement_of_number(number_id: int) -> Optional[Agreement]:
    """The agreement in progress (LIVE_STATES) that uses this number, if any."""
    return db.session.execute(select(Agreement).where(Agreement.number_id == number_id,
                                                      Agreement.status.in_(LIVE_STATES)).limit(1)).scalar()


def void_problem(number: AgreementNumber) -> Optional[str]:
    """Why the school may not void this number now, or None: voided already, or an agreement in progress uses it."""
    if number.state == VOIDED:
        return _("Number %(number)s is already voided.", number=number.number)
    if number.state == ASSIGNED and live_agreement_of_number(number.id) is not None:
        return _("Number %(number)s is used by an agreement in progress: it can be voided only when that agreement "
                 "ends (termination, decline or withdrawal).", number=number.number)
    return None


def void_number(number: AgreementNumber, reason: str, reissue: bool = False) -> Optional[AgreementNumber]:
    """Void an unused or assigned number with the school's reason (audited); with `reissue`, its graduate takes the
    next number of the pool. Returns the new number, if one was issued. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise NumbersRefused(_("Give the reason for voiding the number."))
    if len(reason) > 200:
        raise NumbersRefused(_("The reason may have at most %(n)d characters.", n=200))
    problem = void_problem(number)
    if problem:
        raise NumbersRefused(problem)
    state, graduate_id = number.state, number.graduate_id
    changed = db.session.execute(update(AgreementNumber).where(
        AgreementNumber.id == number.id, AgreementNumber.state == state)
        .values(state=VOIDED, voided_at=utcnow(), void_reason=reason).returning(AgreementNumber.id)
        .execution_options(synchronize_session=False)).scalar()
    if changed is None:
        raise NumbersRefused(_("Someone else changed this number at the same time; reload and try again."))
    _expire([number.id])
    audit.record("agreement_number.voided", "agreement_number", number.id, number=number.number, was=state,
                 reason=reason, graduate_id=graduate_id)
    if not (reissue and graduate_id):
        return None
    given = assign_next([graduate_id])
    _tell_assigned(given)
    return db.session.get(AgreementNumber, given[graduate_id]) if given.get(graduate_id) else None


# -- number requests --------------------------------------------------------------------------------------------
def open_request(graduate_id: int) -> Optional[NumberRequest]:
    from app.workflows.number_request import SUBMITTED

    return db.session.execute(select(NumberRequest).where(NumberRequest.graduate_id == graduate_id,
                                                          NumberRequest.status == SUBMITTED)).scalar()


def request_problem(graduate: Graduate) -> Optional[str]:
    """Why the graduate may not ask for a new number now, or None (AGR-1; seed 001 for the source information)."""
    from app.services.signing import signing_problem
    from app.workflows.source_info import COMPLETE

    if graduate.status != COMPLETE:
        return signing_problem(graduate)  # its first check: 未实名认证前，不可进行协议申请
    if not current_numbers([graduate.id]):
        return _("You hold no agreement number yet: the school assigns one to every graduate, no request is "
                 "needed.")
    if open_request(graduate.id) is not None:
        return _("You already have a request awaiting the school's review: wait for its decision, or withdraw it "
                 "first.")
    return None


def create_request(graduate: Graduate, reason_id: Optional[int], explanation: str, actor: Any) -> NumberRequest:
    """A graduate's request for a new number, waiting for the school (the workflow's initial state); the database's
    one-open-request index refuses a second one even when two arrive at once. The caller commits."""
    from sqlalchemy.exc import IntegrityError

    from app.models.reference import NumberRequestReason

    problem = request_problem(graduate)
    if problem:
        raise NumbersRefused(problem)
    reason = db.session.get(NumberRequestReason, reason_id) if reason_id else None
    if reason is None or not reason.active:
        raise NumbersRefused(_("Choose the reason for the request from the list."))
    explanation = (explanation or "").strip()
    if not explanation:
        raise NumbersRefused(_("Explain what happened to your agreement (for example where it was lost)."))
    if len(explanation) > 500:
        raise NumbersRefused(_("The explanation may have at most %(n)d characters.", n=500))
    now = utcnow()
    row = NumberRequest(graduate_id=graduate.id, reason_id=reason.id, explanation=explanation,
                        old_number_id=current_numbers([graduate.id])[graduate.id].id, submitted_at=now,
                        created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise NumbersRefused(_("You already have a request awaiting the school's review: wait for its decision, "
                               "or withdraw it first.")) from None
    audit.record("number_request.created", "number_request", row.id, graduate=graduate.student_no,
                 reason=reason.name, by=getattr(actor, "username", None))
    return row


def requests_of(graduate_id: int) -> list[NumberRequest]:
    return list(db.session.execute(select(NumberRequest).where(NumberRequest.graduate_id == graduate_id)
                                   .order_by(NumberRequest.id.desc())).scalars())


def tell_decision(trigger: str, ids: list[int], ctx: FireContext) -> None:
    """MSG-3: the student hears of the school's decision on their request (with the new number, if issued)."""
    if trigger not in ("approve_school", "reject"):
        return
    new = AgreementNumber
    rows = db.session.execute(select(Graduate.user_id, new.number).select_from(NumberRequest)
                              .join(Graduate, Graduate.id == NumberRequest.graduate_id)
                              .outerjoin(new, new.id == NumberRequest.new_number_id)
                              .where(NumberRequest.id.in_(ids), Graduate.user_id.isnot(None))).all()
    kind = {"approve_school": "number_request.approved", "reject": "number_request.rejected"}[trigger]
    notify([Message(user_id, kind if number or trigger == "reject" else "number_request.approved_waiting",
                    {"number": number or "", "remark": ctx.remark}, LINK) for user_id, number in rows])


# generation and import live beside the pool (app.services.agreement_number_batches); their names stay here too
from app.services.agreement_number_batches import (  # noqa: E402
    IMPORT_COLUMNS,
    MAX_BATCH,
    PATTERN,
    BatchPlan,
    generate,
    import_numbers,
    import_template,
    plan_batch,
    read_import,
    school_code,
)

__all__ = ["IMPORT_COLUMNS", "MAX_BATCH", "PATTERN", "school_code", "BatchPlan", "NumbersRefused", "PoolFilter", "assign_cohort", "generate",
           "import_numbers", "import_template", "plan_batch", "read_import", "assign_next", "assign_one",
           "create_request", "current_numbers", "history", "live_agreement_of_number", "open_request", "pool_page",
           "reissue_for_requests", "reissue_problem", "request_problem", "requests_of", "tell_decision",
           "void_and_reissue", "void_current", "void_number", "void_problem"]
