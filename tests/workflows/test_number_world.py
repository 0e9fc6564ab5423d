"""Shared setup of the agreement-number tests (no tests here): a cohort of their own (2072), graduates with student
numbers NB…, pool numbers of that cohort, an employer NB…, and a cleanup that leaves the database as it was."""
from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from sqlalchemy import delete, func, insert, or_, select

from app.extensions import db
from app.models.agreement import UNUSED, Agreement, AgreementNumber, NumberRequest
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort
from app.models.reference import NumberRequestReason
from app.models.user import User
from tests.views.review_helpers import make_graduates
from tests.workflows.destination_world import PASSWORD, new_student
from tests.workflows.test_source_info import make_graduate

YEAR = 2072
PREFIX = "NB"
_serial = itertools.count(1)


def cohort(year: int = YEAR) -> Cohort:
    row = db.session.execute(select(Cohort).where(Cohort.year == year)).scalar()
    if row is None:
        row = Cohort(year=year, name=f"{year}届", is_current=False)
        db.session.add(row)
        db.session.commit()
    return row


def graduates(count: int, level: str = "31", status: str = "complete", year: int = YEAR, **values: Any) -> list[int]:
    """`count` reported graduates of the tests' cohort (college 101), source information `status`."""
    return make_graduates(count, status, "101", prefix=PREFIX, cohort_id=cohort(year).id, education_level=level,
                          **values)


def own_graduate(student_id: int, status: str = "complete", level: str = "31") -> Graduate:
    """A graduate linked to the tests' own student account (taking the account over from the previous one)."""
    return make_graduate(student_id, status, cohort_id=cohort().id, education_level=level,
                         student_no=f"{PREFIX}S{uuid.uuid4().hex[:9]}")


def pool(count: int, level: Optional[str] = None, year: int = YEAR, tag: str = "") -> list[str]:
    """`count` unused numbers of the cohort (and level), numbered in creation order; returns the numbers."""
    base = f"{year}{tag or 'P'}{uuid.uuid4().hex[:6].upper()}"
    numbers = [f"{base}{next(_serial):06d}" for _ in range(count)]
    db.session.execute(insert(AgreementNumber), [
        {"number": n, "cohort_id": cohort(year).id, "education_level": level, "state": UNUSED, "source": "imported",
         "batch": "test"} for n in numbers])
    db.session.commit()
    return numbers


def reason(code: str = "01") -> NumberRequestReason:
    return db.session.execute(select(NumberRequestReason).where(NumberRequestReason.code == code)).scalar_one()


def employer() -> Employer:
    row = db.session.execute(select(Employer).where(Employer.name == f"{PREFIX}测试单位")).scalar()
    if row is None:
        row = Employer(name=f"{PREFIX}测试单位", credit_code=None, status="approved")
        db.session.add(row)
        db.session.commit()
    return row


def agreement(graduate_id: int, number_id: int, status: str) -> Agreement:
    """An agreement placed directly in `status` using the number (setup only)."""
    row = Agreement(graduate_id=graduate_id, employer_id=employer().id, number_id=number_id, status=status,
                    kind="online", started_by="employer", created_at=datetime.datetime(2072, 3, 1))
    db.session.add(row)
    db.session.commit()
    return row


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def state_of(number: str) -> tuple[str, Optional[int], Optional[str]]:
    db.session.expire_all()
    row = db.session.execute(select(AgreementNumber).where(AgreementNumber.number == number)).scalar_one()
    return row.state, row.graduate_id, row.void_reason


def numbers_of_cohort(year: int = YEAR) -> int:
    return db.session.execute(select(func.count()).select_from(AgreementNumber).where(
        AgreementNumber.cohort_id == cohort(year).id)).scalar_one()


def remove_all(years: tuple[int, ...] = (YEAR,)) -> None:
    db.session.rollback()
    mine = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    cohort_ids = select(Cohort.id).where(Cohort.year.in_(years))
    users = select(Graduate.user_id).where(Graduate.student_no.like(f"{PREFIX}%"), Graduate.user_id.isnot(None))
    db.session.execute(delete(Notification).where(Notification.user_id.in_(users),
                                                  Notification.kind.like("%number%")))
    db.session.execute(delete(NumberRequest).where(NumberRequest.graduate_id.in_(mine)))
    db.session.execute(delete(Agreement).where(Agreement.graduate_id.in_(mine)))
    db.session.execute(delete(AgreementNumber).where(or_(AgreementNumber.graduate_id.in_(mine),
                                                         AgreementNumber.cohort_id.in_(cohort_ids))))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
    db.session.commit()


@pytest.fixture()
def nctx(ctx: Any) -> Iterator[Any]:
    """An app context whose numbers, graduates and requests are removed afterwards."""
    remove_all()
    yield ctx
    remove_all()


@pytest.fixture(scope="module")
def student_id(app: Any) -> Iterator[int]:
    """A student account of the module's own, in college_a's department."""
    with app.app_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        uid = new_student(college.department_id)
    yield uid
    with app.app_context():
        remove_all()
        db.session.execute(delete(Notification).where(Notification.user_id == uid))
        db.session.commit()


def switch_user() -> None:
    """Requests made inside the test's own app context (nctx) share its `g`: forget the last request's signed-in
    user, so the next client is read from its own session cookie or token, not from the previous request."""
    from flask import g

    for key in ("_login_user", "user", "csrf_token"):
        g.pop(key, None)


def sign_in(app: Any, student: int) -> Any:
    """The own student account signed in through the login form."""
    from tests.conftest import Browser

    account = db.session.get(User, student)
    account.must_change_password = False
    db.session.commit()
    b = Browser(app.test_client())
    b.login_proven(account.username, PASSWORD)
    return b
