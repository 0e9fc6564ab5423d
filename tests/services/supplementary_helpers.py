"""Builders for REG-3 tests: valid supplementary reports with fresh student and ID numbers, and their cleanup."""
from __future__ import annotations

import datetime
import random
import uuid
from typing import Any

from sqlalchemy import delete, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.models.supplementary import SupplementaryReport
from app.models.user import User
from app.services.demo import id_number

PREFIX = "BB"  # student numbers of test reports; demo numbers start with the year
_rng = random.Random(random.getrandbits(64))  # reproducible from the printed --randomly-seed


def fresh_id(birth: datetime.date = datetime.date(2003, 5, 17), male: bool = True) -> str:
    """A valid 18-digit ID number that no roster row or report uses yet."""
    while True:
        number = id_number(_rng, birth, male)
        used = db.session.execute(select(Graduate.id).where(Graduate.id_number == number)).first() or \
            db.session.execute(select(SupplementaryReport.id).where(SupplementaryReport.id_number == number)).first()
        if not used:
            return number


def fresh_student_no() -> str:
    return f"{PREFIX}{uuid.uuid4().hex[:10]}"


def placement() -> tuple[Cohort, Department, Major]:
    """The demo cohort and a college with one of its majors."""
    cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalar_one()
    department = db.session.execute(select(User).where(User.username == "college_a")).scalar_one().department
    major = db.session.execute(select(Major).where(Major.department_id == department.id)).scalars().first()
    return cohort, department, major


def valid_values(**overrides: Any) -> dict[str, Any]:
    """Column values of a report that passes every rule."""
    cohort, department, major = placement()
    values: dict[str, Any] = {
        "cohort_id": cohort.id, "department_id": department.id, "major_id": major.id,
        "student_no": fresh_student_no(), "name": "补报测试", "id_number": fresh_id(),
        "birth_date": datetime.date(2003, 5, 17), "gender": "1", "ethnicity": "01",
        "political_status": "03", "education_level": "31", "schooling_length": "4", "training_mode": "1",
        "origin": "湖南省岳阳县", "origin_code": "430621", "exam_no": "22430621123456",
        "enrolment_date": datetime.date(2022, 9, 1), "graduation_date": datetime.date(2026, 6, 30),
        "reason": "学籍信息漏报", "status": "draft", "version": 1,
    }
    values.update(overrides)
    return values


def make_report(**overrides: Any) -> SupplementaryReport:
    """A saved draft report (inserted in its initial state, as the add form does)."""
    report = SupplementaryReport(**valid_values(**overrides))
    db.session.add(report)
    db.session.commit()
    return report


def cleanup() -> None:
    """Remove every test report and the graduates submitting them created."""
    db.session.rollback()
    graduate_ids = db.session.execute(select(SupplementaryReport.graduate_id).where(
        SupplementaryReport.student_no.like(f"{PREFIX}%"), SupplementaryReport.graduate_id.isnot(None))).scalars().all()
    db.session.execute(delete(SupplementaryReport).where(SupplementaryReport.student_no.like(f"{PREFIX}%")))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{PREFIX}%")))
    if graduate_ids:
        db.session.execute(delete(Graduate).where(Graduate.id.in_(graduate_ids)))
    db.session.commit()
