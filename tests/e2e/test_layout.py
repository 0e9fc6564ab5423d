"""Layout at 1366 px (office laptop) and 390 px (phone) in Debian Chromium, with screenshots: nothing off screen,
one-row navbar, names on one line, paired form columns, radio rows, the whole workflow diagram, page titles."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from app.extensions import db
from app.models.graduate import Graduate
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot
from tests.views.student_support import (  # noqa: F401  (students_fixture is the `students` fixture)
    COMPLETE_FORM,
    NEW_PASSWORD,
    StudentFactory,
    signed_in,
    students_fixture,
)

WIDTHS = [1366, 390]
NAVBAR_ONE_ROW = 60  # Bootstrap's navbar is 50 px high on one row; a second row adds 50 more


def _page(chromium: Any, server: str, width: int, user: str, password: str = DEMO_PASSWORD) -> Any:
    page = chromium.new_page(locale="zh-CN", viewport={"width": width, "height": 900})
    page.goto(f"{server}/login/")
    page.fill("#username", user)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator("#gems-inbox").count() == 1, f"{user} did not sign in"
    return page


def _right_edge(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["x"] + box["width"]


@pytest.mark.parametrize("width", WIDTHS)
def test_review_list_details_link_is_on_screen(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "school")
    page.goto(f"{server}/review/source/")
    shot(page, f"layout-{width}-review-list")
    viewport = page.evaluate("window.innerWidth")
    assert _right_edge(page, "#review-table tbody a:text('详情')") <= viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport + 1  # no page-wide sideways scroll
    if width >= 768:
        nav = page.locator(".navbar").first.bounding_box()
        assert nav["height"] <= NAVBAR_ONE_ROW, f"navbar is {nav['height']} px high"
    assert page.title() == "生源信息审核 · GEMS"
    assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith("/static/favicon.svg")


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_navbar_is_one_row(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "admin")
    shot(page, f"layout-{width}-admin-home")
    nav = page.locator(".navbar").first.bounding_box()
    assert nav["height"] <= NAVBAR_ONE_ROW, f"navbar is {nav['height']} px high"  # collapsed on phones
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("width", WIDTHS)
def test_graduate_names_do_not_wrap(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "school")
    page.goto(f"{server}/graduates/list/")
    shot(page, f"layout-{width}-graduates")
    heights = page.evaluate("""() => [...document.querySelectorAll('.gems-nowrap')].slice(0, 20).map(e => {
        const style = getComputedStyle(e); return [e.getClientRects().length, e.textContent]; })""")
    assert heights, "no name cells"
    assert all(lines == 1 for lines, _name in heights), heights


@pytest.mark.parametrize("width", WIDTHS)
def test_grant_form_radios_are_a_row_not_a_list(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "admin")
    page.goto(f"{server}/grant/form")
    shot(page, f"layout-{width}-grant-form")
    radios = page.locator("input[type=radio]")
    assert radios.count() == 2
    style = page.evaluate("getComputedStyle(document.querySelector('input[type=radio]').closest('ul')).listStyleType")
    assert style == "none"
    first, second = radios.nth(0).bounding_box(), radios.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 5  # side by side


@pytest.mark.parametrize("width", WIDTHS)
def test_workflow_diagram_shows_every_state(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "admin")
    page.goto(f"{server}/workflows/")
    shot(page, f"layout-{width}-workflows")
    image = page.locator("#workflow-source_info img").bounding_box()
    assert image["x"] + image["width"] <= width + 1  # scaled to the page, never cut by it
    page.goto(f"{server}/workflows/source_info.svg")
    outside = page.evaluate("""() => {
        const svg = document.querySelector('svg');
        const [vx, vy, vw, vh] = svg.getAttribute('viewBox').split(' ').map(Number);
        return [...svg.querySelectorAll('rect, text, path')].filter(e => !e.closest('defs')).map(e => {
            const b = e.getBBox();
            return [e.textContent, b.x >= vx - 0.5 && b.y >= vy - 0.5 && b.x + b.width <= vx + vw + 0.5
                    && b.y + b.height <= vy + vh + 0.5];
        }).filter(([_t, inside]) => !inside).map(([t]) => t);
    }""")
    assert outside == [], f"drawn outside the picture: {outside}"
    labels = page.evaluate("[...document.querySelectorAll('svg text')].map(t => t.textContent)")
    assert any(label.startswith("完成") for label in labels)


@pytest.mark.parametrize("width", WIDTHS)
def test_student_form_columns_stay_paired_with_errors(server: str, chromium: Any, app: Any,
                                                      students: StudentFactory, width: int) -> None:
    student = students()
    signed_in(app, student)
    with app.app_context():
        graduate = db.session.get(Graduate, student.graduate_id)
        for key, value in COMPLETE_FORM.items():
            setattr(graduate, key, value)
        graduate.home_town, graduate.police_station = "", "湖南省岳阳市派出所"  # two messages in the grid
        graduate.bound_at = datetime.datetime(2026, 3, 1)
        db.session.commit()
    page = _page(chromium, server, width, student.student_no, NEW_PASSWORD)
    page.goto(f"{server}/student/source/?checked=1")
    shot(page, f"layout-{width}-student-form-errors")
    assert page.locator("#gems-problems li").count() >= 2
    rows = page.evaluate("""() => [...document.querySelectorAll('.gems-section .row')].map(row =>
        [...row.children].filter(c => !c.hidden).map(c => [c.id, Math.round(c.getBoundingClientRect().left),
                                                         Math.round(c.getBoundingClientRect().top)]))""")
    for fields in rows:
        lefts = sorted({left for _id, left, _top in fields})
        assert len(lefts) <= (2 if width >= 768 else 1), fields
        if width >= 768:  # pairs: the n-th field sits in column n % 2 and shares its top with its partner
            for index, (field_id, left, top) in enumerate(fields):
                assert left == lefts[index % 2], f"{field_id} jumped columns: {fields}"
                if index % 2:
                    assert top == fields[index - 1][2], f"{field_id} is not level with its partner"
    page.click("#gems-submit")
    dialog = page.locator("#gems-submit-confirm")
    dialog.wait_for(state="visible")
    shot(page, f"layout-{width}-student-submit-confirm")
    assert "锁定" in dialog.inner_text()
    page.click("#gems-submit-cancel")
    dialog.wait_for(state="hidden")
    with app.app_context():
        assert db.session.get(Graduate, student.graduate_id).status == "draft"  # nothing was submitted


@pytest.mark.parametrize("width", WIDTHS)
def test_user_statistics_chart_draws_offline(server: str, chromium: Any, width: int) -> None:
    page = _page(chromium, server, width, "admin")
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/userstatschartview/chart/")
    page.locator(".gems-chart canvas").first.wait_for(state="attached")
    shot(page, f"layout-{width}-user-stats-chart")
    box = page.locator(".gems-chart").first.bounding_box()
    assert box["width"] > 200 and box["x"] + box["width"] <= width + 1
    assert [u for u in foreign if not u.startswith("data:")] == []
