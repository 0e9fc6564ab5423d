"""Test data for the student's side: a graduate (and registry record) of one's own, removed again after the test."""
from __future__ import annotations

import datetime
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Major
from app.models.registry import RegistryRecord
from app.models.security import LoginThrottle
from app.models.user import User
from app.services.accounts import hash_password
from app.services.demo import id_number
from app.validation.idcard import check_digit
from tests.conftest import DEMO_PASSWORD, Browser, assert_signed_in

NEW_PASSWORD = "Stud@2026pass"
# a form that passes every rule once pre-filled from the registry (see registry_row below)
COMPLETE_FORM = {
    "current_household": "湖南省岳阳县荣家湾镇", "archive_unit": "岳阳县第一中学",
    "police_station": "湖南省岳阳县荣家湾派出所", "home_province": "湖南省", "home_city": "岳阳县",
    "home_town": "荣家湾镇", "home_street": "建设路8号", "mobile": "13800138000", "home_phone": "0730-7621234",
    "email": "",
}


@dataclass
class Student:
    """What a test needs to know about the graduate it created."""

    graduate_id: int
    registry_id: int | None
    student_no: str
    id_number: str
    name: str
    year: int

    @property
    def password(self) -> str:
        return self.id_number[-6:]


_FACTORIES = itertools.count(1)


def _unique_no() -> str:
    return f"T{uuid.uuid4().int % 10**11:011d}"


def registry_row(cohort: Cohort, major: Major, student_no: str, rng: random.Random) -> dict[str, Any]:
    """A registry row with a valid ID number from 湖南省岳阳县 (so the complete form's archive parts fit)."""
    birth = datetime.date(cohort.year - 22, 1, 1) + datetime.timedelta(days=rng.randrange(0, 700))
    male = rng.random() < 0.5
    body = "430621" + id_number(rng, birth, male)[6:17]
    number = body + check_digit(body)
    exam_no = f"{(cohort.year - 4) % 100:02d}43{rng.randrange(10**9, 10**10)}"
    return {
        "cohort_id": cohort.id, "department_id": major.department_id, "student_no": student_no,
        "id_number": number, "name": "测试" + "".join(rng.choice("明华伟芳静") for _ in range(2)),
        "gender": "1" if male else "2", "birth_date": birth, "ethnicity": "01", "political_status": "03",
        "student_category": "mainland", "origin": "湖南省岳阳县", "origin_code": "430621", "exam_no": exam_no,
        "major_code": major.code, "major_name": major.name, "education_level": "31", "schooling_length": "4",
        "training_mode": "1", "training_unit": None, "enrolment_date": datetime.date(cohort.year - 4, 9, 1),
        "graduation_date": datetime.date(cohort.year, 6, 30), "included": True,
    }


