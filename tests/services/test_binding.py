"""SRC-1 binding: full agreement binds and pre-fills, any disagreement is explained without leaking others' data."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.registry import RegistryRecord
from app.services import binding
from app.services.student_accounts import create_on_first_login
from tests.views.student_support import (  # noqa: F401
    Student,
    StudentFactory,
    bind_inputs,
    students_fixture,
)


def _bind(student: Student, **overrides: str) -> binding.BindResult:
    user = create_on_first_login(student.student_no, student.password)
    assert user is not None
    graduate = db.session.get(Graduate, student.graduate_id)
    return binding.bind(user, graduate, binding.BindInput(**bind_inputs(student, **overrides)))


def _audit_count(action: str, student: Student) -> int:
    """Entries the student's own account wrote (ids may be reused across tests, user names are not)."""
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == action, AuditLog.actor_name == student.student_no)).scalar_one()


def test_binding_links_record_saves_mobile_and_prefills_only_empty_fields(ctx: Any,
                                                                          students: StudentFactory) -> None:
    """Success: linked, bound_at set, mobile saved, empty fields filled from the registry, filled ones kept."""
    student = students(link_registry=False, origin=None, exam_no=None, political_status="01")
    result = _bind(student, id_number=student.id_number.lower(), name=f" {student.name} ")
    assert result.ok, result
    graduate = db.session.get(Graduate, student.graduate_id)
    record = db.session.get(RegistryRecord, student.registry_id)
    assert graduate.registry_record_id == record.id and graduate.bound_at is not None
    assert graduate.mobile == "13800138000"
    assert graduate.origin == record.origin and graduate.exam_no == record.exam_no
    assert graduate.political_status == "01" != record.political_status
    assert _audit_count("student.bound", student) == 1
    saved = db.session.execute(select(AuditLog.detail).where(
        AuditLog.action == "graduate.form_saved", AuditLog.actor_name == student.student_no)).scalar_one()
    assert '"origin": [null, "湖南省岳阳县"]' in saved


@pytest.mark.parametrize("field,label", [("name", "姓名"), ("id_number", "身份证号"), ("education_level", "学历"),
                                         ("graduation_year", "毕业年份")])
def test_each_disagreeing_item_is_named(ctx: Any, students: StudentFactory, field: str, label: str) -> None:
    """A failure names exactly the entered item that differs from this student's own record, and binds nothing."""
    student = students()
    wrong = {"name": "王五", "id_number": "110101199003070038", "education_level": "11",
             "graduation_year": str(student.year - 1)}[field]
    result = _bind(student, **{field: wrong})
    assert not result.ok and result.mismatched == [label] and label in result.message
    assert db.session.get(Graduate, student.graduate_id).bound_at is None
    assert _audit_count(binding.FAILED, student) == 1


def test_inputs_are_validated_before_any_lookup(ctx: Any, students: StudentFactory) -> None:
    """A wrong ID checksum or mobile is explained per field and does not count as a lookup."""
    student = students()
    bad_id = student.id_number[:17] + ("0" if student.id_number[17] != "0" else "1")
    result = _bind(student, id_number=bad_id, mobile="12345")
    assert set(result.input_errors) == {"id_number", "mobile"} and "校验位" in result.input_errors["id_number"]
    assert _audit_count(binding.FAILED, student) == 0


def test_record_bound_to_someone_else_is_refused(ctx: Any, students: StudentFactory) -> None:
    """The registry record for my student number already linked to another graduate: refused, not re-linked."""
    mine = students(link_registry=False)
    other = students(link_registry=False)
    db.session.get(Graduate, other.graduate_id).registry_record_id = mine.registry_id
    db.session.commit()
    result = _bind(mine)
    assert not result.ok and "已与其他毕业生绑定" in result.message
    assert db.session.get(Graduate, mine.graduate_id).registry_record_id is None


def test_fallback_by_id_binds_but_never_describes_someone_elses_record(ctx: Any, students: StudentFactory) -> None:
    """No record under my student number: an unlinked record with my ID binds on full agreement; a partial
    agreement gets a generic notice that names no item (the record might be another person's)."""
    student = students(registry=False)
    graduate = db.session.get(Graduate, student.graduate_id)
    record = RegistryRecord(cohort_id=graduate.cohort_id, department_id=graduate.department_id,
                            student_no=student.student_no + "R", id_number=student.id_number, name=student.name,
                            education_level="31", graduation_date=datetime.date(student.year, 6, 30))
    db.session.add(record)
    db.session.commit()
    try:
        refused = _bind(student, name="李四")
        assert not refused.ok and refused.mismatched == [] and "李四" not in refused.message
        assert student.name not in refused.message
        user = db.session.execute(select(Graduate.user_id).where(Graduate.id == student.graduate_id)).scalar()
        from app.models.user import User

        ok = binding.bind(db.session.get(User, user), db.session.get(Graduate, student.graduate_id),
                          binding.BindInput(**bind_inputs(student)))
        assert ok.ok and db.session.get(Graduate, student.graduate_id).registry_record_id == record.id
    finally:
        db.session.rollback()
        db.session.execute(db.update(Graduate).where(Graduate.id == student.graduate_id)
                           .values(registry_record_id=None))
        db.session.execute(delete(RegistryRecord).where(RegistryRecord.id == record.id))
        db.session.commit()


def test_failed_lookups_are_limited_per_account(ctx: Any, students: StudentFactory, app: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """After the hourly number of failed lookups even correct data is refused, so IDs cannot be enumerated."""
    monkeypatch.setitem(app.config, "GEMS_BIND_ATTEMPTS_PER_HOUR", 2)
    student = students()
    user = create_on_first_login(student.student_no, student.password)
    graduate = db.session.get(Graduate, student.graduate_id)
    for _attempt in range(2):
        assert binding.bind(user, graduate, binding.BindInput(**bind_inputs(student, name="王五"))).mismatched
    assert binding.attempts_left(user) == 0
    blocked = binding.bind(user, graduate, binding.BindInput(**bind_inputs(student)))
    assert not blocked.ok and "次数过多" in blocked.message
    assert db.session.get(Graduate, student.graduate_id).bound_at is None
