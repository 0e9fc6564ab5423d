"""SRC-8/SRC-10/SRC-11: the reviewer list, pasted search, columns, batch decisions, modify, notify — and scope."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.notification import Notification
from tests.views.review_helpers import make_graduates, statuses


def _post(b: Any, url: str, data: dict[str, Any]) -> Any:
    return b.client.post(url, data={"csrf_token": b.token("/review/source/"), **data})


def test_list_is_scoped_and_chinese(app: Any, as_role: Any) -> None:
    """college_a sees only its own students; headers and status labels are Chinese."""
    with app.app_context():
        mine = make_graduates(1, "secondary", "101", prefix="LSC")[0]
        other = make_graduates(1, "secondary", "102", prefix="LSC")[0]
        mine_no, other_no = (db.session.get(Graduate, i).student_no for i in (mine, other))
    # a prefix only this test uses: both records match the search, so only scope can hide the other college's
    page = as_role("college_a").get("/review/source/?q=LSC").get_data(as_text=True)
    assert "学号" in page and "审核状态" in page
    row = re.search(rf"<tr>(?:(?!</tr>).)*<td>{mine_no}</td>.*?</tr>", page, re.S)
    assert row and "<td>二级待审</td>" in row.group(0)  # the row's own status cell, not the filter's option
    assert mine_no in page and other_no not in page
    assert as_role("school").get(f"/review/source/?q={other_no}").get_data(as_text=True).count(other_no) >= 1


def test_keyword_never_matches_id_fragments(app: Any, as_role: Any) -> None:
    """An ID number matches only in full, so masked digits cannot be found by searching for parts of them."""
    with app.app_context():
        gid = make_graduates(1, "draft", "101")[0]
        graduate = db.session.get(Graduate, gid)
        id_number, student_no = graduate.id_number, graduate.student_no
    b = as_role("college_a")
    assert student_no in b.get(f"/review/source/?q={id_number}").get_data(as_text=True)
    assert student_no not in b.get(f"/review/source/?q={id_number[:12]}").get_data(as_text=True)
    assert student_no not in b.get(f"/review/source/?sort=id_number&q={id_number[6:14]}").get_data(as_text=True)


def test_paste_finds_all_and_reports_the_missing(app: Any, as_role: Any) -> None:
    """Pasting 50 student numbers (tab/newline separated) finds them all and lists values that match nothing."""
    with app.app_context():
        ids = make_graduates(50, "secondary", "101")
        numbers = [db.session.get(Graduate, i).student_no for i in ids]
    b = as_role("college_a")
    text = "\n".join("\t".join(numbers[i:i + 5]) for i in range(0, 50, 5)) + "\nNOPE1\r\nNOPE2"
    response = _post(b, "/review/source/search", {"paste": text})
    assert response.status_code == 302 and "pasted=1" in response.headers["Location"]
    page = b.get(response.headers["Location"] + "&size=100").get_data(as_text=True)
    assert "粘贴的 52 个值中找到 50 个。" in page
    assert 'id="not-found">NOPE1、NOPE2<' in page
    assert all(n in page for n in numbers)


def test_paste_over_the_limit_is_refused(as_role: Any) -> None:
    """More than 2 000 pasted values are refused with a message, not silently truncated."""
    b = as_role("school")
    response = _post(b, "/review/source/search", {"paste": "\n".join(f"X{i}" for i in range(2001))})
    assert response.status_code == 302
    assert "2000" in b.get(response.headers["Location"]).get_data(as_text=True)


def test_column_chooser_is_remembered(app: Any, as_role: Any) -> None:
    """Chosen columns and page size survive a new sign-in (stored per user)."""
    b = as_role("college_a")
    _post(b, "/review/source/columns", {"columns": ["student_no", "name", "exam_no"], "page_size": "50"})
    again = as_role("college_a").get("/review/source/").get_data(as_text=True)
    assert "考生号" in again and "生源地</a>" not in again
    _post(b, "/review/source/columns", {"columns": [], "page_size": "20"})  # back to the defaults


def test_batch_approve_reports_done_and_skipped(app: Any, as_role: Any) -> None:
    """A college batch approves its pending records; another college's id and a draft are skipped with reasons."""
    with app.app_context():
        pending = make_graduates(3, "secondary", "101")
        draft = make_graduates(1, "draft", "101")
        foreign = make_graduates(1, "secondary", "102")
    b = as_role("college_a")
    page = _post(b, "/review/source/batch", {"decision": "approve", "target": "selected",
                                              "ids": [str(i) for i in pending + draft + foreign]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "3 条已完成" in html and "2 条已跳过" in html
    assert "学生尚未提交表单" in html and "不在您的管理范围" in html
    with app.app_context():
        after = statuses(pending + draft + foreign)
    assert [after[i] for i in pending] == ["central"] * 3
    assert after[draft[0]] == "draft" and after[foreign[0]] == "secondary"


def test_batch_reject_needs_a_reason(app: Any, as_role: Any) -> None:
    """Rejecting without a reason changes nothing and says why."""
    with app.app_context():
        ids = make_graduates(2, "secondary", "101")
    b = as_role("college_a")
    response = _post(b, "/review/source/batch", {"decision": "reject", "ids": [str(i) for i in ids],
                                                  "back": "/review/source/"})
    assert response.status_code == 302
    assert "原因" in b.get("/review/source/").get_data(as_text=True)
    with app.app_context():
        assert set(statuses(ids).values()) == {"secondary"}


def test_batch_by_major_approves_only_pending_of_my_level(app: Any, as_role: Any) -> None:
    """"All pending of the ticked majors" at the school level takes central-pending records only."""
    with app.app_context():
        central = make_graduates(2, "central", "102")
        secondary = make_graduates(1, "secondary", "102")
        major_id = db.session.get(Graduate, central[0]).major_id
        before_other = db.session.execute(select(func.count()).select_from(Graduate).where(
            Graduate.major_id == major_id, Graduate.status == "central")).scalar_one()
    response = _post(as_role("school"), "/review/source/batch", {"decision": "approve", "target": "majors",
                                                                  "major_ids": [str(major_id)]})
    assert response.status_code == 200
    with app.app_context():
        after = statuses(central + secondary)
        left = db.session.execute(select(func.count()).select_from(Graduate).where(
            Graduate.major_id == major_id, Graduate.status == "central")).scalar_one()
    assert [after[i] for i in central] == ["complete", "complete"] and after[secondary[0]] == "secondary"
    assert before_other >= 2 and left == 0


def test_batch_modify_skips_complete_and_audits_each(app: Any, as_role: Any) -> None:
    """SRC-11/SRC-12: one field on many records, never on complete ones; one audit row per changed record."""
    with app.app_context():
        open_ids = make_graduates(2, "secondary", "101")
        done = make_graduates(1, "complete", "101")
    b = as_role("college_a")
    html = _post(b, "/review/source/modify", {"field": "graduation_date", "value": "2026/7/1",
                                              "ids": [str(i) for i in open_ids + done]}).get_data(as_text=True)
    assert "2 条已完成" in html and "1 条已跳过" in html
    with app.app_context():
        dates = {i: db.session.get(Graduate, i).graduation_date.isoformat() for i in open_ids + done}
        audits = db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "graduate.batch_modified",
            AuditLog.target_id.in_([str(i) for i in open_ids + done]))).scalar_one()
    assert [dates[i] for i in open_ids] == ["2026-07-01"] * 2 and dates[done[0]] == "2026-06-30"
    assert audits == 2


