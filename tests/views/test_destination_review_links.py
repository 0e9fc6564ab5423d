"""PLAN-1/PLAN-3: every number the statistics page and the plan-lock page show links to the destination review list,
and the list's total is that number — read from the rendered HTML, for every dimension, caliber and role's scope,
on the plan world (graduates without a destination, in every state, some with a pending change or an old word)."""
from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination
from app.models.plan import CONFIRMED, ERROR, PlanConfirmation
from app.services.statistics import CALIBERS, DIMENSIONS
from tests.services import plan_world as pw
from tests.services.plan_world import world

world = world  # noqa: PLW0127  (the module fixture)
ROW = re.compile(r"<tr(?P<attrs>[^>]*)>(?P<body>.*?)</tr>", re.S)
LINK = re.compile(r'<a (?:class|id)="(?P<kind>gems-n-[a-z]+|gems-count-[a-z]+)"[^>]*href="(?P<href>[^"]+)">(?P<n>\d+)</a>')
TOTAL = re.compile(r'class="gems-pager" data-total="(?P<n>\d+\+?)"')


@pytest.fixture(scope="module")
def words(app: Any, world: Any) -> Iterator[dict[str, int]]:
    """Confirmations on a third of the approved entries, error reports on another third, one word on an older
    version (it no longer counts), and a pending change on one approved graduate (still one row, one count)."""
    with app.app_context():
        approved = db.session.execute(select(Destination).where(
            Destination.graduate_id.in_([gid for spec, gid in world if spec.included]), Destination.is_current,
            Destination.status == "complete").order_by(Destination.id)).scalars().all()
        made = {CONFIRMED: 0, ERROR: 0, "stale": 0}
        for n, entry in enumerate(approved):
            if n % 3 == 2:
                continue
            status = CONFIRMED if n % 3 == 0 else ERROR
            db.session.add(PlanConfirmation(graduate_id=entry.graduate_id, destination_id=entry.id, status=status,
                                            remark="x" if status == ERROR else None))
            made[status] += 1
        older, changing = approved[2], approved[5]
        old = Destination(graduate_id=older.graduate_id, version_no=9, is_current=False, status="complete", version=1,
                          code_id=older.code_id, created_at=datetime.datetime(2093, 4, 1))
        db.session.add(old)
        db.session.flush()
        db.session.add(PlanConfirmation(graduate_id=older.graduate_id, destination_id=old.id, status=CONFIRMED))
        made["stale"] += 1
        db.session.add(Destination(graduate_id=changing.graduate_id, version_no=8, is_current=False, status="central",
                                   version=1, code_id=pw.code("70").id, created_at=datetime.datetime(2093, 6, 1)))
        db.session.commit()
    yield made


def links(page: str) -> list[tuple[str, str, int, str]]:
    """(kind, href, number shown, the table row's data-key or "" ) for every link to the destination list."""
    found = []
    for row in ROW.finditer(page):
        key = re.search(r'data-key="([^"]*)"', row["attrs"])
        for m in LINK.finditer(row["body"]):
            if m["href"].startswith("/review/destination/"):
                found.append((m["kind"], html.unescape(m["href"]), int(m["n"]), key.group(1) if key else "total"))
    return found


def listed(browser: Any, href: str) -> str:
    page = browser.get(href)
    assert page.status_code == 200, href
    return TOTAL.search(page.get_data(as_text=True))["n"]


def _no_entry_line(dimension: str, key: str) -> bool:
    """The code dimension's "no approved destination" line (see test_no_destination_line_links)."""
    return dimension == "code" and key == ""


@pytest.mark.parametrize("role", ["school", "college_a"])
@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_every_statistics_number_is_its_list_total(app: Any, as_role: Any, world: Any, words: Any, role: str,
                                                   dimension: str) -> None:
    b = as_role(role)
    with app.app_context():
        cohort_id = pw.cohort().id
    checked = 0
    for caliber in CALIBERS:
        page = b.get(f"/statistics/?cohort={cohort_id}&dimension={dimension}&caliber={caliber}").get_data(as_text=True)
        found = links(page)
        assert found, "the statistics table rendered no links"
        for kind, href, shown, key in found:
            if _no_entry_line(dimension, key):
                continue
            assert listed(b, href) == str(shown), (kind, href)
            checked += 1
    assert checked >= 2 * (2 + 5)  # at least the total line's graduates, placed and five groups per caliber


def test_no_destination_line_links(app: Any, as_role: Any, world: Any, words: Any) -> None:
    b = as_role("school")
    with app.app_context():
        cohort_id = pw.cohort().id
    page = b.get(f"/statistics/?cohort={cohort_id}&dimension=code&caliber=current").get_data(as_text=True)
    found = [(kind, href, shown) for kind, href, shown, key in links(page) if _no_entry_line("code", key)]
    assert found
    assert [listed(b, href) for _kind, href, _shown in found] == [str(shown) for _kind, _href, shown in found]


@pytest.mark.parametrize("role", ["school", "college_a", "college_b"])
def test_plan_lock_numbers_are_their_list_totals(app: Any, as_role: Any, world: Any, words: Any, role: str) -> None:
    b = as_role(role)
    with app.app_context():
        cohort_id = pw.cohort().id
    found = links(b.get(f"/plan/lock/?cohort={cohort_id}").get_data(as_text=True))
    assert sorted(kind for kind, *_rest in found) == ["gems-count-confirmed", "gems-count-error", "gems-count-none"]
    for kind, href, shown, _key in found:
        assert listed(b, href) == str(shown), (kind, href)


def test_plan_lock_counts_match_the_fixture(app: Any, as_role: Any, world: Any, words: Any) -> None:
    """The oracle for the page itself: the words made above, the stale one counting as not confirmed."""
    with app.app_context():
        cohort_id = pw.cohort().id
        included = sum(1 for spec in pw.SPECS if spec.included)
        excluded = {gid for spec, gid in world if not spec.included}
        ours = db.session.execute(select(PlanConfirmation.status).where(
            PlanConfirmation.graduate_id.in_([gid for _s, gid in world if gid not in excluded]))).scalars().all()
    shown = {kind: n for kind, _href, n, _key in links(as_role("school").get(f"/plan/lock/?cohort={cohort_id}")
                                                       .get_data(as_text=True))}
    assert shown["gems-count-confirmed"] + shown["gems-count-error"] + shown["gems-count-none"] == included
    assert shown["gems-count-error"] == ours.count(ERROR)
    assert shown["gems-count-confirmed"] == ours.count(CONFIRMED) - words["stale"]
