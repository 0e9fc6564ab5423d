"""Demo only: the demo cohort's agreement number pool, numbers for graduates whose source information is complete,
and online agreements of the demo employers (employer_a, employer_b) in every state — started through the signing
forms and moved through the real engine by the real accounts, so pages, audit rows and notices are genuine."""
from __future__ import annotations

import datetime
from typing import Any, Callable, Optional

from flask import current_app, g
from sqlalchemy import exists, func, select, update

from app.extensions import db
from app.models.agreement import UNUSED, Agreement, AgreementNumber
from app.models.destination import Destination
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.org import Cohort, Department
from app.models.reference import DestinationCode
from app.models.user import User
from app.security.roles import STUDENT
from app.validation.codes import TRAINING_WITH_UNIT
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import fire

EMPLOYER_ACCOUNTS = ("employer_a", "employer_b")
COLLEGES = {"101": "college_a", "102": "college_b"}  # the others' reviewers are college_<code> (demo_destinations)
SPARE = 50  # unused numbers left in each level's pool after the assignment
POSITIONS = ["软件开发工程师", "测试工程师", "产品助理", "财务专员", "市场专员", "数据分析师", "运维工程师", "人力资源专员"]
# (final state, employer account, who starts it) — one graduate each; the steps to get there follow from the state
PLAN = [
    ("invited", "employer_a", "employer"), ("invited", "employer_a", "employer"), ("invited", "employer_b", "employer"),
    ("requested", "employer_a", "graduate"), ("requested", "employer_b", "graduate"),
    ("secondary", "employer_a", "employer"), ("secondary", "employer_b", "graduate"),
    ("secondary", "employer_a", "employer"),
    ("central", "employer_a", "employer"), ("central", "employer_b", "employer"),
    ("returned", "employer_a", "employer"),
    ("stamp_employer", "employer_a", "employer"), ("stamp_employer", "employer_b", "graduate"),
    ("stamp_graduate", "employer_a", "employer"), ("stamp_school", "employer_b", "employer"),
    ("archived", "employer_a", "employer"), ("archived", "employer_a", "graduate"),
    ("archived", "employer_b", "employer"), ("archived", "employer_b", "employer"),
    ("revoked", "employer_a", "employer"),
    ("declined", "employer_b", "employer"), ("declined", "employer_a", "graduate"),
    ("withdrawn", "employer_a", "employer"), ("expired", "employer_b", "employer"),
    ("cancelled", "employer_a", "graduate"),
]
# the steps after the start, per final state (who: graduate, employer, college, school)
ONWARD = {"secondary": [], "central": [("approve_college", "college")],
          "returned": [("approve_college", "college"), ("reject", "school")]}
ONWARD["stamp_employer"] = ONWARD["central"] + [("approve_school", "school")]
ONWARD["stamp_graduate"] = ONWARD["stamp_employer"] + [("stamp", "employer")]
ONWARD["stamp_school"] = ONWARD["stamp_graduate"] + [("confirm_stamp", "graduate")]
ONWARD["archived"] = ONWARD["stamp_school"] + [("archive", "school")]
ONWARD["revoked"] = ONWARD["archived"] + [("revoke", "school")]
REMARKS = {"reject": "协议中的工作地点与单位注册地不一致，请核对后重新提交。", "revoke": "毕业生反映协议信息有误，暂撤消存档待核实。",
           "decline": "已决定继续深造，谢谢贵单位。", "refuse": "该岗位本年度招聘计划已满。"}


def _as(user: User, call: Callable[[], Any]) -> Any:
    """Run `call` as `user` in a request of its own (audit rows and notices name the demo account)."""
    with current_app.test_request_context():
        g.user = user
        return call()