def test_batch_modify_rejects_bad_values(app: Any, as_role: Any) -> None:
    """An invalid value for the field is refused with that field's message."""
    with app.app_context():
        ids = make_graduates(1, "secondary", "101")
    b = as_role("college_a")
    response = _post(b, "/review/source/modify", {"field": "schooling_length", "value": "9年",
                                                  "ids": [str(ids[0])], "back": "/review/source/"})
    assert response.status_code == 302
    assert "学制" in b.get("/review/source/").get_data(as_text=True)


def test_batch_notify_reaches_students_with_accounts(app: Any, as_role: Any) -> None:
    """SRC-11: a notice goes to each selected student's inbox; records without an account are counted."""
    with app.app_context():
        with_account = db.session.execute(select(Graduate.id, Graduate.user_id).where(
            Graduate.user_id.isnot(None), Graduate.student_no.like("2022101%"))).first()
        without = make_graduates(1, "draft", "101")[0]
        before = db.session.execute(select(func.count()).select_from(Notification).where(
            Notification.user_id == with_account.user_id)).scalar_one()
    b = as_role("college_a")
    _post(b, "/review/source/notify", {"text": "请本周内完成生源信息核对", "ids": [str(with_account.id), str(without)],
                                       "back": "/review/source/"})
    assert "1 名学生" in b.get("/review/source/").get_data(as_text=True)
    with app.app_context():
        after = db.session.execute(select(func.count()).select_from(Notification).where(
            Notification.user_id == with_account.user_id)).scalar_one()
    assert after == before + 1


def test_tree_shows_pending_counts_per_major(app: Any, as_role: Any) -> None:
    """The tree badge counts the records awaiting this reviewer; college_a's tree never shows college_b."""
    page = as_role("college_a").get("/review/source/").get_data(as_text=True)
    tree = page.split('id="review-tree"')[1].split("</form>")[0]
    assert "计算机科学与技术学院" in tree and "经济管理学院" not in tree
    assert "badge-pending" in tree


def test_admin_reopens_in_batch_with_a_reason(app: Any, as_role: Any) -> None:
    """X-4: reopen exists as a batch action too — admin only, reason required, complete records only."""
    with app.app_context():
        done = make_graduates(2, "complete", "101")
        pending = make_graduates(1, "secondary", "101")
    assert "batch-reopen" not in as_role("school").get("/review/source/").get_data(as_text=True)
    admin = as_role("admin")
    assert "batch-reopen" in admin.get("/review/source/").get_data(as_text=True)
    ids = [str(i) for i in done + pending]
    _post(admin, "/review/source/batch", {"decision": "reopen", "ids": ids, "back": "/review/source/"})
    with app.app_context():
        assert set(statuses(done).values()) == {"complete"}
    html = _post(admin, "/review/source/batch", {"decision": "reopen", "ids": ids,
                                                 "remark": "毕业时间有误"}).get_data(as_text=True)
    assert "2 条已完成" in html and "1 条已跳过" in html
    with app.app_context():
        assert set(statuses(done).values()) == {"draft"} and statuses(pending)[pending[0]] == "secondary"
