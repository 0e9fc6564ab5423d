"""The student's journey through binding and the source form (SRC-1…SRC-6) via the test client."""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.user import User
from app.workflows.engine import fire
from app.workflows.source_info import SOURCE_INFO
from tests.conftest import Browser, assert_signed_in
from tests.views.student_support import (  # noqa: F401
    NEW_PASSWORD,
    Student,
    StudentFactory,
    bind_inputs,
    form_data,
    signed_in,
    students_fixture,
)


def _graduate(app: Any, student: Student) -> Graduate:
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        db.session.expunge(graduate)
        return graduate


def _bound(app: Any, students: StudentFactory, **fields: Any) -> tuple[Student, Any]:
    student = students(**fields)
    b = signed_in(app, student)
    assert b.post_form("/student/bind/", bind_inputs(student)).status_code == 302
    return student, b


def _text(response: Any) -> str:
    return unescape(response.get_data(as_text=True))


def test_unbound_student_is_sent_to_binding_and_bound_one_to_the_form(app: Any, students: StudentFactory) -> None:
    """SRC-1: first the binding page; after binding the form, with the success notice; binding is not offered again."""
    student = students()
    b = signed_in(app, student)
    home = _text(b.get("/"))
    assert "未提交" in home and "填写我的生源信息" in home and 'href="/student/source/"' in home
    assert b.get("/student/source/").headers["Location"].endswith("/student/bind/")
    response = b.post_form("/student/bind/", bind_inputs(student))
    assert response.headers["Location"].endswith("/student/source/")
    page = _text(b.get("/student/source/"))
    assert "绑定成功" in page and student.id_number in page
    assert b.get("/student/bind/").headers["Location"].endswith("/student/source/")


def test_binding_failure_shows_red_notice_and_manual_way_out(app: Any, students: StudentFactory) -> None:
    """A mismatch is named in a red notice; 继续人工填写 leads to the form with every key field 未比对."""
    student = students()
    b = signed_in(app, student)
    response = b.post_form("/student/bind/", bind_inputs(student, name="王五"))
    page = _text(response)
    assert response.status_code == 422 and 'id="gems-bind-failed"' in page and "姓名" in page
    assert "继续人工填写" in page
    response = b.post_form("/student/bind/manual", {}, token_from="/student/bind/")
    assert response.headers["Location"].endswith("/student/source/")
    page = _text(b.get("/student/source/"))
    assert page.count("gems-flag-nc") == 11 and "gems-flag-mm" not in page
    assert _graduate(app, student).bound_at is None


def test_manual_filling_is_remembered_at_the_next_sign_in(app: Any, students: StudentFactory) -> None:
    """继续人工填写 is not asked again after signing out and in: the choice outlives the session."""
    student = students()
    b = signed_in(app, student)
    b.post_form("/student/bind/", bind_inputs(student, name="王五"))
    b.post_form("/student/bind/manual", {}, token_from="/student/bind/")
    again = Browser(app.test_client())
    again.login(student.student_no, NEW_PASSWORD)
    assert_signed_in(again, student.student_no)
    assert again.get("/student/source/").status_code == 200
    other = students()
    assert signed_in(app, other).get("/student/source/").headers["Location"].endswith("/student/bind/")


def test_mismatch_badge_shows_registry_value_and_change_link(app: Any, students: StudentFactory) -> None:
    """SRC-4: a field differing from the registry shows 不匹配 with the registry value and a 申请异动 link."""
    student, b = _bound(app, students)
    data = form_data(app, student, exam_no="22430000000000")
    b.post_form("/student/source/", {**data, "action": "save"})
    page = _text(b.get("/student/source/"))
    with app.app_context():
        registry_exam_no = db.session.get(Graduate, student.graduate_id).registry_record.exam_no
    assert re.search(r'gems-flag-mm" data-key="exam_no"[^>]*title="学籍库原值：' + registry_exam_no, page)
    assert "/student/changes/new?field=exam_no" in page and "申请异动" in page
    assert 'data-key="name"' not in page  # matching fields carry no flag
    assert 'data-key="training_unit"' not in page  # non-directed on both sides: nothing to compare


def test_save_draft_with_bad_origin_shows_suggestion_and_audits(app: Any, students: StudentFactory) -> None:
    """SRC-3/SRC-5: a wrong origin is saved as typed, the message and the one-click suggestion show under it,
    and the save is audited with old → new."""
    student, b = _bound(app, students)
    response = b.post_form("/student/source/", {**form_data(app, student, origin="湖南省岳阳市岳阳县"),
                                                "action": "save"})
    assert response.status_code == 302 and "checked=1" in response.headers["Location"]
    page = _text(b.get(response.headers["Location"]))
    assert "您是不是要填写：湖南省岳阳县？" in page and 'data-value="湖南省岳阳县"' in page
    assert _graduate(app, student).origin == "湖南省岳阳市岳阳县"
    with app.app_context():
        detail = db.session.execute(select(AuditLog.detail).where(
            AuditLog.action == "graduate.form_saved", AuditLog.actor_name == student.student_no)
            .order_by(AuditLog.id.desc())).scalars().first()
    assert json.loads(detail)["changes"]["origin"] == ["湖南省岳阳县", "湖南省岳阳市岳阳县"]


