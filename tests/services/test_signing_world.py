"""Test rows of the offline part (no tests here): graduates OFL… in a cohort of their own (2093, its deadline far
ahead), their accounts, numbers, agreements and applications, removed again by `remove_all`."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models.agreement import (
    ONLINE,
    Agreement,
    AgreementEvidence,
    AgreementNumber,
    OutOfProvinceApplication,
    OutOfProvinceEvidence,
    SigningStatus,
)
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.user import User
from app.security.roles import STUDENT
from app.services.accounts import hash_password
from app.services.demo_employers import credit_code
from tests.views.review_helpers import make_graduates
from tests.workflows.destination_world import cohort

PREFIX = "OFL"
YEAR = 2093
PASSWORD = "Ofl@12345678"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
       b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def graduates(count: int = 1, college: str = "101", status: str = "complete", **values: Any) -> list[int]:
    """Graduates of the test cohort, source information `status`, in the college with that code."""
    return make_graduates(count, status, college, prefix=PREFIX, cohort_id=cohort(YEAR).id, **values)


def account(graduate_id: int) -> str:
    """A student account linked to the graduate (password PASSWORD, no change needed); returns its user name."""
    graduate = db.session.get(Graduate, graduate_id)
    user = User(username=f"ofl{uuid.uuid4().hex[:10]}", first_name=graduate.name, last_name="",
                email=f"ofl{uuid.uuid4().hex[:8]}@test.gems.invalid", active=True,
                department_id=graduate.department_id, password=hash_password(PASSWORD),
                roles=[current_app.appbuilder.sm.find_role(STUDENT)], must_change_password=False)
    db.session.add(user)
    db.session.flush()
    graduate.user_id = user.id
    db.session.commit()
    return user.username


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def number(graduate_id: int) -> AgreementNumber:
    row = AgreementNumber(number=f"{PREFIX}{uuid.uuid4().hex[:12].upper()}", state="assigned", graduate_id=graduate_id,
                          cohort_id=cohort(YEAR).id)
    db.session.add(row)
    db.session.commit()
    return row


def employer(name: str = "OFL测试单位", approved: bool = True) -> Employer:
    code = credit_code("91430104" + uuid.uuid4().hex[:9].upper())  # hex digits are all in GB 32100's charset
    row = Employer(name=name, credit_code=code, region_code="430104", status=APPROVED if approved else "pending")
    db.session.add(row)
    db.session.commit()
    return row


def demo_employer() -> Employer:
    """employer_a's employer (the demo's approved 星辰科技)."""
    return db.session.get(Employer, user("employer_a").employer_id)


def agreement(graduate_id: int, status: str, kind: str = ONLINE, employer_id: Optional[int] = None,
              **values: Any) -> Agreement:
    """An agreement placed directly in `status` (test setup only; the engine moves it afterwards)."""
    row = Agreement(graduate_id=graduate_id, employer_id=employer_id or demo_employer().id, kind=kind,
                    status=status, version=1, created_at=datetime.datetime(2093, 3, 1), **values)
    db.session.add(row)
    db.session.commit()
    return row


def application(graduate_id: int, status: str = "central", **values: Any) -> OutOfProvinceApplication:
    row = OutOfProvinceApplication(graduate_id=graduate_id, status=status, version=1,
                                   employer_name=values.pop("employer_name", "OFL广州某公司"),
                                   region_code=values.pop("region_code", "440106"),
                                   explanation=values.pop("explanation", "去广州工作"),
                                   submitted_at=datetime.datetime(2093, 3, 1), **values)
    db.session.add(row)
    db.session.commit()
    return row


def signing(graduate_id: int, **values: Any) -> None:
    row = db.session.get(SigningStatus, graduate_id)
    if row is None:
        db.session.add(SigningStatus(graduate_id=graduate_id, **{"mode": "online", "in_province_locked": False,
                                                                 "signing_restored": False, **values}))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    db.session.commit()


def notices(user_id: Optional[int]) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)).scalars())


def remove_all() -> None:
    """Every row this part's tests made, children first (audit rows and the accounts stay, as the destination
    tests leave theirs: the audit chain names them)."""
    db.session.rollback()
    mine = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    agreements = select(Agreement.id).where(Agreement.graduate_id.in_(mine))
    applications = select(OutOfProvinceApplication.id).where(OutOfProvinceApplication.graduate_id.in_(mine))
    users = select(Graduate.user_id).where(Graduate.student_no.like(f"{PREFIX}%"), Graduate.user_id.isnot(None))
    db.session.execute(delete(Notification).where(Notification.user_id.in_(users)))
    db.session.execute(delete(AgreementEvidence).where(AgreementEvidence.agreement_id.in_(agreements)))
    db.session.execute(update(AgreementNumber).where(AgreementNumber.graduate_id.in_(mine)).values(graduate_id=None))
    db.session.execute(delete(Agreement).where(Agreement.graduate_id.in_(mine)))
    db.session.execute(delete(AgreementNumber).where(AgreementNumber.number.like(f"{PREFIX}%")))
    db.session.execute(delete(OutOfProvinceEvidence).where(OutOfProvinceEvidence.application_id.in_(applications)))
    db.session.execute(delete(OutOfProvinceApplication).where(OutOfProvinceApplication.graduate_id.in_(mine)))
    db.session.execute(delete(SigningStatus).where(SigningStatus.graduate_id.in_(mine)))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(mine))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(mine)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(mine)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
    db.session.commit()


def signed_in(app: Any, username: str, password: Optional[str] = None) -> Any:
    """A signed-in Browser whose every request starts with an empty `g`, as on a real server: the tests hold an
    app context open for their own queries, and Flask reuses it for the test client's requests."""
    from flask import g, has_app_context

    from tests.conftest import DEMO_PASSWORD, Browser

    client = app.test_client()
    original = client.open

    def open_fresh(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            for key in list(vars(g)):
                delattr(g, key)
        return original(*args, **kwargs)

    client.open = open_fresh  # type: ignore[method-assign]
    b = Browser(client)
    b.login_proven(username, password or DEMO_PASSWORD)
    return b


@pytest.fixture()
def world(app: Any) -> Iterator[Any]:
    """An app context for one test; everything the test made under the prefix is removed afterwards."""
    with app.test_request_context():
        yield app
        remove_all()
        db.session.remove()