class StudentFactory:
    """Creates graduates like a registry import leaves them; forgets them (and their accounts) afterwards."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.created: list[Student] = []
        self.extra_usernames: list[str] = []
        # reproducible from the printed --randomly-seed, and distinct per factory (pytest-randomly reseeds `random`
        # before every test, so the seed alone would give every test the same ID numbers)
        self.rng = random.Random(f"{random.getrandbits(64)}-{next(_FACTORIES)}")

    def __call__(self, *, registry: bool = True, link_registry: bool = True, included: bool = True,
                 major_index: int = 0, **graduate_fields: Any) -> Student:
        with self.app.app_context():
            cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalar_one()  # the demo's
            major = db.session.execute(select(Major).order_by(Major.id)).scalars().all()[major_index]
            student_no = _unique_no()
            row = registry_row(cohort, major, student_no, self.rng)
            record_id = None
            if registry:
                record = RegistryRecord(**row)
                db.session.add(record)
                db.session.flush()
                record_id = record.id
            form = {k: row[k] for k in ("name", "gender", "birth_date", "ethnicity", "political_status",
                                        "student_category", "origin", "origin_code", "exam_no", "education_level",
                                        "schooling_length", "training_mode", "training_unit", "enrolment_date",
                                        "graduation_date")}
            form.update(graduate_fields)
            graduate = Graduate(student_no=student_no, id_number=row["id_number"], cohort_id=cohort.id,
                                department_id=major.department_id, major_id=major.id, included=included,
                                registry_record_id=record_id if link_registry else None, status="draft",
                                version=1, **form)
            db.session.add(graduate)
            db.session.commit()
            student = Student(graduate.id, record_id, student_no, row["id_number"], row["name"], cohort.year)
        self.created.append(student)
        return student

    def cleanup(self) -> None:
        """Remove the graduates, records and accounts, and any row other features hung on them (notifications…)."""
        with self.app.app_context():
            db.session.rollback()
            graduate_ids = [s.graduate_id for s in self.created]
            names = [s.student_no for s in self.created] + self.extra_usernames
            user_ids = list(db.session.execute(select(User.id).where(User.username.in_(names))).scalars())
            user_ids += [u for u in db.session.execute(select(Graduate.user_id).where(
                Graduate.id.in_(graduate_ids))).scalars() if u is not None and u not in user_ids]
            _delete_referencing("graduate", graduate_ids)
            db.session.execute(delete(Graduate).where(Graduate.id.in_(graduate_ids)))
            record_ids = [s.registry_id for s in self.created if s.registry_id]
            _delete_referencing("registry_record", record_ids)
            db.session.execute(delete(RegistryRecord).where(RegistryRecord.id.in_(record_ids)))
            _delete_referencing("ab_user", user_ids, keep=("ab_user_role",))
            for user in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars():
                user.roles = []
                db.session.delete(user)  # through the ORM, so the role links go too
            db.session.execute(delete(LoginThrottle).where(LoginThrottle.username.in_([n.lower() for n in names])))
            db.session.commit()


def _delete_referencing(table: str, ids: list[int], keep: tuple[str, ...] = ()) -> None:
    """Delete rows of any table with a foreign key to `table`.id among `ids` (other features' rows)."""
    if not ids:
        return
    for other in reversed(db.metadata.sorted_tables):
        if other.name in keep:
            continue
        for column in other.columns:
            if any(fk.column.table.name == table and fk.column.name == "id" for fk in column.foreign_keys):
                if other.name == table:
                    db.session.execute(other.update().where(column.in_(ids)).values({column.name: None}))
                else:
                    db.session.execute(delete(other).where(column.in_(ids)))


@pytest.fixture(name="students")
def students_fixture(app: Any) -> Iterator[StudentFactory]:
    """`students(...)` creates a graduate for this test; import `students_fixture` to use it."""
    factory = StudentFactory(app)
    yield factory
    factory.cleanup()


def _flashes(b: Browser) -> list[Any]:
    """The messages a refused sign-in left for the user (shown in a failing assertion)."""
    with b.client.session_transaction() as session:
        return list(session.get("_flashes", []))


def signed_in(app: Any, student: Student, change_password: bool = True) -> Browser:
    """A browser in which the student signed in for the first time (account created) and set a new password."""
    b = Browser(app.test_client())
    response = b.login(student.student_no, student.password)
    assert response.status_code == 302 and "/resetmypassword/form" in response.headers["Location"], (
        response.status_code, response.headers.get("Location"), _flashes(b))
    if change_password:
        response = b.post_form("/resetmypassword/form", {"old_password": student.password, "password": NEW_PASSWORD,
                                                         "conf_password": NEW_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert_signed_in(b, student.student_no)
    return b


def bind_inputs(student: Student, **overrides: str) -> dict[str, str]:
    data = {"name": student.name, "id_number": student.id_number, "education_level": "31",
            "graduation_year": str(student.year), "mobile": "13800138000"}
    data.update(overrides)
    return data


def form_data(app: Any, student: Student, **overrides: str) -> dict[str, str]:
    """The stored form as a browser would post it, with the archive and contact parts filled in correctly."""
    from app.services.source_form import values_of

    with app.app_context():
        values = values_of(db.session.get(Graduate, student.graduate_id))
    values.update(COMPLETE_FORM)
    values.update(overrides)
    return values


def demo_student_browser(app: Any, last: bool = False) -> Browser:
    """The first (or last) demo student of class 2022101, given a set password so pages are not redirected to the
    change form, signed in (proven)."""
    order = User.username.desc() if last else User.username
    with app.app_context():
        user = db.session.execute(select(User).where(User.username.like("2022101%")).order_by(order)).scalars().first()
        user.password, user.must_change_password = hash_password(DEMO_PASSWORD), False
        db.session.commit()
        name = user.username
    b = Browser(app.test_client())
    b.login_proven(name)
    return b
