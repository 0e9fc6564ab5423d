"""X-3 / scope: a student reaches only their own record, whatever ids they put in URLs or posts."""
from __future__ import annotations

from html import unescape
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.user import User
from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT
from tests.views.student_support import (  # noqa: F401
    StudentFactory,
    bind_inputs,
    form_data,
    signed_in,
    students_fixture,
)


def test_other_students_data_never_reachable(app: Any, students: StudentFactory) -> None:
    """Student A's pages, checks and posts (with B's ids added anywhere) never show or change B's record."""
    a, b_student = students(), students()
    b = signed_in(app, a)
    b.post_form("/student/bind/", bind_inputs(a))
    with app.app_context():
        before = {c.key: getattr(db.session.get(Graduate, b_student.graduate_id), c.key)
                  for c in Graduate.__table__.columns}
    for url in ("/student/source/", f"/student/source/?id={b_student.graduate_id}",
                f"/student/source/?graduate_id={b_student.graduate_id}"):
        page = unescape(b.get(url).get_data(as_text=True))
        assert b_student.id_number not in page and b_student.student_no not in page and a.id_number in page
    assert b.get(f"/student/source/{b_student.graduate_id}").status_code == 404
    data = form_data(app, a, origin="北京市海淀区", id=str(b_student.graduate_id),
                     graduate_id=str(b_student.graduate_id), id_number=b_student.id_number,
                     student_no=b_student.student_no)
    b.post_form(f"/student/source/?id={b_student.graduate_id}", {**data, "action": "save"},
                token_from="/student/source/")
    with app.app_context():
        after = {c.key: getattr(db.session.get(Graduate, b_student.graduate_id), c.key)
                 for c in Graduate.__table__.columns}
        mine = db.session.get(Graduate, a.graduate_id)
        assert after == before
        assert mine.origin == "北京市海淀区" and mine.id_number == a.id_number and mine.student_no == a.student_no


def test_binding_with_someone_elses_identity_reveals_nothing(app: Any, students: StudentFactory) -> None:
    """Typing another student's name and ID on my binding page binds nothing and shows none of their data."""
    a, other = students(), students()
    b = signed_in(app, a)
    response = b.post_form("/student/bind/", bind_inputs(a, name=other.name, id_number=other.id_number))
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "gems-bind-failed" in page
    with app.app_context():
        assert db.session.get(Graduate, a.graduate_id).bound_at is None
        assert db.session.get(Graduate, other.graduate_id).bound_at is None
        other_row = db.session.get(Graduate, other.graduate_id)
        assert other_row.registry_record.student_no not in page


def test_only_students_hold_the_student_pages(app: Any) -> None:
    """The StudentSourceInfo permission and menu belong to 毕业生 only, never to staff roles."""
    sm = app.appbuilder.sm
    with app.app_context():
        for name in (SCHOOL, COLLEGE):
            role = sm.find_role(name)
            assert not any(pv.view_menu.name in ("StudentSourceInfo", "MySourceInfo") for pv in role.permissions)
        student = sm.find_role(STUDENT)
        assert any(pv.view_menu.name == "StudentSourceInfo" and pv.permission.name == "can_access"
                   for pv in student.permissions)
        assert sm.find_role(ADMIN) is not None


def test_staff_get_no_student_record(app: Any, as_role: Any) -> None:
    """A reviewer is refused the page; the admin (who holds every permission) sees no one's record, not the first."""
    college = as_role("college_a")
    assert college.get("/student/source/").status_code in (302, 403)
    admin = as_role("admin")
    page = unescape(admin.get("/student/source/").get_data(as_text=True))
    assert 'id="gems-no-record"' in page
    with app.app_context():
        some = db.session.execute(select(Graduate).limit(1)).scalar_one()
        assert some.id_number not in page
        assert db.session.execute(select(User).where(User.username == "admin")).scalar_one() is not None
