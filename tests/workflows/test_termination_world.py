"""The terminations tests' own world: a cohort (2089) nobody else uses, graduates TM…, two employers with an account
each, agreement numbers of that cohort, agreements and terminations placed directly in a state (setup only; the
engine moves them afterwards) — all removed again after each test."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db
from app.models.agreement import Agreement, AgreementEvidence, AgreementNumber, SigningStatus
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort
from app.models.preference import UserPreference
from app.models.reference import TerminationReason
from app.models.termination import Termination, TerminationEvidence
from app.models.user import User
from app.security.roles import EMPLOYER, STUDENT
from app.services.accounts import hash_password
from app.timeutil import utcnow
from tests.workflows.test_source_info import make_graduate

PREFIX = "TM"
YEAR = 2089  # a cohort of these tests' own: its change deadline (2089-08-31) is far ahead
PASSWORD = "Tm@12345678"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
       b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class People:
    student: int  # the graduate's account (each new test graduate takes it over)
    employer: int  # the agreements' employer
    other_employer: int  # another employer, who must never see them
    employer_user: int
    other_employer_user: int


def cohort() -> Cohort:
    row = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if row is None:
        row = Cohort(year=YEAR, name=f"{YEAR}届", is_current=False)
        db.session.add(row)
        db.session.commit()
    return row


def _user(prefix: str, role: str, **values: Any) -> User:
    user = User(username=f"{prefix}{uuid.uuid4().hex[:10]}", first_name="解约测试", last_name="",
                email=f"{prefix}{uuid.uuid4().hex[:8]}@test.gems.invalid", active=True,
                password=hash_password(PASSWORD), roles=[current_app.appbuilder.sm.find_role(role)],
                must_change_password=False, **values)
    db.session.add(user)
    return user


def _employer(name: str) -> Employer:
    row = Employer(name=f"{PREFIX}{name}{uuid.uuid4().hex[:6]}", status="approved")
    db.session.add(row)
    db.session.flush()
    return row


def remove_all() -> None:
    """Every row these tests made, children first."""
    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    terminations = select(Termination.id).where(Termination.graduate_id.in_(graduates))
    agreements = select(Agreement.id).where(Agreement.graduate_id.in_(graduates))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(TerminationEvidence).where(TerminationEvidence.termination_id.in_(terminations)))
    db.session.execute(delete(Termination).where(Termination.graduate_id.in_(graduates)))
    db.session.execute(delete(AgreementEvidence).where(AgreementEvidence.agreement_id.in_(agreements)))
    db.session.execute(delete(Agreement).where(Agreement.graduate_id.in_(graduates)))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    year = db.session.execute(select(Cohort.id).where(Cohort.year == YEAR)).scalar()
    db.session.execute(delete(AgreementNumber).where(
        AgreementNumber.graduate_id.in_(graduates) | (AgreementNumber.cohort_id == year)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(graduates)))
    db.session.execute(delete(SigningStatus).where(SigningStatus.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    row = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if row is not None:
        row.plan_locked, row.change_deadline = False, None
    db.session.commit()


@pytest.fixture(scope="module")
def people(app: Any) -> Iterator[People]:
    with app.app_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        student = _user("tms", STUDENT, department_id=college.department_id)
        mine, other = _employer("单位甲"), _employer("单位乙")
        boss, stranger = _user("tme", EMPLOYER, employer_id=mine.id), _user("tmo", EMPLOYER, employer_id=other.id)
        db.session.commit()
        found = People(student.id, mine.id, other.id, boss.id, stranger.id)
    yield found
    with app.app_context():
        remove_all()
        users = [found.student, found.employer_user, found.other_employer_user]
        db.session.execute(delete(Notification).where(Notification.user_id.in_(users)))
        db.session.execute(delete(UserPreference).where(UserPreference.user_id.in_(users)))
        for user_id in users:
            db.session.delete(db.session.get(User, user_id))
        db.session.flush()
        db.session.execute(delete(Employer).where(Employer.id.in_([found.employer, found.other_employer])))
        db.session.commit()


@pytest.fixture()
def tctx(ctx: Any, people: People) -> Iterator[Any]:
    yield ctx
    remove_all()


def actor(role: str, people: People) -> User:
    """A user by role: graduate, employer, other_employer, or a demo account (college_a, college_b, school, admin)."""
    ids = {"graduate": people.student, "employer": people.employer_user, "other_employer": people.other_employer_user}
    if role in ids:
        return db.session.get(User, ids[role])
    return db.session.execute(select(User).where(User.username == role)).scalar_one()


def graduate(people: People, status: str = "complete", number: bool = True, owned: bool = True,
             **values: Any) -> Graduate:
    """A graduate of the tests' cohort (source information in `status`) holding a current agreement number."""
    grad = make_graduate(people.student, status, owned=owned, cohort_id=cohort().id,
                         student_no=f"{PREFIX}{uuid.uuid4().hex[:10]}", **values)
    if number:
        db.session.add(AgreementNumber(number=f"{PREFIX}{uuid.uuid4().hex[:12]}", cohort_id=grad.cohort_id,
                                       state="assigned", graduate_id=grad.id, assigned_at=utcnow(), batch="TM"))
        db.session.commit()
    return grad


