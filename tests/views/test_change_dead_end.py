"""申请异动 with nothing to apply for says why and what to do instead, not only "no requests yet"."""
from __future__ import annotations

import datetime
from typing import Any

from app.extensions import db
from app.models.graduate import Graduate
from tests.views.student_support import signed_in, students_fixture  # noqa: F401  (the `students` fixture)

BOUND = {"bound_at": datetime.datetime(2026, 3, 1, 8, 0)}  # bound to the registry record, so fields are compared


def test_completed_record_explains_why_and_where_to_go(app: Any, students: Any) -> None:
    student = students(**BOUND)
    with app.app_context():
        db.session.get(Graduate, student.graduate_id).status = "complete"
        db.session.commit()
    html = signed_in(app, student).get("/student/changes/").get_data(as_text=True)
    assert 'id="gems-no-change-possible"' in html
    assert "已经学校审核通过" in html and "联系所在学院的就业工作人员" in html
    assert 'href="/" id="gems-no-change-next"' in html


def test_matching_record_says_there_is_nothing_to_apply_for(app: Any, students: Any) -> None:
    html = signed_in(app, students(**BOUND)).get("/student/changes/").get_data(as_text=True)
    assert "关键字段都与学籍库一致" in html and "已经学校审核通过" not in html
    assert 'href="/student/source/" id="gems-no-change-next"' in html


def test_unbound_record_says_it_was_not_compared(app: Any, students: Any) -> None:
    html = signed_in(app, students(link_registry=False)).get("/student/changes/").get_data(as_text=True)
    assert "尚未与学籍库比对" in html


def test_a_differing_field_is_offered_instead(app: Any, students: Any) -> None:
    html = signed_in(app, students(origin="湖南省平江县", origin_code="430626", **BOUND)).get(
        "/student/changes/").get_data(as_text=True)
    assert 'id="gems-open-fields"' in html and 'id="gems-no-change-possible"' not in html
