"""ORG-6: a student's first sign-in with the initial password creates the account once; nothing else creates one."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.user import User
from app.security.roles import STUDENT
from app.services import lockout
from app.validation.idcard import check_digit
from tests.conftest import Browser
from tests.views.student_support import (  # noqa: F401
    NEW_PASSWORD,
    StudentFactory,
    signed_in,
    students_fixture,
)


def _accounts(app: Any, username: str) -> list[User]:
    with app.app_context():
        users = db.session.execute(select(User).where(User.username == username)).scalars().all()
        for user in users:
            _ = [role.name for role in user.roles], user.department_id  # load before the context closes
        return users


def _created_entries(app: Any, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "account.created_on_first_login", AuditLog.detail.contains(username))).scalar_one()


def test_first_sign_in_creates_the_account_once_and_forces_a_change(app: Any, students: StudentFactory) -> None:
    """Right initial password: one 毕业生 account in the graduate's department, linked, must change the password."""
    student = students()
    b = Browser(app.test_client())
    response = b.login(student.student_no, student.password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/resetmypassword/form")
    [user] = _accounts(app, student.student_no)
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        assert graduate.user_id == user.id and user.department_id == graduate.department_id
    assert user.must_change_password and [r.name for r in user.roles] == [STUDENT]
    assert b.get("/student/source/").status_code == 302  # everything else waits for the new password
    b.logout()
    again = Browser(app.test_client()).login(student.student_no, student.password)
    assert again.status_code == 302
    assert len(_accounts(app, student.student_no)) == 1 and _created_entries(app, student.student_no) == 1


def test_lower_case_x_is_accepted(app: Any, students: StudentFactory) -> None:
    """An ID ending in X: typing the last six with a lower-case x works too."""
    student = students()
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        base = graduate.id_number[:14]
        number = next(n for n in (f"{base}{seq:03d}" for seq in range(1000)) if check_digit(n) == "X") + "X"
        graduate.id_number = number
        db.session.commit()
    response = Browser(app.test_client()).login(student.student_no, number[-6:].lower())
    assert response.status_code == 302 and response.headers["Location"].endswith("/resetmypassword/form")
    assert len(_accounts(app, student.student_no)) == 1


def test_wrong_password_creates_nothing_and_counts_a_failure(app: Any, students: StudentFactory) -> None:
    """A wrong password leaves no account behind and counts like any failed sign-in (lockout unchanged)."""
    student = students()
    wrong = "000000" if student.password != "000000" else "111111"
    response = Browser(app.test_client()).login(student.student_no, wrong)
    assert "/login" in response.headers.get("Location", "")
    assert _accounts(app, student.student_no) == []
    with app.test_request_context():
        assert lockout.failures(student.student_no) == 1


def test_excluded_or_linked_graduates_get_no_account(app: Any, students: StudentFactory) -> None:
    """An excluded graduate (REG-2) or one already linked to an account cannot create an account."""
    excluded = students(included=False, exclusion_reason="1")
    assert "/login" in Browser(app.test_client()).login(excluded.student_no, excluded.password).headers["Location"]
    assert _accounts(app, excluded.student_no) == []
    linked = students()
    other = f"{linked.student_no}-old"
    students.extra_usernames.append(other)
    with app.app_context():
        user = User(username=other, first_name="旧账号", last_name="", email=f"{other}@t.invalid", active=True)
        db.session.add(user)
        db.session.flush()
        db.session.get(Graduate, linked.graduate_id).user_id = user.id
        db.session.commit()
    assert "/login" in Browser(app.test_client()).login(linked.student_no, linked.password).headers["Location"]
    assert _accounts(app, linked.student_no) == []
    with app.test_request_context():
        assert lockout.failures(linked.student_no) == 1


def test_after_the_change_the_new_password_is_the_one(app: Any, students: StudentFactory) -> None:
    """Once changed, the initial password no longer signs in and does not create a second account."""
    student = students()
    signed_in(app, student)
    assert "/login" in Browser(app.test_client()).login(student.student_no, student.password).headers["Location"]
    ok = Browser(app.test_client()).login(student.student_no, NEW_PASSWORD)
    assert ok.status_code == 302 and "/login" not in ok.headers["Location"]
    assert len(_accounts(app, student.student_no)) == 1
