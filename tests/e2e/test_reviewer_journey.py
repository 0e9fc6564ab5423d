"""Browser journey in Debian Chromium (issue 4): a college reviewer filters, pastes 50 student numbers, batch
approves, decides change requests on a mismatched record and rejects it; the student sees why and resubmits."""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot
from tests.views.review_helpers import make_graduates, statuses
from tests.views.student_support import (  # noqa: F401
    COMPLETE_FORM,
    NEW_PASSWORD,
    StudentFactory,
    signed_in,
    students_fixture,
)


def _shot(page: Any, name: str) -> None:
    shot(page, f"reviewer-{name}")


def _student_at_secondary(app: Any, students: StudentFactory) -> Any:
    """A bound student with an account, a complete form submitted (二级待审), a registry mismatch on 生源地 and two
    change requests (one for 生源地, one for 考生号)."""
    student = students()
    signed_in(app, student)
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        for key, value in COMPLETE_FORM.items():
            if value:
                setattr(graduate, key, value)
        graduate.origin, graduate.origin_code = "湖南省岳阳市岳阳楼区", "430602"
        graduate.bound_at = datetime.datetime(2026, 10, 1)
        graduate.status, graduate.version = "secondary", 2
        db.session.add_all([
            ChangeRequest(graduate_id=graduate.id, field="origin", registry_value="湖南省岳阳县",
                          claimed_value="湖南省岳阳市岳阳楼区", explanation="高考前户口迁入岳阳楼区", status="submitted"),
            ChangeRequest(graduate_id=graduate.id, field="exam_no", registry_value=graduate.exam_no,
                          claimed_value="22430621999999", explanation="记错了", status="submitted"),
        ])
        db.session.commit()
    return student


def test_reviewer_batch_and_student_resubmits(app: Any, server: str, chromium: Any,
                                              students: StudentFactory) -> None:
    """The whole reviewer journey in a real browser, ending with the student's resubmission at 二级待审."""
    from playwright.sync_api import expect

    with app.app_context():
        batch_ids = make_graduates(50, "secondary", "101", prefix="PW")
        numbers = [db.session.get(Graduate, i).student_no for i in batch_ids]
    student = _student_at_secondary(app, students)
    browser = chromium
    page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page.goto(f"{server}/login/")
    page.fill("#username", "college_a")
    page.fill("#password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{server}/review/source/")
    page.select_option("select[name=status]", "pending_mine")
    with page.expect_navigation():
        page.click("#review-filters button[type=submit]")
    expect(page.locator("#review-table tbody tr").first).to_contain_text("二级待审")
    _shot(page, "1-filtered")

    page.click("a[href='#paste-box']")
    page.fill("#paste", "\n".join(numbers) + "\n不存在的学号")
    with page.expect_navigation():
        page.click("#paste-box button[type=submit]")
    expect(page.locator("#paste-result")).to_contain_text("粘贴的 51 个值中找到 50 个")
    expect(page.locator("#not-found")).to_have_text("不存在的学号")
    _shot(page, "2-pasted")
    page.check("input[name=target][value=all]")
    page.click("#review-batch button[name=decision][value=approve]")
    expect(page.locator("#result-summary")).to_contain_text("50 条已完成")
    _shot(page, "3-batch-result")
    with app.app_context():
        assert set(statuses(batch_ids).values()) == {"central"}

    page.goto(f"{server}/review/source/{student.graduate_id}")
    expect(page.locator("#comparison")).to_contain_text("不匹配")
    page.click("a[href='#changes']")
    rows = page.locator("#change-requests tbody tr")
    rows.filter(has_text="考生号").locator("input[name=remark]").fill("考生号以录取名册为准")
    with page.expect_navigation():
        rows.filter(has_text="考生号").locator("button[value=reject]").click()
    with page.expect_navigation():
        page.locator("#change-requests tbody tr").filter(has_text="生源地").locator("button[value=approve]").click()
    expect(page.locator("#changes")).to_be_visible()  # the redirect's #changes anchor reopens the tab
    expect(page.locator("#change-requests")).to_contain_text("考生号以录取名册为准")
    _shot(page, "4-change-requests")
    page.fill("#decision-form input[name=remark]", "家庭电话请填写父母的手机号")
    with page.expect_navigation():
        page.click("#btn-reject")
    expect(page.locator("#status-label")).to_have_text("不同意")
    _shot(page, "5-rejected")

    student_page = browser.new_page(locale="zh-CN")
    student_page.goto(f"{server}/login/")
    student_page.fill("#username", student.student_no)
    student_page.fill("#password", NEW_PASSWORD)
    student_page.click("input[type=submit]")
    expect(student_page.locator("#gems-unread")).to_have_text("3")
    student_page.goto(f"{server}/student/source/")
    expect(student_page.locator("#gems-status-label")).to_have_text("不同意")
    expect(student_page.locator("#row-origin .gems-flag")).to_have_text("异动已通过")
    assert "家庭电话请填写父母的手机号" in student_page.content()
    _shot(student_page, "6-student-sees-rejection")
    student_page.fill("#f-home_phone", "13900139000")
    student_page.click("#gems-submit")
    with student_page.expect_navigation():
        student_page.click("#gems-submit-confirmed")  # the confirmation step before the form locks
    expect(student_page.locator("#gems-status-label")).to_have_text("二级待审")
    _shot(student_page, "7-student-resubmitted")
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        assert graduate.status == "secondary" and graduate.home_phone == "13900139000"
        decided = dict(db.session.execute(select(ChangeRequest.field, ChangeRequest.status).where(
            ChangeRequest.graduate_id == graduate.id)).all())
        assert decided == {"origin": "approved", "exam_no": "rejected"}
