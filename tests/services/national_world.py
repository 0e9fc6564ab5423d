"""A cohort of the national-export tests' own: graduates in both demo colleges with destinations of several codes and
states, employers, proof files on disk; built once per module and removed afterwards. Expected values are written
out here (DOMAIN-DESTINATIONS code lists), never read from the export's own lookups."""
from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.models.reference import Country, DestinationCode, EmployerNature, Industry, JobCategory
from app.models.user import User
from app.services import uploads

PREFIX = "NX"
YEAR = 2093
CREDIT = "91350100M000100Y43"  # a GB 32100 test vector


@dataclass
class World:
    cohort_id: int
    ids: dict[str, int] = field(default_factory=dict)  # graduate key -> graduate id
    destinations: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, list[int]] = field(default_factory=dict)
    student_no: dict[str, str] = field(default_factory=dict)


def _user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _code(model: Any, value: str) -> int:
    return db.session.execute(select(model.id).where(model.code == value)).scalar_one()


def _graduate(key: str, department_id: int, n: int, cohort_id: int, **values: Any) -> Graduate:
    major = db.session.execute(select(Major).where(Major.department_id == department_id)).scalars().first()
    row = Graduate(student_no=f"{PREFIX}{YEAR}{n:04d}", cohort_id=cohort_id, department_id=department_id,
                   major_id=major.id if major else None, included=values.pop("included", True),
                   name=values.pop("name", f"测试{key}"), id_number=values.pop("id_number", f"43062120030517{n:03d}X"),
                   gender="2" if n % 2 else "1", ethnicity="01", political_status="03", origin="湖南省岳阳县",
                   origin_code="430621", education_level="31", training_mode="1",
                   enrolment_date=datetime.date(2089, 9, 1), graduation_date=datetime.date(2093, 6, 30),
                   mobile="13812345678", status="complete", version=1, **values)
    db.session.add(row)
    db.session.flush()
    return row


def _destination(grad: Graduate, code: str, status: str = "complete", **values: Any) -> Destination:
    row = Destination(graduate_id=grad.id, version_no=1, is_current=True, status=status, version=1,
                      code_id=_code(DestinationCode, code), created_at=datetime.datetime(2093, 5, 1), **values)
    db.session.add(row)
    db.session.flush()
    return row


def _evidence(grad: Graduate, dest: Destination, name: str, data: bytes, kind: str = "hiring_proof") -> int:
    key = secrets.token_hex(20)
    path = uploads.path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ev = Evidence(graduate_id=grad.id, original_name=name, content_type="application/pdf", size=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                  created_at=datetime.datetime(2093, 5, 2, 10, 30))
    db.session.add(ev)
    db.session.flush()
    db.session.add(DestinationEvidence(destination_id=dest.id, evidence_id=ev.id, kind=kind))
    return ev.id


def build() -> World:
    cohort = Cohort(year=YEAR, name=f"{YEAR}届")
    db.session.add(cohort)
    db.session.flush()
    world = World(cohort.id)
    college_a = _user("college_a").department_id
    college_b = _user("college_b").department_id
    employer = Employer(name=f"{PREFIX}岳阳甲科技有限公司", credit_code=CREDIT, region_code="430602",
                        address="岳阳市岳阳楼区巴陵中路1号", nature_id=_code(EmployerNature, "31"),
                        industry_id=_code(Industry, "34"), contact_name="李经理", contact_mobile="13900001111",
                        status=APPROVED)
    db.session.add(employer)
    db.session.flush()
    a1 = _graduate("a1", college_a, 1, cohort.id, name="张三", id_number="430621200305171234")
    d = _destination(a1, "10", employer_id=employer.id, signed_on=datetime.date(2093, 5, 10),
                     job_category_id=_code(JobCategory, "13"))
    world.evidence["a1"] = [_evidence(a1, d, "录用通知书.pdf", b"%PDF-1.4 one\n" * 50),
                            _evidence(a1, d, "工资单（五月）.pdf", b"%PDF-1.4 two\n" * 70)]
    world.destinations["a1"] = d.id
    a2 = _graduate("a2", college_a, 2, cohort.id, name="李四")
    world.destinations["a2"] = _destination(a2, "46", status="secondary").id  # under review: not in the plan
    _graduate("a3", college_a, 3, cohort.id, name="王五")  # no destination at all
    b1 = _graduate("b1", college_b, 4, cohort.id, name="赵六")
    d = _destination(b1, "85", school_name="牛津大学", foreign_school_name="University of Oxford",
                     country_id=_code(Country, "GB"))
    world.destinations["b1"] = d.id
    world.evidence["b1"] = [_evidence(b1, d, "录取通知.pdf", b"%PDF-1.4 three\n" * 30, kind="signed_statement")]
    b2 = _graduate("b2", college_b, 5, cohort.id, name="孙七")
    world.destinations["b2"] = _destination(b2, "801", school_name="北京大学", region_code="110108").id
    _graduate("x", college_b, 6, cohort.id, name="周八", included=False)  # not reported: never in the plan
    db.session.flush()
    for key, grad_id in {g.name: g.id for g in db.session.execute(
            select(Graduate).where(Graduate.cohort_id == cohort.id)).scalars()}.items():
        world.ids[key] = grad_id
    world.student_no = {g.name: g.student_no for g in db.session.execute(
        select(Graduate).where(Graduate.cohort_id == cohort.id)).scalars()}
    db.session.commit()
    return world


def remove() -> None:
    db.session.rollback()
    cohort = db.session.execute(select(Cohort).where(Cohort.year == YEAR)).scalar()
    if cohort is None:
        return
    from app.models.reconcile import ReconcileDifference, ReconcileRun

    runs = select(ReconcileRun.id).where(ReconcileRun.cohort_id == cohort.id)
    db.session.execute(delete(ReconcileDifference).where(ReconcileDifference.run_id.in_(runs)))
    db.session.execute(delete(ReconcileRun).where(ReconcileRun.cohort_id == cohort.id))
    graduates = select(Graduate.id).where(Graduate.cohort_id == cohort.id)
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.cohort_id == cohort.id))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
    db.session.delete(cohort)
    db.session.commit()


@pytest.fixture(scope="module")
def world(app: Any, tmp_path_factory: Any) -> Iterator[World]:
    previous = app.config.get("GEMS_EVIDENCE_DIR")
    app.config["GEMS_EVIDENCE_DIR"] = str(tmp_path_factory.mktemp("nx-evidence"))
    with app.app_context():
        remove()
        built = build()
    yield built
    with app.app_context():
        remove()
    app.config["GEMS_EVIDENCE_DIR"] = previous


def department_name(username: str) -> str:
    return db.session.execute(select(Department.name).join(User, User.department_id == Department.id)
                              .where(User.username == username)).scalar_one()