def pool(count: int) -> list[str]:
    """Unused numbers of the tests' cohort (the lowest is issued first)."""
    numbers = [f"{PREFIX}POOL{n:04d}{uuid.uuid4().hex[:6]}" for n in range(count)]
    db.session.add_all(AgreementNumber(number=n, cohort_id=cohort().id, state="unused", batch="TM") for n in numbers)
    db.session.commit()
    return sorted(numbers)


def current_number(graduate_id: int) -> Optional[AgreementNumber]:
    return db.session.execute(select(AgreementNumber).where(AgreementNumber.graduate_id == graduate_id,
                                                            AgreementNumber.state == "assigned")).scalar()


def agreement(grad: Graduate, employer_id: int, status: str = "archived", kind: str = "online",
              **values: Any) -> Agreement:
    """An agreement placed directly in `status` (setup only); an online one carries the graduate's number."""
    number = current_number(grad.id)
    row = Agreement(graduate_id=grad.id, employer_id=employer_id, kind=kind, status=status, version=1,
                    started_by="employer" if kind == "online" else "graduate",
                    number_id=number.id if number is not None and kind == "online" else None,
                    external_number=None if kind == "online" else f"{PREFIX}X{uuid.uuid4().hex[:8]}",
                    position="软件工程师", signed_on=datetime.date(2089, 5, 1), created_at=utcnow(), **values)
    db.session.add(row)
    db.session.commit()
    return row


def archived(grad: Graduate, employer_id: int, kind: str = "online") -> Agreement:
    """An agreement taken into the plan by the engine (archive or approve_entry): its code-10 version is current."""
    from app.workflows import fire
    from app.workflows.agreement import AGREEMENT

    row = agreement(grad, employer_id, "stamp_school" if kind == "online" else "central", kind)
    school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
    result = fire(AGREEMENT, "archive" if kind == "online" else "approve_entry", row.id, school)
    assert result.ok, result.reason
    db.session.expire_all()
    return db.session.get(Agreement, row.id)


def reason(code: str = "01") -> TerminationReason:
    return db.session.execute(select(TerminationReason).where(TerminationReason.code == code)).scalar_one()


def termination(row: Agreement, status: str = "draft", requested_by: str = "graduate", complete: bool = True,
                letter: bool = False, **values: Any) -> Termination:
    """A termination of `row` placed directly in `status` (setup only), complete unless told otherwise."""
    fields: dict[str, Any] = {"reason_id": reason().id, "explanation": "继续深造，已被研究生录取", "liable_party": "graduate",
                              "penalty": "毕业生支付违约金3000元"} if complete else {}
    term = Termination(agreement_id=row.id, graduate_id=row.graduate_id, requested_by=requested_by, status=status,
                       version=1, created_at=utcnow(), **{**fields, **values})
    db.session.add(term)
    db.session.commit()
    if letter:
        attach_file(term, "letter")
    return term


def attach_file(term: Termination, kind: str, data: bytes = PNG, name: str = "解约函.png") -> Evidence:
    """A stored evidence file linked to the termination (written where the uploads service keeps files)."""
    from app.services import uploads

    checked = uploads.inspect_upload(name, data)
    key = uploads.store(checked)
    evidence = Evidence(graduate_id=term.graduate_id, original_name=checked.original_name,
                        content_type=checked.content_type, size=checked.size, sha256=checked.sha256, storage_key=key,
                        created_at=utcnow())
    db.session.add(evidence)
    db.session.flush()
    db.session.add(TerminationEvidence(termination_id=term.id, evidence_id=evidence.id, kind=kind))
    db.session.commit()
    return evidence


def test_the_world_builds_what_it_says(tctx: Any, people: People) -> None:
    """A graduate with a number, an archived online agreement in the plan, a draft termination with a letter."""
    grad = graduate(people)
    row = archived(grad, people.employer)
    assert row.status == "archived" and row.number_id == current_number(grad.id).id
    plan_entry = db.session.get(Destination, row.destination_id)
    assert plan_entry.is_current and plan_entry.code.code == "10"
    term = termination(row, letter=True)
    assert [link.kind for link in term.evidence_links] == ["letter"]