def _employers() -> Optional[dict[str, tuple[User, Employer]]]:
    found = {}
    for username in EMPLOYER_ACCOUNTS:
        user = db.session.execute(select(User).where(User.username == username)).scalar()
        employer = db.session.get(Employer, user.employer_id) if user is not None and user.employer_id else None
        if employer is None or employer.status != APPROVED:
            return None
        found[username] = (user, employer)
    return found


def _pool(cohort: Cohort) -> int:
    """Unused numbers for every education level of the cohort, enough for its graduates; returns how many made."""
    from app.services.agreement_numbers import PATTERN, generate, plan_batch

    made = 0
    levels = db.session.execute(select(Graduate.education_level, func.count()).where(
        Graduate.cohort_id == cohort.id, Graduate.included.is_(True)).group_by(Graduate.education_level)).all()
    for level, graduates in levels:
        have = db.session.execute(select(func.count()).select_from(AgreementNumber).where(
            AgreementNumber.cohort_id == cohort.id, AgreementNumber.education_level == level)).scalar_one()
        if have >= graduates:
            continue
        generate(plan_batch(cohort, level, graduates - have + SPARE, PATTERN))
        made += graduates - have + SPARE
    db.session.commit()
    return made


def _numbered(cohort: Cohort) -> int:
    """The school assigns numbers to every graduate whose source information is complete (AGR-1)."""
    from app.services.agreement_numbers import assign_next

    ids = list(db.session.execute(select(Graduate.id).where(
        Graduate.cohort_id == cohort.id, Graduate.included.is_(True), Graduate.status == "complete")
        .order_by(Graduate.id)).scalars())
    given = sum(1 for n in assign_next(ids).values() if n is not None)
    db.session.commit()
    return given


def _college_accounts() -> dict[int, User]:
    """department id -> the reviewer account of the college it belongs to (college_a, college_b, college_<code>)."""
    from app.models.org import DepartmentKind
    from app.scope import department_subtree

    out: dict[int, User] = {}
    for college in db.session.execute(select(Department).where(Department.kind == DepartmentKind.COLLEGE)).scalars():
        username = COLLEGES.get(college.code, f"college_{college.code}")
        user = db.session.execute(select(User).where(User.username == username)).scalar()
        if user is not None:
            out.update(dict.fromkeys(department_subtree(college.id), user))
    return out


def _graduates(cohort: Cohort, colleges: dict[int, User], count: int) -> list[Graduate]:
    """Graduates with a college reviewer who may sign online and have no destination yet or are registered 70 待就业
    (the agreement moves the rate), each with an account."""
    from app.services.demo import _account
    from app.services.signing import signing_problem

    unplaced = current_app.config["GEMS_UNPLACED_CODE"]
    other = (select(Destination.id).join(DestinationCode, DestinationCode.id == Destination.code_id)
             .where(Destination.graduate_id == Graduate.id, DestinationCode.code != unplaced))
    stmt = (select(Graduate).where(
        Graduate.cohort_id == cohort.id, Graduate.included.is_(True), Graduate.status == "complete",
        Graduate.department_id.in_(list(colleges)),
        (Graduate.training_mode.is_(None)) | (Graduate.training_mode.not_in(list(TRAINING_WITH_UNIT))),
        ~other.exists(), ~exists().where(Destination.graduate_id == Graduate.id, Destination.status != "complete"),
        ~exists().where(Agreement.graduate_id == Graduate.id)).order_by(Graduate.student_no))
    chosen = [row for row in db.session.execute(stmt).scalars() if signing_problem(row) is None][:count]
    for graduate in chosen:
        if graduate.user_id is None:  # as load_demo's student accounts: the number is the name, the ID's end the key
            user = _account(graduate.student_no, graduate.name, STUDENT, graduate.department,
                            graduate.id_number[-6:], must_change=True)
            db.session.flush()
            graduate.user_id = user.id
    db.session.commit()
    return chosen


