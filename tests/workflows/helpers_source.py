"""Shared rows and probes for the SRC-7 workflow tests: own graduates and students, audit counts, clean-up."""
from __future__ import annotations

import contextlib
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort, Department
from app.models.user import User
from app.security.roles import STUDENT
from app.services import source_form

CHINESE = re.compile(r"[\u4e00-\u9fff]")
AUDIT_PREFIX = "workflow.source_info."
# the columns SRC-6 shows the student; a refused action must leave every one of them as it was
SNAPSHOT = (Graduate.status, Graduate.version, Graduate.college_decision, Graduate.college_remark,
            Graduate.school_decision, Graduate.school_remark, Graduate.submitted_at)


def user(username: str) -> User:
    """A demo (or own) account by user name, roles loaded."""
    found = db.session.execute(select(User).where(User.username == username)).scalar_one()
    found.roles  # noqa: B018 - load before use (and before a race)
    return found


def department_id(code: str) -> int:
    """The id of a demo department by its code (101 = college_a, 102 = college_b)."""
    return db.session.execute(select(Department.id).where(Department.code == code)).scalar_one()


def demo_cohort_id() -> int:
    """The demo (current) cohort every own graduate belongs to."""
    return db.session.execute(select(Cohort.id).where(Cohort.is_current.is_(True))).scalars().first()


def unique_no() -> str:
    """A student number no demo row or other test uses."""
    return "9" + uuid.uuid4().int.__str__()[:11]


def make_students(dept_codes: Iterable[str]) -> list[User]:
    """Own student accounts (role 毕业生), one per department code; no usable password, they never sign in."""
    sm_role = current_app.appbuilder.sm.find_role(STUDENT)
    users = []
    for dept in [department_id(code) for code in dept_codes]:
        no = unique_no()
        users.append(User(username=no, first_name="测试学生", last_name=no[-4:], email=f"{no}@test.gems.invalid",
                          active=True, department_id=dept, password="!", roles=[sm_role]))
    db.session.add_all(users)
    db.session.commit()
    return users


def make_graduates(dept_codes: list[str], owners: list[User | None] | None = None) -> list[int]:
    """Own graduates in the demo cohort, initial state draft, linked to `owners` when given."""
    cohort = demo_cohort_id()
    owners = owners or [None] * len(dept_codes)
    rows = []
    for code, owner in zip(dept_codes, owners):
        rows.append(Graduate(
            student_no=owner.username if owner is not None else unique_no(), cohort_id=cohort,
            department_id=department_id(code), user_id=owner.id if owner is not None else None,
            name="测试" + uuid.uuid4().hex[:4], id_number=uuid.uuid4().hex[:18].upper(), gender="1",
            education_level="31", status="draft", version=1,
        ))
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def snapshot(ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The review state of each record, read straight from the database."""
    rows = db.session.execute(select(Graduate.id, *SNAPSHOT).where(Graduate.id.in_(ids)))
    return {row[0]: tuple(row[1:]) for row in rows}


def audit_counts(ids: list[int]) -> Counter[tuple[str, str]]:
    """(target id, trigger) -> number of workflow audit rows for these graduates."""
    rows = db.session.execute(
        select(AuditLog.target_id, AuditLog.action, func.count())
        .where(AuditLog.target_type == "source_info", AuditLog.target_id.in_([str(i) for i in ids]),
               AuditLog.action.like(AUDIT_PREFIX + "%"))
        .group_by(AuditLog.target_id, AuditLog.action)
    )
    return Counter({(target, action.removeprefix(AUDIT_PREFIX)): n for target, action, n in rows})


def remove_graduates(ids: list[int]) -> None:
    """Delete own graduates (audit rows stay: the log is append-only)."""
    db.session.rollback()
    if ids:
        db.session.execute(delete(Graduate).where(Graduate.id.in_(ids)))
    db.session.commit()


def remove_students(users: list[User]) -> None:
    """Delete own student accounts and the notifications the workflow sent them."""
    db.session.rollback()
    user_ids = [u.id for u in users]
    if user_ids:
        db.session.execute(delete(Notification).where(Notification.user_id.in_(user_ids)))
        db.session.execute(delete(Graduate).where(Graduate.user_id.in_(user_ids)))
        for account in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars():
            db.session.delete(account)
    db.session.commit()


@contextlib.contextmanager
def form_guard(problems: list[str] | None = None) -> Iterator[None]:
    """Replace the submit guard's helper (owned by the student-side work) with a fixed answer."""
    original = source_form.submission_problems
    source_form.submission_problems = lambda graduate: list(problems or [])  # type: ignore[assignment]
    try:
        yield
    finally:
        source_form.submission_problems = original  # type: ignore[assignment]
