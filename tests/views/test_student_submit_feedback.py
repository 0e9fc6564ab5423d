"""A refused submit lists every problem, each linking to its field; the submit asks for confirmation first."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

from app.extensions import db
from app.models.graduate import Graduate
from tests.views.student_support import (  # noqa: F401  (students_fixture is the `students` fixture)
    StudentFactory,
    bind_inputs,
    form_data,
    signed_in,
    students_fixture,
)


def _bound(app: Any, students: StudentFactory) -> tuple[Any, Any]:
    student = students()
    b = signed_in(app, student)
    assert b.post_form("/student/bind/", bind_inputs(student)).status_code == 302
    return student, b


def test_refused_submit_lists_every_problem_with_a_link_to_its_field(app: Any, students: StudentFactory) -> None:
    student, b = _bound(app, students)
    data = form_data(app, student, police_station="湖南省岳阳市派出所", mobile="12345", archive_unit="")
    response = b.post_form("/student/source/", {**data, "action": "submit"})
    page = unescape(b.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Graduate, student.graduate_id).status == "draft"
    summary = re.search(r'id="gems-problems".*?</ol>', page, re.S)
    assert summary, "no problem list"
    links = re.findall(r'<a href="#(f-[a-z_]+)"', summary.group(0))
    assert links == ["f-archive_unit", "f-police_station", "f-mobile"]  # all three, in form order
    for anchor in links:
        assert f'id="{anchor}"' in page  # each link lands on its field
    assert "表单尚未填写完整：还有 3 项需要处理" in page


def test_a_clean_form_shows_no_list_and_the_submit_asks_first(app: Any, students: StudentFactory) -> None:
    student, b = _bound(app, students)
    response = b.post_form("/student/source/", {**form_data(app, student), "action": "save"})
    page = unescape(b.get(response.headers["Location"]).get_data(as_text=True))
    assert 'id="gems-problems"' not in page
    dialog = re.search(r'id="gems-submit-confirm".*?id="gems-submit-confirmed"', page, re.S)
    assert dialog and "提交后表单将被锁定" in dialog.group(0) and "先由所在学院审核" in dialog.group(0)
    assert "<script>" not in page.split('id="gems-submit-confirm"', 1)[1].split("</div>", 1)[0]
