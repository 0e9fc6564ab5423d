"""The destination journey's own world: a cohort of its own (so locking its plan touches no other test), three
graduates of college_a with complete source information (one already placed), an approved employer with a valid
credit code, and code 10 asking for a proof file — all removed again after the test."""
from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import ORIGINAL, Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.plan import PlanConfirmation
from app.models.reference import DestinationCode, JobCategory
from app.models.registry import RegistryRecord
from app.models.user import User
from app.validation.creditcode import CHARSET, check_char
from tests.views.student_support import (
    COMPLETE_FORM,
    Student,
    StudentFactory,
    _delete_referencing,
    signed_in,
)

YEAR = 2094  # a cohort no other test uses; its change deadline (2094-08-31) is decades ahead
PROOF = "hiring_proof"  # the evidence kind the journey makes code 10 ask for (code 10 asks for none by default)


@dataclass
class World:
    cohort_id: int
    cohort_name: str
    college_id: int
    college_name: str
    student: Student
    graduates: int  # graduates of the cohort (all in college_a)
    placed: int  # of them placed before the journey
    employer_name: str
    credit_code: str
    job_category: str  # the option text the student picks


def credit_code(rng: random.Random) -> str:
    body = "9143" + "".join(rng.choice("0123456789") for _ in range(4)) + "".join(
        rng.choice(CHARSET) for _ in range(9))
    return body + check_char(body)


def _complete_source(graduate: Graduate, cohort: Cohort) -> None:
    """Source information complete (the school approved it): what a destination needs first."""
    for key, value in COMPLETE_FORM.items():
        if value:
            setattr(graduate, key, value)
    graduate.cohort_id = cohort.id
    graduate.bound_at = datetime.datetime(2026, 10, 1)
    graduate.status, graduate.version = "complete", 3
    if graduate.registry_record_id:
        db.session.get(RegistryRecord, graduate.registry_record_id).cohort_id = cohort.id


def _remove(world: World, students: StudentFactory, code10_evidence: str, employer_id: int) -> None:
    db.session.rollback()
    ids = [s.graduate_id for s in students.created]
    rows = select(Destination.id).where(Destination.graduate_id.in_(ids))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(rows)))
    db.session.execute(delete(PlanConfirmation).where(PlanConfirmation.graduate_id.in_(ids)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(ids)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(ids)))
    db.session.execute(select(DestinationCode).where(DestinationCode.code == "10")).scalar_one().evidence = \
        code10_evidence
    db.session.commit()
    students.cleanup()  # graduates, registry rows, accounts (the factory's own teardown then finds nothing)
    db.session.execute(delete(Employer).where(Employer.id == employer_id))
    _delete_referencing("cohort", [world.cohort_id])  # lock history, snapshots, rollups of this cohort
    db.session.execute(delete(Cohort).where(Cohort.id == world.cohort_id))
    db.session.commit()


@pytest.fixture()
def world(app: Any, students: StudentFactory) -> Iterator[World]:
    rng = random.Random(uuid.uuid4().int)
    student = students()
    signed_in(app, student)  # the account exists, with tests.views.student_support.NEW_PASSWORD
    others = [students(), students()]
    with app.app_context():
        leftover = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
        assert leftover is None, "a previous run left cohort 2094 behind"
        cohort = Cohort(year=YEAR, name=f"{YEAR}届", is_current=False)
        db.session.add(cohort)
        db.session.flush()
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one().department
        graduates = [db.session.get(Graduate, s.graduate_id) for s in (student, *others)]
        assert {g.department_id for g in graduates} == {college.id}, "the first major is not college_a's"
        for graduate in graduates:
            _complete_source(graduate, cohort)
        code = credit_code(rng)
        employer = Employer(name=f"旅程测试科技有限公司{code[-4:]}", credit_code=code, region_code="430602",
                            address="湖南省岳阳市岳阳楼区测试路1号", status=APPROVED)
        db.session.add(employer)
        db.session.flush()
        codes = {c.code: c for c in db.session.execute(select(DestinationCode)).scalars()}
        job = db.session.execute(select(JobCategory).where(JobCategory.code == "13")).scalar_one()
        db.session.add(Destination(graduate_id=others[0].graduate_id, version_no=1, is_current=True, kind=ORIGINAL,
                                   code_id=codes["11"].id, employer_id=employer.id, job_category_id=job.id,
                                   signed_on=datetime.date(2094, 5, 1), status="complete"))
        code10_evidence = codes["10"].evidence
        codes["10"].evidence = PROOF  # the admin's code table: 签就业协议 comes with the agreement as proof
        db.session.commit()
        built = World(cohort.id, cohort.name, college.id, college.name, student, graduates=3, placed=1,
                      employer_name=employer.name, credit_code=code, job_category=f"{job.code} {job.name}")
        employer_id = employer.id
    yield built
    with app.app_context():
        _remove(built, students, code10_evidence, employer_id)
