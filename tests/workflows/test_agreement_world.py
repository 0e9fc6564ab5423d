"""Online-signing test world (no tests here): graduates SG… of a cohort of their own with agreement numbers, approved
and pending employers SG测试单位… with portal accounts, agreements placed directly in a state (setup only; the engine
moves them afterwards) — all removed afterwards."""
from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models.agreement import ASSIGNED, Agreement, AgreementNumber, SigningStatus
from app.models.destination import Destination
from app.models.employer import APPROVED, PENDING, Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort
from app.models.reference import JobCategory
from app.models.user import User
from app.security.roles import EMPLOYER, STUDENT
from app.services.accounts import hash_password
from app.validation.creditcode import CHARSET, check_char
from tests.workflows.test_source_info import make_graduate

PREFIX = "SG"
YEAR = 2087  # a cohort no other test uses; its default change deadline (2087-08-31) is decades ahead
PASSWORD = "Sg@12345678"
_rng = random.Random()


def cohort() -> Cohort:
    row = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if row is None:
        row = Cohort(year=YEAR, name=f"{YEAR}届", is_current=False)
        db.session.add(row)
        db.session.commit()
    return row


def credit_code() -> str:
    body = "9143" + "".join(_rng.choice("0123456789") for _ in range(4)) + "".join(
        _rng.choice(CHARSET) for _ in range(9))
    return body + check_char(body)


def employer(label: str, status: str = APPROVED) -> Employer:
    row = Employer(name=f"{PREFIX}测试单位{label}{uuid.uuid4().hex[:4]}有限公司", credit_code=credit_code(),
                   region_code="430602", status=status)
    db.session.add(row)
    db.session.commit()
    return row


def account(role: str, employer_id: Optional[int] = None, department_id: Optional[int] = None) -> User:
    name = f"sg{uuid.uuid4().hex[:10]}"
    user = User(username=name, first_name=f"网签测试{name[-4:]}", last_name="", active=True,
                email=f"{name}@test.gems.invalid", department_id=department_id, employer_id=employer_id,
                password=hash_password(PASSWORD), must_change_password=False,
                roles=[current_app.appbuilder.sm.find_role(role)])
    db.session.add(user)
    db.session.commit()
    return user


def number(graduate: Graduate) -> AgreementNumber:
    row = AgreementNumber(number=f"{PREFIX}{uuid.uuid4().hex[:14]}", cohort_id=graduate.cohort_id,
                          education_level=graduate.education_level, state=ASSIGNED, graduate_id=graduate.id,
                          assigned_at=datetime.datetime(2087, 3, 1), source="generated", batch="sg-test")
    db.session.add(row)
    db.session.commit()
    return row


def graduate(student_id: Optional[int], source_status: str = "complete", numbered: bool = True,
             **values: Any) -> Graduate:
    """A graduate of the tests' cohort owned by `student_id` (None: no account), with a current number."""
    row = make_graduate(student_id or 0, source_status, owned=student_id is not None, cohort_id=cohort().id,
                        student_no=f"{PREFIX}{uuid.uuid4().hex[:10]}", name=values.pop("name", "网签测试"), **values)
    if numbered:
        number(row)
    return row


_JOB: dict[str, int] = {}  # the job category the forms post, read once (page tests post outside any context)


def job_category_id() -> int:
    if "id" in _JOB:
        return _JOB["id"]
    _JOB["id"] = db.session.execute(select(JobCategory.id).where(JobCategory.active.is_(True))
                              .order_by(JobCategory.sort_order)).scalars().first()
    return _JOB["id"]


def agreement(grad: Any, unit: Any, status: str = "invited", started_by: str = "employer",
              **values: Any) -> Agreement:
    """An online agreement of a graduate (row or id) with an employer (row or id) placed directly in `status`."""
    grad = grad if isinstance(grad, Graduate) else db.session.get(Graduate, grad)
    defaults: dict[str, Any] = {"position": "软件工程师", "job_category_id": job_category_id(), "salary": "8000元/月",
                                "work_region_code": "430602", "work_address": "岳阳市岳阳楼区金鹗中路1号",
                                "expires_at": datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
                                + datetime.timedelta(days=7)}
    row = Agreement(graduate_id=grad.id, employer_id=getattr(unit, "id", unit), kind="online", started_by=started_by, status=status,
                    version=1, **{**defaults, **values})
    if status not in ("invited", "requested"):
        row.number_id = db.session.execute(select(AgreementNumber.id).where(
            AgreementNumber.graduate_id == grad.id, AgreementNumber.state == ASSIGNED)).scalar()
    db.session.add(row)
    db.session.commit()
    return row


def terms(**overrides: str) -> dict[str, str]:
    """A valid terms form as posted."""
    return {"position": "数据分析师", "job_category_id": str(job_category_id()), "salary": "9000元/月",
            "work_region_code": "430602", "work_address": "岳阳市岳阳楼区", "start_on": "2087-07-01",
            "contract_years": "3", "other_terms": "试用期三个月。", **overrides}


