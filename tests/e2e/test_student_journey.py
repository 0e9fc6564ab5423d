"""Browser journey in Debian Chromium: first sign-in, forced password change, binding, a wrong 生源地 fixed with one
click on the suggestion, save, submit, 二级待审 — with a screenshot at each step (and the form on a phone)."""
from __future__ import annotations

from typing import Any

from tests.e2e.conftest import shot
from tests.views.student_support import (  # noqa: F401
    COMPLETE_FORM,
    NEW_PASSWORD,
    StudentFactory,
    students_fixture,
)


def _shot(page: Any, name: str) -> None:
    shot(page, f"student-{name}")


def test_student_first_login_bind_fill_and_submit(server: str, chromium: Any, students: StudentFactory) -> None:
    """The whole student journey works in a real browser and ends with the form 二级待审 and read-only."""
    from playwright.sync_api import expect

    student = students()
    browser = chromium
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{server}/login/")
    page.fill("#username", student.student_no)
    page.fill("#password", student.password)
    page.click("input[type=submit]")
    page.wait_for_url("**/resetmypassword/form")
    _shot(page, "1-forced-password-change")
    page.fill("#old_password", student.password)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#conf_password", NEW_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#gems-fill-entry")
    assert "未提交" in page.inner_text("#gems-home-status")
    _shot(page, "2-home")

    page.click("#gems-fill-entry")
    page.wait_for_url("**/student/bind/")
    page.fill("#b-name", student.name)
    page.fill("#b-id_number", student.id_number.lower())
    page.select_option("#b-education_level", "31")
    page.fill("#b-graduation_year", str(student.year))
    page.fill("#b-mobile", COMPLETE_FORM["mobile"])
    _shot(page, "3-binding")
    page.click("#gems-bind")
    page.wait_for_url("**/student/source/")
    assert "绑定成功" in page.content()
    _shot(page, "4-form-prefilled")

    for key, value in COMPLETE_FORM.items():
        if value:
            page.fill(f"#f-{key}", value)
    page.fill("#f-origin", "湖南省岳阳市岳阳县")
    page.press("#f-origin", "Tab")
    suggestion = page.locator("#msg-origin .gems-suggest")
    expect(suggestion).to_have_text("您是不是要填写：湖南省岳阳县？", timeout=10000)
    page.locator("#row-origin").scroll_into_view_if_needed()
    _shot(page, "5-origin-suggestion")
    suggestion.click()
    expect(page.locator("#f-origin")).to_have_value("湖南省岳阳县")
    expect(page.locator("#row-origin")).not_to_have_class("has-error", timeout=10000)
    assert page.locator("#f-training_unit").is_disabled()

    page.click("#gems-save")
    page.wait_for_load_state()
    assert "已保存" in page.content()
    _shot(page, "6-saved")
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{server}/student/source/")
    assert phone.locator("#gems-submit").is_visible()
    _shot(phone, "6b-phone")
    phone.close()
    page.click("#gems-submit")
    expect(page.locator("#gems-submit-confirm")).to_be_visible()  # what happens next, that the form locks
    assert "锁定" in page.locator("#gems-submit-confirm").inner_text()
    _shot(page, "6c-confirm-submit")
    with page.expect_navigation():
        page.click("#gems-submit-confirmed")
    expect(page.locator("#gems-status-label")).to_have_text("二级待审")
    assert page.locator("#f-origin").is_disabled() and page.locator("#gems-submit").count() == 0
    _shot(page, "7-submitted")
