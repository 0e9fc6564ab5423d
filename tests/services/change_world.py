"""Test world for change requests: own cohort, graduates in two colleges with student accounts, removed afterwards."""
from __future__ import annotations

import datetime
import io
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import delete, select

from app.extensions import db
from app.models.change import ChangeRequest, Evidence
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.models.registry import RegistryRecord
from app.models.user import User
from app.security.roles import STUDENT
from app.services.accounts import hash_password
from app.services.demo import id_number
from tests.conftest import DEMO_PASSWORD

REGISTRY_ORIGIN, REGISTRY_CODE = "湖南省岳阳县", "430621"
FORM_ORIGIN, FORM_CODE = "北京市海淀区", "110108"


def png_bytes(size: tuple[int, int] = (32, 24), colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    """Ids of what the fixture created; `reset()` puts every graduate back to its starting form."""

    cohort_id: int
    graduates: dict[str, int] = field(default_factory=dict)  # "a1", "a2", "b1" -> graduate id
    users: dict[str, str] = field(default_factory=dict)  # same keys -> username
    majors: dict[str, int] = field(default_factory=dict)  # same keys -> the major they start with

    def graduate(self, key: str) -> Graduate:
        return db.session.get(Graduate, self.graduates[key])

    def user(self, key: str) -> User:
        return db.session.execute(select(User).where(User.username == self.users[key])).scalar_one()

    def reset(self) -> None:
        """Remove requests and evidence (bulk deletes bypass the no-delete rule) and restore the forms."""
        ids = list(self.graduates.values())
        db.session.rollback()
        db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(ids)))
        db.session.execute(delete(ChangeRequest).where(ChangeRequest.graduate_id.in_(ids)))
        for key, graduate_id in self.graduates.items():
            graduate = db.session.get(Graduate, graduate_id)
            graduate.origin, graduate.origin_code, graduate.status = FORM_ORIGIN, FORM_CODE, "draft"
            graduate.major_id = self.majors[key]
        db.session.commit()


def build_world() -> World:
    """Three graduates (two in college_a's college, one in college_b's) whose 生源地 differs from the registry."""
    tag = uuid.uuid4().hex[:6]
    year = 2090 + int(tag, 16) % 9
    while db.session.execute(select(Cohort).where(Cohort.year == year)).scalar() is not None:
        year += 1
    cohort = Cohort(year=year, name=f"{year}届（异动测试）", is_current=False)
    db.session.add(cohort)
    db.session.flush()
    student_role = current_app.appbuilder.sm.find_role(STUDENT)
    rng = random.Random(tag)
    world = World(cohort.id)
    for key, college_code in (("a1", "101"), ("a2", "101"), ("b1", "102")):
        college = db.session.execute(select(Department).where(Department.code == college_code)).scalar_one()
        major = db.session.execute(select(Major).where(Major.department_id == college.id).order_by(Major.code)
                                   ).scalars().first()
        student_no = f"{year}{college_code}{tag}{key}"
        record = RegistryRecord(
            cohort_id=cohort.id, department_id=college.id, student_no=student_no,
            id_number=id_number(rng, datetime.date(2000, 1, 1), male=True),
            name=f"异动{key}", gender="1", birth_date=datetime.date(2000, 1, 1), ethnicity="01",
            political_status="03", student_category="mainland", origin=REGISTRY_ORIGIN, origin_code=REGISTRY_CODE,
            exam_no=None, major_code=major.code, major_name=major.name, education_level="31", schooling_length="4",
            training_mode="1", enrolment_date=datetime.date(year - 4, 9, 1),
            graduation_date=datetime.date(year, 6, 30), included=True,
        )
        db.session.add(record)
        db.session.flush()
        user = User(username=student_no, first_name=f"异动{key}", last_name="", email=f"{student_no}@test.invalid",
                    active=True, department=college, password=hash_password(DEMO_PASSWORD),
                    must_change_password=False, roles=[student_role])
        db.session.add(user)
        db.session.flush()
        graduate = Graduate(
            student_no=student_no, cohort_id=cohort.id, department_id=college.id, major_id=major.id,
            user_id=user.id, registry_record_id=record.id, bound_at=datetime.datetime(year - 1, 1, 1),
            name=record.name, id_number=record.id_number, gender="1", birth_date=record.birth_date,
            ethnicity="01", political_status="03", student_category="mainland", origin=FORM_ORIGIN,
            origin_code=FORM_CODE, exam_no=f"{year % 100:02d}43{int(tag, 16) % 10**10:010d}",
            education_level="31", schooling_length="4", training_mode="1",
            enrolment_date=record.enrolment_date, graduation_date=record.graduation_date, status="draft", version=1,
        )
        db.session.add(graduate)
        db.session.flush()
        world.graduates[key], world.users[key], world.majors[key] = graduate.id, student_no, major.id
    db.session.commit()
    return world


def _delete_referencing(table: str, ids: list[int]) -> None:
    """Rows of any table that point at these ids (notifications, preferences… added by other features)."""
    for other in reversed(db.Model.metadata.sorted_tables):
        for column in other.columns:
            if any(fk.column.table.name == table and fk.column.name == "id" for fk in column.foreign_keys):
                db.session.execute(delete(other).where(column.in_(ids)))


def destroy_world(world: World) -> None:
    """Everything the world created, in foreign-key order (audit rows stay: the log is append-only)."""
    db.session.rollback()
    ids = list(world.graduates.values())
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(ids)))
    db.session.execute(delete(ChangeRequest).where(ChangeRequest.graduate_id.in_(ids)))
    _delete_referencing("graduate", ids)
    db.session.execute(delete(Graduate).where(Graduate.id.in_(ids)))
    record_ids = list(db.session.execute(select(RegistryRecord.id).where(
        RegistryRecord.cohort_id == world.cohort_id)).scalars())
    _delete_referencing("registry_record", record_ids)
    db.session.execute(delete(RegistryRecord).where(RegistryRecord.id.in_(record_ids)))
    users = list(db.session.execute(select(User).where(User.username.in_(world.users.values()))).scalars())
    _delete_referencing("ab_user", [u.id for u in users])
    for user in users:
        db.session.delete(user)
    db.session.flush()
    db.session.execute(delete(Cohort).where(Cohort.id == world.cohort_id))
    db.session.commit()


@pytest.fixture(scope="module", name="world")
def world_fixture(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A module's world, with evidence stored in a temporary folder; import `world_fixture` to use it."""
    previous = app.config.get("GEMS_EVIDENCE_DIR")
    app.config["GEMS_EVIDENCE_DIR"] = str(tmp_path_factory.mktemp("evidence"))
    with app.app_context():
        built = build_world()
    yield built
    with app.app_context():
        destroy_world(built)
    app.config["GEMS_EVIDENCE_DIR"] = previous
