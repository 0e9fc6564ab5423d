"""A cohort of the plan tests' own (its deadline years ahead) with graduates spread over colleges, genders, levels,
provinces, codes and review states; the expected figures are worked out here from that spec, never from the app."""
from __future__ import annotations

import datetime
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort, Department, Major
from app.models.plan import PlanConfirmation, PlanLockEvent, StatRefresh, StatRollup, StatSnapshot
from app.models.reference import DestinationCode
from app.models.user import User
from tests.workflows import destination_world
from tests.workflows.test_source_info import make_graduate

PREFIX = "PL"
YEAR = 2093
# The domain's facts (DOMAIN-DESTINATIONS.md), written out here independently of the code table
UNPLACED = {"70", "71", "72"}
GROUP = {"10": "employed", "11": "employed", "12": "employed", "271": "employed", "46": "employed",
         "502": "employed", "512": "employed", "75": "venture", "76": "freelance", "801": "study", "85": "study"}
GROUP_2021 = {"10": "contract", "11": "contract", "12": "flexible", "271": "contract", "46": "contract",
              "502": "contract", "512": "contract", "75": "venture", "76": "flexible", "801": "study", "85": "study"}


@dataclass(frozen=True)
class Spec:
    department: str  # department code: 101 and its unit 10101 are college_a's, 102 is college_b's
    gender: str
    level: str
    origin: str
    code: Optional[str]  # None: no destination at all
    status: str = "complete"
    included: bool = True

    @property
    def counts_placed(self) -> bool:
        return self.included and self.status == "complete" and self.code is not None and self.code not in UNPLACED

    def group(self, caliber: str) -> str:
        if not self.counts_placed:
            return "unplaced"
        return (GROUP_2021 if caliber == "2021" else GROUP)[self.code]


def _specs() -> list[Spec]:
    codes = ["10", "11", "12", "271", "46", "502", "512", "75", "76", "801", "85", "70", "71", "72"]
    statuses = ["complete", "complete", "complete", "central", "secondary", "draft", "rejected"]
    departments = ["101", "10101", "102", "102", "101"]
    origins = ["430621", "110108", "440106", "320102"]
    specs = []
    for n in range(44):
        code = None if n % 11 == 10 else codes[n % len(codes)]
        specs.append(Spec(departments[n % len(departments)], "1" if n % 3 else "2", "31" if n % 4 else "11",
                          origins[n % len(origins)], code, statuses[n % len(statuses)], included=n % 17 != 16))
    # college_b has many freelancers and ventures: the flexible-share warning's college
    specs += [Spec("102", "2", "31", "430621", "76") for _ in range(10)]
    specs += [Spec("102", "1", "31", "430621", "75") for _ in range(4)]
    return specs


SPECS = _specs()


def cohort() -> Cohort:
    return destination_world.cohort(YEAR)


def code(value: str) -> DestinationCode:
    return db.session.execute(select(DestinationCode).where(DestinationCode.code == value)).scalar_one()


def department(code_value: str) -> Department:
    return db.session.execute(select(Department).where(Department.code == code_value)).scalar_one()


def major_of(dept: Department) -> Major:
    root = dept if dept.parent is None or dept.parent.code == "10000" else dept.parent
    return db.session.execute(select(Major).where(Major.department_id == root.id).order_by(Major.code)).scalars().first()


_SERIAL = itertools.count()


def _id_number() -> str:
    """A valid ID number no other test graduate of the cohort has (a birth date of its own)."""
    from app.services.demo import id_number

    while True:
        birth = datetime.date(2000, 1, 1) + datetime.timedelta(days=next(_SERIAL))
        number = id_number(random.Random(), birth, True)
        taken = db.session.execute(select(Graduate.id).where(Graduate.id_number == number)).first()
        if taken is None:
            return number


def add_graduate(student_id: int, spec: Spec, owned: bool = False, employer: Optional[Employer] = None) -> Graduate:
    dept = department(spec.department)
    grad = make_graduate(student_id, "complete", owned=owned, cohort_id=cohort().id, id_number=_id_number(),
                         student_no=f"{PREFIX}{uuid.uuid4().hex[:10]}", department_id=dept.id,
                         major_id=major_of(dept).id, gender=spec.gender, education_level=spec.level,
                         origin_code=spec.origin, included=spec.included)
    if spec.code is not None:
        db.session.add(Destination(graduate_id=grad.id, version_no=1, is_current=True, status=spec.status, version=1,
                                   code_id=code(spec.code).id, employer_id=employer.id if employer else None,
                                   created_at=datetime.datetime(2093, 5, 1)))
        db.session.commit()
    return grad


def build(student_id: int) -> list[tuple[Spec, Graduate]]:
    return [(spec, add_graduate(student_id, spec)) for spec in SPECS]


def remove_all() -> None:
    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{PREFIX}%"))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(PlanConfirmation).where(PlanConfirmation.graduate_id.in_(graduates)))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
    row = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if row is not None:
        for model in (StatRollup, StatSnapshot, PlanLockEvent):
            db.session.execute(delete(model).where(model.cohort_id == row.id))
        db.session.execute(delete(StatRefresh).where(StatRefresh.cohort_id == row.id))
        row.plan_locked, row.change_deadline = False, None
    db.session.execute(delete(Notification).where(Notification.kind == "plan.error_reported"))
    db.session.commit()


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


@pytest.fixture(scope="module")
def world(app: Any) -> Iterator[list[tuple[Spec, Graduate]]]:
    from tests.workflows.destination_world import new_student

    with app.app_context():
        remove_all()
        sid = new_student(user("college_a").department_id)
        built = [(spec, grad.id) for spec, grad in build(sid)]
    yield built
    with app.app_context():
        remove_all()