def remove_agreements() -> None:
    """The agreements, numbers, destinations and settings of the SG graduates; the graduates go too."""
    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    db.session.execute(delete(Agreement).where(Agreement.graduate_id.in_(graduates)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(AgreementNumber).where(AgreementNumber.graduate_id.in_(graduates)))
    db.session.execute(delete(SigningStatus).where(SigningStatus.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    db.session.execute(update(Cohort).where(Cohort.year == YEAR).values(plan_locked=False, change_deadline=None))
    db.session.commit()


def remove_all(user_ids: list[int]) -> None:
    remove_agreements()
    db.session.execute(delete(Notification).where(Notification.user_id.in_(user_ids)))
    db.session.execute(update(User).where(User.id.in_(user_ids)).values(employer_id=None, active=False))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}测试单位%")))
    db.session.commit()


ROLES = ("unit_a", "unit_b", "pending", "emp_a", "emp_b", "emp_pending", "student", "other_student")
EMPLOYERS = ("unit_a", "unit_b", "pending")


@dataclass
class World:
    """Two approved employers with an account each, a pending one with an account, two student accounts: rows in the
    current session (sctx) or their ids (the `world` fixture, for page tests that keep no context open)."""

    unit_a: Any
    unit_b: Any
    pending: Any
    emp_a: Any
    emp_b: Any
    emp_pending: Any
    student: Any
    other_student: Any

    @property
    def user_ids(self) -> list[int]:
        return [self.emp_a, self.emp_b, self.emp_pending, self.student, self.other_student]


@pytest.fixture(scope="module")
def world(app: Any) -> Iterator[World]:
    """Ids of the world's rows, made once per test module and removed after it."""
    with app.app_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        unit_a, unit_b, pending = employer("A"), employer("B"), employer("P", PENDING)
        rows = (unit_a, unit_b, pending, account(EMPLOYER, unit_a.id), account(EMPLOYER, unit_b.id),
                account(EMPLOYER, pending.id), account(STUDENT, department_id=college.department_id),
                account(STUDENT, department_id=college.department_id))
        made = World(*(row.id for row in rows))
        job_category_id()
    yield made
    with app.app_context():
        remove_all(made.user_ids)


def load(ids: World) -> World:
    """The world's rows in the current session."""
    return World(*(db.session.get(Employer if key in EMPLOYERS else User, getattr(ids, key)) for key in ROLES))


@pytest.fixture()
def sctx(ctx: Any, world: World) -> Iterator[World]:
    """An app context with the world's rows in this session; agreements and graduates removed afterwards."""
    yield load(world)
    remove_agreements()


@pytest.fixture()
def pages(app: Any, world: World) -> Iterator[World]:
    """For page tests: no context stays open across requests (each request's user is its own); cleaned after."""
    yield world
    with app.app_context():
        remove_agreements()


@dataclass
class Grad:
    id: int
    name: str
    id_number: str
    student_no: str


def grad(app: Any, student_id: Optional[int], **values: Any) -> Grad:
    """A test graduate made in a context of its own, as plain values for page tests."""
    with app.app_context():
        row = graduate(student_id, **values)
        return Grad(row.id, row.name, row.id_number, row.student_no)


def placed(app: Any, grad_id: int, employer_id: int, status: str = "invited", **values: Any) -> int:
    with app.app_context():
        return agreement(grad_id, employer_id, status, **values).id


def state(app: Any, agreement_id: int) -> dict[str, Any]:
    """The agreement's columns as they are committed now."""
    with app.app_context():
        row = db.session.get(Agreement, agreement_id)
        return {c.key: getattr(row, c.key) for c in Agreement.__table__.columns}


def agreements_of(app: Any, grad_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        ids = db.session.execute(select(Agreement.id).where(Agreement.graduate_id == grad_id)
                                 .order_by(Agreement.id)).scalars().all()
    return [state(app, i) for i in ids]


def clear_notices(app: Any, user_id: int) -> None:
    """Start a test with the account's inbox empty: earlier tests' notices (SQLite hands on ids) are not its own."""
    with app.app_context():
        db.session.execute(Notification.__table__.delete().where(Notification.user_id == user_id))
        db.session.commit()


def notices(app: Any, user_id: int, kind: str) -> list[tuple[str, str]]:
    """(link, text in Chinese) of the account's notices of `kind`."""
    from app.services.notify import render

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        rows = db.session.execute(select(Notification).where(Notification.user_id == user_id,
                                                             Notification.kind == kind)).scalars().all()
        return [(n.link, render(n)) for n in rows]


def set_cohort(app: Any, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(Cohort).where(Cohort.year == YEAR).values(**values))
        db.session.commit()


def signed_in(app: Any, user_id: int, landing: str = "/") -> Any:
    """A browser signed in as the account through the login form (no app context may be open meanwhile)."""
    from tests.conftest import Browser

    with app.app_context():
        username = db.session.get(User, user_id).username
    b = Browser(app.test_client())
    assert b.login(username, PASSWORD).status_code == 302, username
    landed = b.get(landing)  # signed in: the page, a refusal, or a redirect elsewhere than the sign-in form
    assert landed.status_code in (200, 403) or (
        landed.status_code == 302 and "/login" not in landed.headers["Location"]), (username, landed.status_code)
    return b


def page_version(html: str) -> int:
    """The version a record page's forms carry."""
    import re

    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version on the page"
    return int(match.group(1))
