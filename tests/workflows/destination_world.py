"""Test graduates with destinations in a cohort of their own (its deadline far ahead), cleaned up afterwards."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.reference import DestinationCode
from app.models.user import User
from app.security.roles import STUDENT
from app.services.accounts import hash_password
from tests.workflows.test_source_info import make_graduate

PREFIX = "DS"
PASSWORD = "Ds@12345678"  # the own student account's
YEAR = 2091  # a cohort of the tests' own: its default change deadline (2091-08-31) is years ahead


def cohort(year: int = YEAR) -> Cohort:
    """A cohort of the tests' own (created on first use); other files pass a year nobody else uses."""
    row = db.session.execute(select(Cohort).where(Cohort.year == year)).scalar()
    if row is None:
        row = Cohort(year=year, name=f"{year}届", is_current=False)
        db.session.add(row)
        db.session.commit()
    return row


def new_student(department_id: int) -> int:
    user = User(username=f"ds{uuid.uuid4().hex[:10]}", first_name="去向测试", last_name="",
                email=f"ds{uuid.uuid4().hex[:8]}@test.gems.invalid", active=True, department_id=department_id,
                password=hash_password(PASSWORD), roles=[current_app.appbuilder.sm.find_role(STUDENT)])
    db.session.add(user)
    db.session.commit()
    return user.id


def remove_all() -> None:
    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
    row = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if row is not None:
        row.plan_locked, row.change_deadline = False, None
    db.session.commit()


@pytest.fixture(scope="module")
def student_id(app: Any) -> Iterator[int]:
    """A student account of its own (graduate.user_id is unique: each new test graduate takes it over)."""
    with app.app_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        uid = new_student(college.department_id)
    yield uid
    with app.app_context():
        remove_all()


@pytest.fixture()
def dctx(ctx: Any, student_id: int) -> Iterator[Any]:
    yield ctx
    remove_all()


def code(value: str) -> DestinationCode:
    return db.session.execute(select(DestinationCode).where(DestinationCode.code == value)).scalar_one()


def graduate(student_id: int, source_status: str = "complete", owned: bool = True) -> Graduate:
    return make_graduate(student_id, source_status, owned=owned, cohort_id=cohort().id,
                         student_no=f"{PREFIX}{uuid.uuid4().hex[:10]}")


def destination(grad: Graduate, status: str = "draft", code_value: Optional[str] = "46", version_no: int = 1,
                current: bool = True, **values: Any) -> Destination:
    """A destination row placed directly in `status` (test setup only; the engine moves it afterwards)."""
    row = Destination(graduate_id=grad.id, version_no=version_no, is_current=current, status=status, version=1,
                      code_id=code(code_value).id if code_value else None, created_at=datetime.datetime(2091, 5, 1),
                      **values)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture()
def student(app: Any, dctx: Any, student_id: int) -> Any:
    """The own student account, signed in through the login form (its password needs no change)."""
    from tests.conftest import Browser

    user = db.session.get(User, student_id)
    user.must_change_password = False
    db.session.commit()
    b = Browser(app.test_client())
    b.login_proven(user.username, PASSWORD)
    return b
