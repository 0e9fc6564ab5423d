"""The Content-Security-Policy in a real browser: every menu page of every role, the record page, a FAB form and the
student's form load without a single CSP violation, and the behaviours moved out of inline handlers still work."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import sign_in
from tests.views.student_support import NEW_PASSWORD, StudentFactory, signed_in, students_fixture  # noqa: F401

# records every violation the page reports (console messages can be rate-limited; this event is not)
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || "") + " @" +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""
# the user-statistics chart fetches Google Charts from the internet; another issue replaces it with local ECharts
KNOWN_EXTERNAL = ("gstatic.com", "google.com")
EXTRA_PAGES = {
    "admin": ["/departments/add", "/workflows/", "/departments/tree/", "/graduates/list/", "/swagger/v1",
              "/userstatschartview/chart/"],
    "school": ["/review/source/", "/graduates/list/", "/departments/tree/"],
    "college_a": ["/review/source/"],
    "college_b": ["/review/source/", "/review/source/print"],
}


def _open(chromium: Any) -> tuple[Any, list[str]]:
    page = chromium.new_page(locale="zh-CN")
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(COLLECT)
    return page, console


def _violations(page: Any, console: list[str]) -> list[str]:
    found = page.evaluate("window.__csp || []") + console
    return [v for v in found if not any(host in v for host in KNOWN_EXTERNAL)]


def _menu_links(page: Any, server: str) -> list[str]:
    hrefs = page.eval_on_selector_all(".navbar .dropdown-menu a[href], .navbar .nav > li > a[href]",
                                      "els => els.map(e => e.getAttribute('href'))")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc not in ("", urlsplit(server).netloc) or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/logout", "/lang/")):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(dict.fromkeys(paths))


def _visit_all(page: Any, console: list[str], server: str, paths: list[str]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for path in paths:
        page.evaluate("window.__csp = []")
        console.clear()
        response = page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        assert response is not None and response.status < 500, (path, response and response.status)
        found = _violations(page, console)
        if found:
            problems[path] = found
    return problems


def test_login_page_and_captcha_refresh_have_no_violation(server: str, chromium: Any) -> None:
    page, console = _open(chromium)
    page.goto(f"{server}/login/")
    assert page.locator("#username").count() == 1
    assert _violations(page, console) == []


@pytest.mark.parametrize("username", ["admin", "school", "college_a", "college_b"])
def test_staff_pages_have_no_violation(server: str, chromium: Any, username: str) -> None:
    page, console = _open(chromium)
    sign_in(page, server, username, DEMO_PASSWORD)
    paths = ["/"] + _menu_links(page, server) + EXTRA_PAGES[username]
    assert len(paths) > 3, paths
    problems = _visit_all(page, console, server, list(dict.fromkeys(paths)))
    assert problems == {}


@pytest.mark.parametrize("username", ["school", "college_a"])
def test_review_list_tick_all_and_record_page(server: str, chromium: Any, username: str) -> None:
    """The tick-all box (an inline onclick before) still ticks every row; the record page opens clean."""
    page, console = _open(chromium)
    sign_in(page, server, username, DEMO_PASSWORD)
    page.goto(f"{server}/review/source/")
    rows = page.locator("#review-table tbody input[name=ids]")
    assert rows.count() > 0
    page.click("#review-table thead input[data-tick-all]")
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    detail = page.locator("#review-table tbody a").first.get_attribute("href")
    assert _visit_all(page, console, server, [detail]) == {}
    page.press("input[name=remark]", "Enter")  # Enter in the remark must not submit a decision
    assert urlsplit(page.url).path == detail


def test_fab_form_widgets_work(server: str, chromium: Any) -> None:
    """FAB's add form: select2 dropdowns are built by its scripts, so they ran under the policy."""
    page, console = _open(chromium)
    sign_in(page, server, "admin", DEMO_PASSWORD)
    page.goto(f"{server}/departments/add")
    page.wait_for_load_state("load")
    assert page.locator(".select2-container").count() > 0
    assert _violations(page, console) == []


def test_student_pages_have_no_violation(app: Any, server: str, chromium: Any, students: StudentFactory) -> None:
    student = students()
    signed_in(app, student)
    page, console = _open(chromium)
    sign_in(page, server, student.student_no, NEW_PASSWORD)
    paths = ["/", "/student/bind/"] + _menu_links(page, server)
    assert _visit_all(page, console, server, list(dict.fromkeys(paths))) == {}