def test_submit_refused_with_reason_then_fixed_and_read_only(app: Any, students: StudentFactory) -> None:
    """Submit is refused with the engine's reason while a rule fails; fixed, it becomes 二级待审 and read-only."""
    student, b = _bound(app, students)
    data = form_data(app, student, police_station="湖南省岳阳市派出所")
    response = b.post_form("/student/source/", {**data, "action": "submit"})
    page = _text(b.get(response.headers["Location"]))
    assert "表单尚未填写完整" in page and "入学前户口所在地派出所" in page
    assert _graduate(app, student).status == "draft"
    data["police_station"] = "湖南省岳阳县荣家湾派出所"
    response = b.post_form("/student/source/", {**data, "action": "submit"})
    page = _text(b.get(response.headers["Location"]))
    assert _graduate(app, student).status == "secondary" and "二级待审" in page
    assert 'id="gems-submit"' not in page and 'name="origin"' in page and "disabled" in page
    before = _graduate(app, student).origin
    b.post_form("/student/source/", {**data, "origin": "北京市海淀区", "action": "save"})
    assert _graduate(app, student).origin == before


def test_unstorable_values_save_nothing(app: Any, students: StudentFactory) -> None:
    """An impossible date or an oversize value is refused with a message; nothing of the post is stored."""
    student, b = _bound(app, students)
    data = form_data(app, student, enrolment_date="2022-02-30", archive_unit="很长" * 60, origin="北京市海淀区")
    response = b.post_form("/student/source/", {**data, "action": "save"})
    page = _text(response)
    assert response.status_code == 422 and "未保存" in page and "真实存在的日期" in page
    assert _graduate(app, student).origin == "湖南省岳阳县"


def test_field_check_endpoint_answers_per_field(app: Any, students: StudentFactory) -> None:
    """The as-you-type check returns the message and the suggestion, and requires the CSRF token."""
    student, b = _bound(app, students)
    data = form_data(app, student, origin="湖南省岳阳市岳阳县")
    token = b.token("/student/source/")
    answer = b.client.post("/student/source/check/origin", data=data, headers={"X-CSRFToken": token}).get_json()
    assert answer["ok"] is False and answer["suggestion"] == "湖南省岳阳县" and "您是不是要填写" in answer["offer"]
    good = b.client.post("/student/source/check/home_phone", data=data, headers={"X-CSRFToken": token})
    assert good.get_json() == {"ok": True}
    assert b.client.post("/student/source/check/origin", data=data).status_code == 400


def test_hmt_student_does_not_see_current_household(app: Any, students: StudentFactory) -> None:
    """SRC-2: the 现户口所在地 row is hidden for HK/Macau/Taiwan students and shown for mainland students."""
    _student, b = _bound(app, students, student_category="hk")
    page = _text(b.get("/student/source/"))
    assert re.search(r'id="row-current_household"\s+hidden', page)
    _other, b2 = _bound(app, students)
    assert not re.search(r'id="row-current_household"\s+hidden', _text(b2.get("/student/source/")))


def test_rejection_reopens_and_completion_locks(app: Any, students: StudentFactory) -> None:
    """SRC-6: the remark of a rejection shows and the form is editable again; once complete it never is."""
    student, b = _bound(app, students)
    b.post_form("/student/source/", {**form_data(app, student), "action": "submit"})
    assert _graduate(app, student).status == "secondary"
    with app.test_request_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        assert fire(SOURCE_INFO, "reject", student.graduate_id, college, remark="生源地请核对户籍证明").ok
    page = _text(b.get("/student/source/"))
    assert "不同意" in page and "生源地请核对户籍证明" in page and 'id="gems-submit"' in page
    b.post_form("/student/source/", {**form_data(app, student), "action": "submit"})
    with app.test_request_context():
        college = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
        assert fire(SOURCE_INFO, "approve_college", student.graduate_id, college).ok
        assert fire(SOURCE_INFO, "approve_school", student.graduate_id, school).ok
    page = _text(b.get("/student/source/"))
    assert "完成（校 已通过）" in page and 'id="gems-save"' not in page
    b.post_form("/student/source/", {**form_data(app, student, origin="北京市海淀区"), "action": "save"})
    assert _graduate(app, student).origin == "湖南省岳阳县"
    home = _text(b.get("/"))
    assert "完成（校 已通过）" in home and "查看我的生源信息" in home


def test_name_format_is_checked_not_only_compared(app: Any, students: StudentFactory) -> None:
    """A one-character name gets the format rule's message under the field, not only 不匹配."""
    student, b = _bound(app, students)
    response = b.post_form("/student/source/", {**form_data(app, student, name="X"), "action": "save"})
    page = _text(b.get(response.headers["Location"]))
    message = re.search(r'id="msg-name"[^>]*>(.*?)</p>', page, re.S)
    assert message and "姓名至少 2 个字符" in message.group(1)
