"""REG-3 screens through the test client: add, draft-only edit/delete, submit via the engine, masking, access."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.supplementary import SupplementaryReport
from app.models.user import User
from app.validation.idcard import mask_id
from app.views.org import GraduateApi, GraduateModelView
from app.views.supplementary import SupplementaryReportModelView
from tests.conftest import Browser
from tests.rows import detached_rows
from tests.services.supplementary_helpers import (
    cleanup,
    fresh_id,
    fresh_student_no,
    placement,
)
from tests.views.review_helpers import make_graduates
from tests.views.student_support import demo_student_browser

BASE = "/supplementary"


@pytest.fixture()
def school(app: Any, as_role: Any) -> Any:
    """A signed-in school user; every test report is removed afterwards."""
    yield as_role("school")
    with app.app_context():
        cleanup()


def form_data(app: Any, **overrides: Any) -> dict[str, Any]:
    """What the add form posts for a complete, valid report."""
    with app.app_context():
        cohort, department, major = placement()
        number = fresh_id(datetime.date(2003, 5, 17), male=True)
        data = {"cohort": cohort.id, "department": department.id, "major": major.id, "student_no": fresh_student_no(),
                    "name": "补报视图", "id_number": number, "birth_date": "", "gender": "", "ethnicity": "01",
                    "political_status": "03", "education_level": "31", "schooling_length": "4", "training_mode": "1",
                    "origin": "湖南省岳阳县", "exam_no": "22430621123456", "enrolment_date": "2022-09-01",
                    "graduation_date": "2026-06-30", "reason": "学籍信息漏报", "qualification_name": "",
                    "qualification_level": "", "qualification_issuer": "", "qualification_date": ""}
    data.update(overrides)
    return data


def add(b: Browser, data: dict[str, Any]) -> Any:
    return b.post_form(f"{BASE}/add", data, token_from=f"{BASE}/add", follow_redirects=True)


def report_by_no(app: Any, student_no: str) -> SupplementaryReport | None:
    with app.app_context():
        report = db.session.execute(select(SupplementaryReport).where(SupplementaryReport.student_no == student_no)
                                    ).scalar_one_or_none()
        if report is not None:
            db.session.expunge(report)
        return report


def submit(b: Browser, report_id: int) -> Any:
    return b.post_form(f"{BASE}/action_post", {"action": "submit", "rowid": str(report_id)},
                       token_from=f"{BASE}/add", follow_redirects=True)


def graduates_with(app: Any, student_no: str) -> list[Graduate]:
    return detached_rows(app, Graduate, student_no=student_no)


def test_add_fills_birth_date_and_gender_from_id(app: Any, school: Browser) -> None:
    """Saving with birth date and gender empty stores the ones in the ID, as a draft."""
    data = form_data(app)
    page = add(school, data).get_data(as_text=True)
    report = report_by_no(app, data["student_no"])
    assert report is not None, page[:2000]
    assert (report.birth_date, report.gender, report.status) == (datetime.date(2003, 5, 17), "1", "draft")
    assert "2003-05-17" in page


def test_add_upgrades_fifteen_digit_id(app: Any, school: Browser) -> None:
    """A 15-digit ID typed in the form is stored as 18 digits, and the user is told."""
    data = form_data(app, id_number="430621850317123")
    page = add(school, data).get_data(as_text=True)
    report = report_by_no(app, data["student_no"])
    assert report is not None and len(report.id_number) == 18 and report.id_number.startswith("43062119850317")
    assert "升级为18位" in page


def test_saving_an_invalid_draft_lists_what_blocks_submission(app: Any, school: Browser) -> None:
    """A draft may be saved incomplete, but the page says what must be fixed (here: gender vs ID)."""
    data = form_data(app, gender="2")
    page = add(school, data).get_data(as_text=True)
    assert report_by_no(app, data["student_no"]) is not None
    assert "已保存为草稿" in page and "性别与身份证号不一致" in page


def test_form_offers_coded_fields_as_translated_selects(app: Any, school: Browser) -> None:
    """Coded fields are selects with Chinese labels; the add page carries the ID→birth-date script."""
    html = school.get(f"{BASE}/add").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="31"[^>]*>\s*本科', html)
    assert re.search(r'<option[^>]*value="01"[^>]*>\s*汉族', html)
    assert "birth_date" in html and "gems-id-hint" in html


def test_draft_can_be_edited_and_deleted(app: Any, school: Browser) -> None:
    """While draft, edit saves and delete removes."""
    data = form_data(app)
    add(school, data)
    report = report_by_no(app, data["student_no"])
    edited = {**data, "name": "改过的名字", "birth_date": "2003-05-17", "gender": "1"}
    school.post_form(f"{BASE}/edit/{report.id}", edited, follow_redirects=True)
    assert report_by_no(app, data["student_no"]).name == "改过的名字"
    school.post_form(f"{BASE}/delete/{report.id}", {}, token_from=f"{BASE}/add",
                     follow_redirects=True)
    assert report_by_no(app, data["student_no"]) is None


def test_submit_through_view_creates_one_graduate_then_freezes(app: Any, school: Browser) -> None:
    """Submit adds exactly one graduate at 二级待审; afterwards edit, delete and a second submit are refused."""
    data = form_data(app)
    add(school, data)
    report = report_by_no(app, data["student_no"])
    page = submit(school, report.id).get_data(as_text=True)
    assert "已提交 1 条补报" in page
    graduates = graduates_with(app, data["student_no"])
    assert len(graduates) == 1 and graduates[0].status == "secondary" and graduates[0].added_by_reviewer
    frozen = report_by_no(app, data["student_no"])
    assert frozen.status == "submitted" and frozen.graduate_id == graduates[0].id

    again = submit(school, report.id).get_data(as_text=True)
    assert "补报内容提交后不能修改或删除" in again
    assert len(graduates_with(app, data["student_no"])) == 1

    form = school.get(f"{BASE}/edit/{report.id}", follow_redirects=True).get_data(as_text=True)
    assert 'name="reason"' not in form and "补报内容提交后不能修改或删除" in form
    posted = school.post_form(f"{BASE}/edit/{report.id}", {**data, "name": "提交后改名"},
                              token_from=f"{BASE}/add", follow_redirects=True)
    assert "补报内容提交后不能修改或删除" in posted.get_data(as_text=True)
    deleted = school.post_form(f"{BASE}/delete/{report.id}", {}, token_from=f"{BASE}/add",
                               follow_redirects=True)
    assert "补报内容提交后不能修改或删除" in deleted.get_data(as_text=True)
    after = report_by_no(app, data["student_no"])
    assert after is not None and after.name == data["name"] and after.status == "submitted"


def test_buttons_match_the_state(app: Any, school: Browser) -> None:
    """List and show offer edit/delete/submit on drafts only; a submitted report shows the frozen notice."""
    draft, done = form_data(app), form_data(app)
    add(school, draft)
    add(school, done)
    draft_id, done_id = report_by_no(app, draft["student_no"]).id, report_by_no(app, done["student_no"]).id
    submit(school, done_id)
    listing = school.get(f"{BASE}/list/").get_data(as_text=True)
    assert f"{BASE}/edit/{draft_id}" in listing and f"{BASE}/delete/{draft_id}" in listing
    assert f"{BASE}/edit/{done_id}" not in listing and f"{BASE}/delete/{done_id}" not in listing
    assert f"{BASE}/show/{done_id}" in listing
    shown = school.get(f"{BASE}/show/{done_id}").get_data(as_text=True)
    assert "补报内容提交后不能修改或删除" in shown and 'value="submit"' not in shown
    assert 'value="submit"' in school.get(f"{BASE}/show/{draft_id}").get_data(as_text=True)


def test_id_masked_for_users_without_full_view(app: Any, school: Browser, monkeypatch: Any) -> None:
    """X-3: the list shows the full ID to holders of the permission and the masked one to everyone else."""
    data = form_data(app)
    add(school, data)
    number = report_by_no(app, data["student_no"]).id_number
    assert number in school.get(f"{BASE}/list/").get_data(as_text=True)
    monkeypatch.setattr("app.security.pii.can_see_full", lambda user=None: False)
    listing = school.get(f"{BASE}/list/").get_data(as_text=True)
    assert number not in listing and mask_id(number) in listing


def test_no_search_or_sort_on_masked_columns() -> None:
    """X-3: ID and phone are neither searchable nor sortable in the report and roster views and the API."""
    for view in (SupplementaryReportModelView, GraduateModelView, GraduateApi):
        assert not {"id_number", "mobile", "home_phone"} & set(view.search_columns or []), view
        assert not {"id_number", "mobile", "home_phone"} & set(view.order_columns or []), view


def test_roster_shows_labels_and_masks_for_colleges(app: Any, as_role: Any) -> None:
    """The roster shows 男/女, 本科 and the review status in words; a college sees masked IDs."""
    b = as_role("college_a")
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        graduate = db.session.execute(select(Graduate).where(Graduate.department_id == user.department_id)
                                      .order_by(Graduate.student_no)).scalars().first()
        number, student_no, gid = graduate.id_number, graduate.student_no, graduate.id
    listing = b.get(f"/graduates/list/?_flt_0_student_no={student_no}").get_data(as_text=True)
    assert mask_id(number) in listing and number not in listing
    assert ("男" in listing or "女" in listing) and "未提交" in listing
    shown = b.get(f"/graduates/show/{gid}").get_data(as_text=True)
    assert "本科" in shown and number not in shown and "是否上报" in shown


def test_roster_shows_exclusion_reason_label(app: Any, as_role: Any) -> None:
    """REG-2 on the roster: an excluded graduate shows 否 and the reason's Chinese label, not its code."""
    b = as_role("school")
    with app.app_context():
        graduate = db.session.execute(select(Graduate).order_by(Graduate.student_no.desc())).scalars().first()
        gid = graduate.id
        graduate.included, graduate.exclusion_reason = False, "foreign"
        db.session.commit()
    try:
        shown = b.get(f"/graduates/show/{gid}").get_data(as_text=True)
        assert "外籍生源学生" in shown and ">foreign<" not in shown
        assert re.search(r"是否上报</th>\s*<td>\s*<span[^>]*>\s*否", shown)
    finally:
        with app.app_context():
            row = db.session.get(Graduate, gid)
            row.included, row.exclusion_reason = True, None
            db.session.commit()