def _terms(n: int, expires: Optional[datetime.date] = None) -> dict[str, str]:
    from app.models.reference import JobCategory

    jobs = list(db.session.execute(select(JobCategory.id).where(JobCategory.active.is_(True))
                                   .order_by(JobCategory.sort_order, JobCategory.code)).scalars())
    return {"position": POSITIONS[n % len(POSITIONS)], "job_category_id": str(jobs[n % len(jobs)]) if jobs else "",
            "salary": f"{7000 + 500 * (n % 7)}元/月", "work_region_code": "430104",
            "work_address": "长沙市岳麓区麓谷大道 627 号", "start_on": f"{datetime.date.today().year}-07-15",
            "contract_years": str(3 + n % 3), "other_terms": "试用期三个月，五险一金按国家规定缴纳。",
            "expires_on": expires.isoformat() if expires else ""}


def _start(n: int, graduate: Graduate, started_by: str, user: User, employer: Employer) -> int:
    from app.services import signing_forms

    if started_by == "employer":
        posted = {"graduate_name": graduate.name, "graduate_id_number": graduate.id_number, **_terms(n)}
        return _as(user, lambda: signing_forms.invite(employer, posted, user)).id
    student = db.session.get(User, graduate.user_id)
    posted = {"credit_code": employer.credit_code, **_terms(n)}
    return _as(student, lambda: signing_forms.request(db.session.get(Graduate, graduate.id), posted, student)).id


def _step(trigger: str, agreement_id: int, actor: User) -> None:
    result = _as(actor, lambda: fire(AGREEMENT, trigger, agreement_id, actor, REMARKS.get(trigger, "")))
    if not result.ok:
        raise RuntimeError(f"demo agreement {agreement_id}: {trigger} refused: {result.reason}")


def seed_agreements() -> str:
    """Idempotent; returns a one-line report."""
    employers = _employers()
    if employers is None:
        return "agreements: none (the demo employers employer_a / employer_b are missing or not approved)"
    cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalars().first()
    ids = [employer.id for _user, employer in employers.values()]
    if cohort is None or db.session.execute(select(Agreement.id).where(Agreement.employer_id.in_(ids))
                                            .limit(1)).scalar() is not None:
        return "agreements: already present"
    made, numbered = _pool(cohort), _numbered(cohort)
    colleges = _college_accounts()
    graduates = _graduates(cohort, colleges, len(PLAN))
    school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
    counts: dict[str, int] = {}
    for n, ((state, account, started_by), graduate) in enumerate(zip(PLAN, graduates)):
        user, employer = employers[account]
        student = db.session.get(User, graduate.user_id)
        agreement_id = _start(n, graduate, started_by, user, employer)
        actors = {"graduate": student, "employer": user, "college": colleges[graduate.department_id],
                  "school": school}
        if state == "expired":
            db.session.execute(update(Agreement).where(Agreement.id == agreement_id).values(
                expires_at=datetime.datetime(2020, 1, 1)))  # answered by nobody in time
            db.session.commit()
            _step("expire", agreement_id, student)
        elif state == "declined":
            _step("decline" if started_by == "employer" else "refuse", agreement_id,
                  student if started_by == "employer" else user)
        elif state == "withdrawn":
            _step("withdraw", agreement_id, user)
        elif state == "cancelled":
            _step("cancel", agreement_id, student)
        elif state not in ("invited", "requested"):
            _step("accept" if started_by == "employer" else "confirm", agreement_id,
                  student if started_by == "employer" else user)
            for trigger, who in ONWARD[state]:
                if trigger in AGREEMENT.transitions:  # one review level: no college approval
                    _step(trigger, agreement_id, actors[who])
        counts[state] = counts.get(state, 0) + 1
    unused = db.session.execute(select(func.count()).select_from(AgreementNumber).where(
        AgreementNumber.cohort_id == cohort.id, AgreementNumber.state == UNUSED)).scalar_one()
    return (f"{sum(counts.values())} agreements in {len(counts)} states, {numbered} numbers assigned "
            f"({made} generated, {unused} unused)")
