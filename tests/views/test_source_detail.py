"""SRC-9/SRC-12/CHG-2: the record page — flags, disabled buttons with reasons, reviewer edits, history, scope."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.models.registry import RegistryRecord
from tests.views.review_helpers import make_graduates, statuses


def _token(b: Any, pk: int) -> str:
    return b.token(f"/review/source/{pk}")


def test_other_college_record_is_404_everywhere(app: Any, as_role: Any) -> None:
    """college_a cannot open, edit, decide or copy on a college_b record: 404, nothing changes."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "102")[0]
    b = as_role("college_a")
    assert b.get(f"/review/source/{pk}").status_code == 404
    token = b.token("/review/source/")
    for url, data in ((f"/review/source/{pk}/decide", {"decision": "approve", "version": "1"}),
                      (f"/review/source/{pk}/edit", {"name": "篡改", "version": "1"}),
                      (f"/review/source/{pk}/copy-student-values", {})):
        assert b.client.post(url, data={"csrf_token": token, **data}).status_code == 404
    with app.app_context():
        graduate = db.session.get(Graduate, pk)
        assert graduate.status == "secondary" and graduate.name.startswith("测试")


def _row(page: str, label: str) -> str:
    """The comparison table's row for one key field (the page lists every field, so test the row, not the page)."""
    match = re.search(rf"<tr[^>]*><td>{label}</td>.*?</tr>", page.split('id="comparison"')[1], re.S)
    assert match, label
    return match.group(0)


def test_detail_shows_flags_and_disabled_buttons_with_reasons(app: Any, as_role: Any) -> None:
    """A mismatched key field is flagged with the registry value; approve-at-school is disabled with a reason."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101")[0]
        graduate = db.session.get(Graduate, pk)
        record = RegistryRecord(cohort_id=graduate.cohort_id, department_id=graduate.department_id,
                                student_no=graduate.student_no, id_number=graduate.id_number, name="别的名字",
                                gender="1", origin=None)
        db.session.add(record)
        db.session.flush()
        graduate.registry_record_id = record.id
        db.session.commit()
    page = as_role("school").get(f"/review/source/{pk}").get_data(as_text=True)
    assert "不匹配" in _row(page, "姓名") and "别的名字" in _row(page, "姓名")
    assert "fa-check" in _row(page, "性别") and "不匹配" not in _row(page, "性别")
    assert "未比对" in _row(page, "生源地")  # the registry has no origin: not compared, not flagged
    assert 'id="btn-approve"' in page and "disabled" in page.split('id="btn-approve"')[0][-200:]
    assert "院系尚未审核通过该记录" in page


def test_reviewer_edit_is_audited_and_shown_in_history(app: Any, as_role: Any) -> None:
    """SRC-12: a reviewer edits a pending record; the change history tab shows old → new with who."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101")[0]
    b = as_role("college_a")
    page = b.get(f"/review/source/{pk}").get_data(as_text=True)
    form = {"csrf_token": _token(b, pk), "version": "1"}
    with app.app_context():
        from app.services import source_form

        form.update(source_form.values_of(db.session.get(Graduate, pk)))
    form["archive_unit"] = "岳阳市第一中学"
    assert b.client.post(f"/review/source/{pk}/edit", data=form).status_code == 302
    page = b.get(f"/review/source/{pk}").get_data(as_text=True)
    history = page.split('id="change-history"')[1].split("</table>")[0]
    assert "岳阳县第一中学" in history and "岳阳市第一中学" in history and "college_a" in history
    stale = dict(form, archive_unit="再改一次")
    b.client.post(f"/review/source/{pk}/edit", data=stale)  # version 1 is stale now
    with app.app_context():
        assert db.session.get(Graduate, pk).archive_unit == "岳阳市第一中学"


def test_complete_records_cannot_be_edited(app: Any, as_role: Any) -> None:
    """SRC-12: nobody edits a complete record; the page says so instead of offering a form."""
    with app.app_context():
        pk = make_graduates(1, "complete", "101")[0]
    b = as_role("school")
    page = b.get(f"/review/source/{pk}").get_data(as_text=True)
    assert "不能再修改" in page
    b.client.post(f"/review/source/{pk}/edit", data={"csrf_token": _token(b, pk), "version": "1", "name": "改名"})
    with app.app_context():
        assert db.session.get(Graduate, pk).name != "改名"


def test_single_decisions_and_review_log(app: Any, as_role: Any) -> None:
    """Reject needs a reason; approve at both levels through the page; the review log lists each step."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101")[0]
    college, school = as_role("college_a"), as_role("school")
    college.client.post(f"/review/source/{pk}/decide", data={"csrf_token": _token(college, pk), "version": "1",
                                                             "decision": "reject"})
    with app.app_context():
        assert statuses([pk])[pk] == "secondary"
    college.client.post(f"/review/source/{pk}/decide", data={"csrf_token": _token(college, pk), "version": "1",
                                                             "decision": "approve"})
    school.client.post(f"/review/source/{pk}/decide", data={"csrf_token": _token(school, pk), "version": "2",
                                                            "decision": "approve", "remark": "信息无误"})
    with app.app_context():
        assert statuses([pk])[pk] == "complete"
    page = school.get(f"/review/source/{pk}").get_data(as_text=True)
    log = page.split('id="review-log"')[1].split("</table>")[0]
    assert "院系审核通过" in log and "学校审核通过" in log and "信息无误" in log


def test_stale_version_decision_is_refused(app: Any, as_role: Any) -> None:
    """A decision taken on an outdated page is refused with the concurrent-change message."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101", version=3)[0]
    b = as_role("college_a")
    b.client.post(f"/review/source/{pk}/decide", data={"csrf_token": _token(b, pk), "version": "2",
                                                       "decision": "approve"})
    with app.app_context():
        assert statuses([pk])[pk] == "secondary"
    assert "您打开该记录后已有其他人修改过它" in b.get(f"/review/source/{pk}").get_data(as_text=True)


def test_copy_student_values_applies_pending_change_requests(app: Any, as_role: Any) -> None:
    """One click approves every pending change request, so the official value takes the student's value."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101")[0]
        db.session.add(ChangeRequest(graduate_id=pk, field="origin", registry_value="湖南省岳阳县",
                                     claimed_value="湖南省岳阳市岳阳楼区", explanation="户口迁移", status="submitted",
                                     version=1))
        db.session.commit()
    b = as_role("college_a")
    assert b.client.post(f"/review/source/{pk}/copy-student-values",
                         data={"csrf_token": _token(b, pk)}).status_code == 302
    with app.app_context():
        request = db.session.execute(select(ChangeRequest).where(ChangeRequest.graduate_id == pk)).scalar_one()
        assert request.status == "approved"
        assert db.session.get(Graduate, pk).origin == "湖南省岳阳市岳阳楼区"


def test_edit_losing_a_race_to_a_decision_changes_nothing(app: Any, as_role: Any) -> None:
    """An ORM edit carries the loaded version: if a decision lands in between, the edit is refused, not merged."""
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    with app.app_context():
        pk = make_graduates(1, "secondary", "101")[0]
        graduate = db.session.get(Graduate, pk)
        graduate.archive_unit = "并发修改"
        with db.engine.begin() as other:  # another request's decision commits first
            other.execute(update(Graduate).where(Graduate.id == pk).values(status="central", version=2))
        try:
            db.session.commit()
            raised = False
        except StaleDataError:
            db.session.rollback()
            raised = True
        assert raised
        assert db.session.get(Graduate, pk).archive_unit == "岳阳县第一中学"