def test_roster_edit_is_audited_with_old_and_new(app: Any, as_role: Any) -> None:
    """A reviewer's name correction on the roster leaves an audit entry with old → new."""
    from app.models.audit import AuditLog

    b = as_role("school")
    with app.app_context():
        # a graduate of its own: "the last student number" depends on which tests ran before (random order)
        graduate = db.session.get(Graduate, make_graduates(1, "draft", "101", prefix="RE")[0])
        gid, old, dept, major = graduate.id, graduate.name, graduate.department_id, graduate.major_id
        since = db.session.execute(select(func.max(AuditLog.seq))).scalar_one()
    try:
        b.post_form(f"/graduates/edit/{gid}", {"name": old + "测", "department": dept, "major": major or ""},
                    follow_redirects=True)
        with app.app_context():
            entry = db.session.execute(select(AuditLog).where(AuditLog.seq > since, AuditLog.target_id == str(gid),
                                                              AuditLog.action == "graduate.form_saved")
                                       ).scalar_one()
            assert old in entry.detail and old + "测" in entry.detail
    finally:
        with app.app_context():
            db.session.get(Graduate, gid).name = old
            db.session.commit()


@pytest.fixture()
def student_browser(app: Any) -> Browser:
    return demo_student_browser(app, last=True)


def test_college_and_student_cannot_reach_the_views(app: Any, as_role: Any, student_browser: Browser) -> None:
    """Only school users and admins reach supplementary reporting: others get 403, anonymous users the login."""
    for b in (as_role("college_a"), student_browser):
        for url in (f"{BASE}/list/", f"{BASE}/add"):
            assert b.get(url).status_code == 403, url
    anonymous = Browser(app.test_client()).get(f"{BASE}/list/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert as_role("admin").get(f"{BASE}/list/").status_code == 200
