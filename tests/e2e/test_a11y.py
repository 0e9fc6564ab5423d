"""WCAG 2.1 AA in a real browser: axe-core runs over every page the crawl reaches (each role's menu pages, the first
show/edit/record page linked from each, the login page) and finds no serious or critical violation; the review
list's batch controls and a record's decision buttons work from the keyboard alone."""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_FILE_PATH

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.views.student_support import NEW_PASSWORD, StudentFactory, signed_in, students_fixture  # noqa: F401

AXE_SCRIPT = AXE_FILE_PATH.read_text(encoding="utf-8")
SEVERE = ("serious", "critical")
# the record-like pages a menu page links to: FAB's show/edit pages and the reviewer's record page
FOLLOW = re.compile(r"^/[\w-]+/(show|edit)/\d+$|^/review/source/\d+$|^/changerequests/show/\d+$")
SKIP = ("/logout", "/lang/", "/swagger", "/api/", "/static/", "/review/source/print", "/review/export",
        "/evidence/", "/registry/import/template")
MAX_PAGES = int(os.environ.get("GEMS_A11Y_MAX_PAGES", "120"))


@pytest.fixture()
def context(chromium: Any) -> Iterator[Any]:
    """A context that lets axe's script in: the app's CSP (rightly) refuses scripts without its nonce."""
    ctx = chromium.new_context(bypass_csp=True, locale="zh-CN", viewport={"width": 1366, "height": 900})
    yield ctx
    ctx.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the loaded page, one entry per rule with its targets."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"rule": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "targets": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in SEVERE]


def _local(href: str | None, server: str) -> str | None:
    if not href:
        return None
    parts = urlsplit(href)
    if parts.netloc not in ("", urlsplit(server).netloc) or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def menu_paths(page: Any, server: str) -> list[str]:
    hrefs = page.eval_on_selector_all(".navbar .dropdown-menu a[href], .navbar .nav > li > a[href]",
                                      "els => els.map(e => e.getAttribute('href'))")
    return list(dict.fromkeys(p for p in (_local(h, server) for h in hrefs) if p))


def first_record_links(page: Any, server: str) -> list[str]:
    """The first show link and the first edit link the page offers (FAB lists, the review list)."""
    hrefs = page.eval_on_selector_all(".container a[href]", "els => els.map(e => e.getAttribute('href'))")
    found: dict[str, str] = {}
    for href in hrefs:
        path = _local(href, server)
        match = FOLLOW.match(urlsplit(path).path) if path else None
        if match:
            found.setdefault(match.group(1) or "record", path)
    return list(found.values())


def crawl(page: Any, server: str, start: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Visit the start pages and the first record pages they link to; axe's findings per page."""
    queue, seen, problems = list(start), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        assert response is not None and response.status < 500, (path, response and response.status)
        if response.status >= 400 or urlsplit(page.url).path.startswith("/login"):
            continue
        found = axe_violations(page)
        if found:
            problems[path] = found
        if path in start:
            queue += [p for p in first_record_links(page, server) if p not in seen]
    assert len(seen) >= len(start), (seen, start)
    return problems


def _report(problems: dict[str, list[dict[str, Any]]], name: str = "") -> str:
    """The findings as text, also saved to test-artifacts/a11y-<name>.json for the CI artifacts."""
    total = sum(v["nodes"] for found in problems.values() for v in found)
    if name:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"a11y-{name}.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1), "utf-8")
    return f"{total} serious/critical nodes:\n" + json.dumps(problems, ensure_ascii=False, indent=1)


def test_login_page_has_no_serious_violation(server: str, context: Any) -> None:
    page = context.new_page()
    page.goto(f"{server}/login/")
    assert page.locator("#username").count() == 1
    found = axe_violations(page)
    assert found == [], _report({"/login/": found}, "login")


def test_axe_finds_what_it_should(server: str, context: Any) -> None:
    """The oracle works: a page with an unlabelled input and an image without alt is reported."""
    page = context.new_page()
    page.goto(f"{server}/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input id=x-bad><img src=/x.png>')")
    rules = {v["rule"] for v in axe_violations(page)}
    assert {"label", "image-alt"} <= rules, rules


@pytest.mark.parametrize("username", ["admin", "school", "college_a"])
def test_staff_pages_have_no_serious_violation(server: str, context: Any, username: str) -> None:
    page = context.new_page()
    sign_in(page, server, username, DEMO_PASSWORD)
    start = list(dict.fromkeys(["/", *menu_paths(page, server), "/inbox/"]))
    assert len(start) > 3, start
    problems = crawl(page, server, start)
    assert problems == {}, _report(problems, username)


def test_student_pages_have_no_serious_violation(app: Any, server: str, context: Any,
                                                 students: StudentFactory) -> None:
    student = students()
    signed_in(app, student)
    page = context.new_page()
    sign_in(page, server, student.student_no, NEW_PASSWORD)
    start = list(dict.fromkeys(["/", "/student/bind/", *menu_paths(page, server), "/inbox/"]))
    problems = crawl(page, server, start)
    assert problems == {}, _report(problems, "student")


def _tab_to(page: Any, selector: str, key: str = "Tab", limit: int = 400) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus; fails if it is never reached."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable with {key}")


def _awaiting_college(app: Any, students: StudentFactory, server: str, context: Any) -> tuple[Any, Any]:
    """A fresh record at 二级待审 in college_a's scope (so the demo's own records are left as they are), and a page
    signed in as college_a."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models.graduate import Graduate

    student = students()
    with app.app_context():
        db.session.execute(update(Graduate).where(Graduate.id == student.graduate_id).values(status="secondary"))
        db.session.commit()
    page = context.new_page()
    sign_in(page, server, "college_a", DEMO_PASSWORD)
    return student, page


def test_review_list_batch_controls_work_from_the_keyboard(app: Any, server: str, context: Any,
                                                           students: StudentFactory) -> None:
    """Type a reason, tick the record with Space, go back to 不同意 with Shift+Tab and press Enter: it is rejected."""
    student, page = _awaiting_college(app, students, server, context)
    page.goto(f"{server}/review/source/?q={student.student_no}")
    box = "#review-table tbody input[name=ids]"
    assert page.locator(box).count() == 1
    _tab_to(page, "#review-batch input[name=remark]")
    page.keyboard.type("键盘操作测试")
    _tab_to(page, box)
    page.keyboard.press("Space")
    assert page.locator(box).is_checked()
    _tab_to(page, "#review-batch button[value=reject]", key="Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#result-table tbody tr.success").count() == 1, page.content()[:2000]
    assert student.student_no in page.locator("#result-table").inner_text()


def test_record_decision_buttons_work_from_the_keyboard(app: Any, server: str, context: Any,
                                                        students: StudentFactory) -> None:
    """On a record awaiting the college: Tab to 同意 and press Space; the record moves on to the school."""
    student, page = _awaiting_college(app, students, server, context)
    page.goto(f"{server}/review/source/{student.graduate_id}")
    before = page.locator("#status-label").inner_text()
    _tab_to(page, "#btn-approve")
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.goto(f"{server}/review/source/{student.graduate_id}")
    after = page.locator("#status-label").inner_text()
    assert after != before, (before, after)
    from app.extensions import db
    from app.models.graduate import Graduate

    with app.app_context():
        assert db.session.get(Graduate, student.graduate_id).status == "central"
