"""AGR-1: the agreement number pool. A graduate holds at most one assigned number (a partial unique index); a new
one voids the old (kept, with its reason, as history) and takes the lowest unused number of the graduate's cohort
(and education level, where the pool is split by level). The school's screens (list, generation from a pattern,
Excel import, assignment, voiding) and the graduate's requests all call this module."""
from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from string import Formatter
from typing import Any, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, insert, or_, select, true, update

from app.excel import ColumnSpec
from app.extensions import db
from app.models.agreement import (
    ASSIGNED,
    GENERATED,
    IMPORTED,
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


# -- generation from a pattern and import from Excel -------------------------------------------------------------
PATTERN = "{year}{school}{level}{serial:05d}"
PLACEHOLDERS = ("year", "school", "level", "serial")
MAX_BATCH = 20_000  # numbers per generation or import (the pool of a large school's cohort)
LISTED_ERRORS = 30
_SAFE = re.compile(r"^[0-9A-Za-z_-]*$")
_SERIAL = re.compile(r"^(?:0(\d{1,2}))?d?$")
_NUMBER = re.compile(r"^[0-9A-Za-z_-]{1,40}$")


@dataclass
class BatchPlan:
    """What a generation will create: `count` numbers prefix + serial + suffix, the serial continuing after the
    highest existing number of the same prefix and shape."""

    cohort_id: int
    level: Optional[str]
    pattern: str
    prefix: str
    suffix: str
    spec: str
    start: int
    count: int
    existing: int  # numbers of this prefix and shape already in GEMS

    def number(self, serial: int) -> str:
        return f"{self.prefix}{format(serial, self.spec)}{self.suffix}"

    @property
    def first(self) -> str:
        return self.number(self.start)

    @property
    def last(self) -> str:
        return self.number(self.start + self.count - 1)

    def numbers(self) -> list[str]:
        return [self.number(n) for n in range(self.start, self.start + self.count)]


def school_code() -> str:
    return str(current_app.config.get("GEMS_SCHOOL_CODE") or "").strip()


def _split(pattern: str, values: dict[str, Optional[str]]) -> tuple[str, str, str]:
    """(prefix, suffix, serial format) of a pattern with its placeholders filled; refused with the reason."""
    try:
        parts = list(Formatter().parse(pattern))
    except ValueError:
        raise NumbersRefused(_("The pattern is not well formed: every { needs its closing }.")) from None
    before: list[str] = []
    after: list[str] = []
    spec: Optional[str] = None
    for literal, name, fmt, conversion in parts:
        target = after if spec is not None else before
        if literal:
            if not _SAFE.match(literal):
                raise NumbersRefused(_("Besides placeholders, a pattern may hold only digits, Latin letters, - and _ "
                                       "(found “%(text)s”).", text=literal))
            target.append(literal)
        if name is None:
            continue
        if conversion or name not in PLACEHOLDERS:
            raise NumbersRefused(_("Unknown placeholder {%(name)s}: use {year}, {school}, {level} and {serial}.",
                                   name=name))
        if name == "serial":
            match = _SERIAL.match(fmt or "")
            if spec is not None or match is None:
                raise NumbersRefused(_("The pattern needs exactly one serial, written {serial} or {serial:05d} (05: "
                                       "five digits with leading zeros, at most 12)."))
            width = int(match.group(1) or 0)
            if width > 12:
                raise NumbersRefused(_("The serial may have at most 12 digits."))
            spec = f"0{width}d" if width else "d"
            continue
        if fmt:
            raise NumbersRefused(_("The placeholder {%(name)s} takes no format.", name=name))
        value = values.get(name) or ""
        if not value:
            raise NumbersRefused({
                "level": _("The pattern uses {level}: choose the education level of the batch."),
                "school": _("The pattern uses {school}, but the school code is not configured (GEMS_SCHOOL_CODE)."),
            }.get(name, _("The pattern uses {%(name)s}, which has no value.", name=name)))
        if not _SAFE.match(value):
            raise NumbersRefused(_("The value of {%(name)s} may hold only digits and Latin letters.", name=name))
        target.append(value)
    if spec is None:
        raise NumbersRefused(_("The pattern needs a serial: add {serial:05d} (or {serial})."))
    return "".join(before), "".join(after), spec


def _existing(numbers: list[str]) -> list[str]:
    """Those of `numbers` that exist already (any cohort, any state)."""
    found: list[str] = []
    for chunk in _chunks(numbers):
        found += db.session.execute(select(AgreementNumber.number).where(AgreementNumber.number.in_(chunk))).scalars()
    return found


def plan_batch(cohort: Optional[Cohort], level: Optional[str], count: Optional[int], pattern: str) -> BatchPlan:
    """The numbers a generation would create (for the preview and, read again, for the creation itself)."""
    from app.validation.codes import EDUCATION_LEVELS

    problems = []
    if cohort is None:
        problems.append(_("Choose the cohort the numbers are for."))
    if level and level not in dict(EDUCATION_LEVELS):
        problems.append(_("Choose an education level from the list, or none for the whole cohort."))
    if count is None or not 1 <= count <= MAX_BATCH:
        problems.append(_("The number of agreement numbers must be between 1 and %(max)d.", max=MAX_BATCH))
    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > 100:
        problems.append(_("Write the pattern (at most 100 characters), e.g. %(example)s.", example=PATTERN))
    if problems:
        raise NumbersRefused(problems)
    assert cohort is not None and count is not None
    prefix, suffix, spec = _split(pattern, {"year": str(cohort.year), "school": school_code(), "level": level})
    shape = re.compile(re.escape(prefix) + r"(\d+)" + re.escape(suffix))
    highest, existing = 0, 0
    for number in db.session.execute(select(AgreementNumber.number).where(
            AgreementNumber.number.startswith(prefix, autoescape=True))).scalars():
        match = shape.fullmatch(number)
        if match:
            existing += 1
            highest = max(highest, int(match.group(1)))
    plan = BatchPlan(cohort.id, level or None, pattern, prefix, suffix, spec, highest + 1, count, existing)
    if len(plan.last) > 40:
        raise NumbersRefused(_("The numbers would be longer than 40 characters (%(number)s): shorten the pattern.",
                               number=plan.last))
    clash = _existing(plan.numbers())
    if clash:
        raise NumbersRefused(_("The batch would repeat numbers that exist already (%(numbers)s): change the pattern.",
                               numbers="、".join(clash[:5])))
    return plan


def _batch_id(kind: str) -> str:
    return f"{kind}{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"


def _insert(rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(AgreementNumber), chunk)


def generate(plan: BatchPlan) -> str:
    """Create the planned numbers as unused (one INSERT per 2 000); audited; returns the batch's id. The unique
    number column refuses a batch that a concurrent one overlapped (IntegrityError: nothing is created)."""
    batch, now = _batch_id("G"), utcnow()
    _insert([{"number": number, "cohort_id": plan.cohort_id, "education_level": plan.level, "state": UNUSED,
              "source": GENERATED, "batch": batch, "created_at": now} for number in plan.numbers()])
    audit.record("agreement_number.generated", "agreement_number_batch", batch, cohort_id=plan.cohort_id,
                 level=plan.level, count=plan.count, first=plan.first, last=plan.last, pattern=plan.pattern)
    return batch


IMPORT_COLUMNS = (
    ColumnSpec("number", "协议书编号", aliases=("编号", "协议编号", "协议书号", "就业协议书编号"), required=True,
               kind="id_text", allow_small_int=True, max_length=40, help="数字、字母、- 或 _，最多 40 位，不能重复"),
    ColumnSpec("cohort", "届别", aliases=("届次", "毕业届别", "毕业年份", "届"), required=True, kind="id_text",
               allow_small_int=True, max_length=50, help="如 2026届 或 2026"),
    ColumnSpec("level", "学历", aliases=("学历层次", "学历代码"), max_length=20,
               help="选填：博士研究生、硕士研究生、本科、专科（高职）或其代码；不填则全届通用"),
)


def import_template() -> bytes:
    """The import workbook with Chinese headers and a filling guide (app.excel)."""
    from app.excel import template_workbook

    return template_workbook(IMPORT_COLUMNS, {"number": "2026100003100001", "cohort": "2026届", "level": "本科"},
                             notes=("5. 协议书编号在全校范围内不能重复；已在系统中的编号会被拒绝。",))


def _cohort_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for cohort_id, year, name in db.session.execute(select(Cohort.id, Cohort.year, Cohort.name)).all():
        out.update({name: cohort_id, str(year): cohort_id, f"{year}届": cohort_id})
    return out


def read_import(source: Any, filename: str) -> list[dict[str, Any]]:
    """The file's numbers, each checked (shape, cohort, level, repeats in the file and in GEMS); any problem refuses
    the whole file with every row's reason (NumbersRefused), so nothing is written from a file with a bad row."""
    from app.excel import read_report
    from app.validation.codes import check_education_level

    if not (filename or "").lower().endswith(".xlsx"):
        raise NumbersRefused(_("Upload the numbers as an .xlsx workbook (download the template below)."))
    report = read_report(source, columns=IMPORT_COLUMNS, max_rows=MAX_BATCH, unique_keys=[("number",)])
    if report.file_errors:
        raise NumbersRefused(report.file_errors)
    cohorts = _cohort_lookup()
    errors = [(e.row, _("Row %(row)d, %(column)s: %(message)s", row=e.row, column=e.column_header, message=e.message))
              for e in report.errors]
    rows: list[dict[str, Any]] = []
    for row in report.rows:
        if row.errors:
            continue
        number, cohort_text, level_text = (row.values.get(k) for k in ("number", "cohort", "level"))
        problems = []
        if not _NUMBER.match(number or ""):
            problems.append(_("the number %(number)s may hold only digits, Latin letters, - and _ (at most 40).",
                              number=number))
        cohort_id = cohorts.get((cohort_text or "").strip())
        if cohort_id is None:
            problems.append(_("the cohort %(cohort)s is not a cohort of GEMS.", cohort=cohort_text))
        level = None
        if level_text:
            checked = check_education_level(level_text)
            level = checked.value if checked.ok else None
            if not checked.ok:
                problems.append(checked.message or "")
        errors += [(row.row_number, _("Row %(row)d: %(message)s", row=row.row_number, message=p)) for p in problems]
        if not problems:
            rows.append({"number": number, "cohort_id": cohort_id, "level": level, "row": row.row_number})
    known = set(_existing([r["number"] for r in rows]))
    errors += [(r["row"], _("Row %(row)d: the number %(number)s exists already in GEMS.", row=r["row"],
                            number=r["number"])) for r in rows if r["number"] in known]
    if errors:
        listed = [text for _row, text in sorted(errors, key=lambda e: e[0])]
        shown = listed[:LISTED_ERRORS]
        if len(listed) > LISTED_ERRORS:
            shown.append(_("… and %(n)d more problems.", n=len(listed) - LISTED_ERRORS))
        raise NumbersRefused(shown)
    return rows


def import_numbers(rows: list[dict[str, Any]], filename: str) -> str:
    """Store checked rows (read_import) as unused imported numbers; audited; returns the batch's id."""
    batch, now = _batch_id("I"), utcnow()
    _insert([{"number": r["number"], "cohort_id": r["cohort_id"], "education_level": r["level"], "state": UNUSED,
              "source": IMPORTED, "batch": batch, "created_at": now} for r in rows])
    audit.record("agreement_number.imported", "agreement_number_batch", batch, filename=filename, count=len(rows),
                 first=rows[0]["number"] if rows else None, last=rows[-1]["number"] if rows else None)
    return batch


__all__ = ["IMPORT_COLUMNS", "PATTERN", "BatchPlan", "NumbersRefused", "PoolFilter", "assign_cohort", "generate",
           "import_numbers", "import_template", "plan_batch", "read_import", "assign_next", "assign_one",
           "create_request", "current_numbers", "history", "live_agreement_of_number", "open_request", "pool_page",
           "reissue_for_requests", "reissue_problem", "request_problem", "requests_of", "tell_decision",
           "void_and_reissue", "void_current", "void_number", "void_problem"]
