"""The home dashboard in Chromium under the app's real CSP: ECharts (served from the app) draws both charts, the
numbers open the lists they count, and a screenshot per role is kept."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot, sign_in
from tests.views.review_helpers import make_graduates
from tests.views.student_support import NEW_PASSWORD, StudentFactory, signed_in, students_fixture  # noqa: F401

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _open(chromium: Any) -> Any:
    page = chromium.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page.add_init_script(COLLECT)
    return page


def _rows_shown(page: Any) -> int:
    return page.locator("#review-table tbody input[name=ids]").count()


def test_school_dashboard_draws_charts_and_numbers_open_their_lists(app: Any, server: str, chromium: Any) -> None:
    with app.app_context():
        make_graduates(3, "central", "101")
        make_graduates(2, "secondary", "102")
        make_graduates(1, "complete", "102")
    page = _open(chromium)
    sign_in(page, server, "school", DEMO_PASSWORD)
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-charts-ready='2']")
    assert page.locator("#chart-progress canvas").count() == 1
    assert page.locator("#chart-colleges canvas").count() == 1
    assert page.locator("#dash-colleges tbody tr").count() >= 2
    assert page.evaluate("window.__csp") == []
    shot(page, "dashboard-school")
    number = page.locator("#progress-central")
    expected = int(number.inner_text())
    assert expected > 0
    with page.expect_navigation():
        number.click()
    assert urlsplit(page.url).path == "/review/source/"
    assert "status=central" in page.url
    page.goto(page.url + "&size=200")
    assert _rows_shown(page) == expected


def test_college_dashboard_work_item_opens_my_pending_records(app: Any, server: str, chromium: Any) -> None:
    with app.app_context():
        make_graduates(2, "secondary", "101")
    page = _open(chromium)
    sign_in(page, server, "college_a", DEMO_PASSWORD)
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-charts-ready='1']")  # no per-college chart for a college
    assert page.locator("#dash-colleges").count() == 0
    shot(page, "dashboard-college_a")
    number = page.locator("#work-source_info-secondary")
    expected = int(number.inner_text())
    assert expected >= 2
    number.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # from the keyboard, too
    assert re.search(r"status=secondary", page.url)
    page.goto(page.url + "&size=200")
    assert _rows_shown(page) == expected


def test_admin_and_student_dashboards(app: Any, server: str, chromium: Any, students: StudentFactory) -> None:
    page = _open(chromium)
    sign_in(page, server, "admin", DEMO_PASSWORD)
    page.goto(f"{server}/")
    for widget in ("#dash-locks", "#dash-imports", "#dash-audit"):
        assert page.locator(widget).is_visible(), widget
    assert page.evaluate("window.__csp") == []
    shot(page, "dashboard-admin")

    student = students()
    signed_in(app, student)
    page = _open(chromium)
    sign_in(page, server, student.student_no, NEW_PASSWORD)
    page.goto(f"{server}/")
    assert page.locator("#gems-home-status").inner_text() == "未提交"
    assert page.locator("#my-unread").inner_text() == "0"
    assert page.locator("#dash-work").count() == 0
    shot(page, "dashboard-student")
    with page.expect_navigation():
        page.click("#gems-fill-entry")
    assert urlsplit(page.url).path.startswith("/student/")
