"""The statistics and plan-lock screens in the browser: numbers and their links per role's scope, Excel exports,
lock (school) and unlock (admin only, with a reason), audited; refused while agreements await archiving."""
from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.plan import PlanLockEvent
from app.services import plan
from tests.services import plan_world as pw
from tests.services.plan_world import SPECS, cohort, department, world

world = world  # noqa: PLW0127  (the module fixture)
TOKEN = "/resetmypassword/form"  # a page every account has, with a CSRF token


@pytest.fixture()
def browsers(app: Any, as_role: Any, world: Any) -> dict[str, Any]:
    return {role: as_role(role) for role in ("admin", "school", "college_a")}


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr(?: class="[^"]*")? data-key="([^"]*)">(.*?)</tr>', html, re.S))


def test_statistics_page_numbers_and_links(app: Any, browsers: dict[str, Any]) -> None:
    with app.app_context():
        cid, a, b = cohort().id, department("101").id, department("102").id
    html = browsers["school"].get(f"/statistics/?cohort={cid}&dimension=college").get_data(as_text=True)
    rows = _rows(html)
    in_a = [s for s in SPECS if s.included and s.department in ("101", "10101")]
    cell = re.search(r'class="gems-n-placed" href="([^"]+)">(\d+)<', rows[str(a)])
    assert int(cell.group(2)) == sum(s.counts_placed for s in in_a)
    query = parse_qs(urlparse(cell.group(1).replace("&amp;", "&")).query)
    assert query == {"cohort": [str(cid)], "department": [str(a)], "placed": ["1"]}
    assert str(b) in rows
    scoped = _rows(browsers["college_a"].get(f"/statistics/?cohort={cid}&dimension=college").get_data(as_text=True))
    assert str(a) in scoped and str(b) not in scoped
    assert 'id="chart-colleges"' in html and "/static/vendor/echarts/echarts.min.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", html)


def test_statistics_export(app: Any, browsers: dict[str, Any]) -> None:
    with app.app_context():
        cid = cohort().id
    response = browsers["school"].get(f"/statistics/export?cohort={cid}&dimension=gender&caliber=2021")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][:4] == ("性别", "毕业生人数", "落实人数", "毕业去向落实率")
    total = values[-1]
    included = [s for s in SPECS if s.included]
    assert total[1:3] == (len(included), sum(s.counts_placed for s in included))


def test_student_cannot_open_the_statistics(app: Any, world: Any) -> None:
    from tests.conftest import Browser

    b = Browser(app.test_client())
    with app.app_context():
        cid = cohort().id
    assert b.get(f"/statistics/?cohort={cid}").status_code != 200  # anonymous


def test_lock_page_counts_link_to_the_list(app: Any, browsers: dict[str, Any]) -> None:
    with app.app_context():
        cid = cohort().id
    html = browsers["school"].get(f"/plan/lock/?cohort={cid}").get_data(as_text=True)
    none = re.search(r'id="gems-count-none" href="([^"]+)">(\d+)<', html)
    assert int(none.group(2)) == sum(1 for s in SPECS if s.included)  # nobody has confirmed yet
    assert parse_qs(urlparse(none.group(1).replace("&amp;", "&")).query) == {"cohort": [str(cid)],
                                                                             "confirmation": ["none"]}
    response = browsers["college_a"].get(f"/plan/lock/export?cohort={cid}")
    sheet = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert sheet[0][0] == "学号" and len(sheet) - 1 == sum(1 for s in SPECS if s.included and s.department != "102")


def _lock(b: Any, cid: int, **extra: Any) -> Any:
    return b.post_form("/plan/lock/lock", {"cohort": cid, **extra}, token_from=TOKEN)


def test_lock_then_unlock_by_the_admin_only_with_a_reason(app: Any, browsers: dict[str, Any]) -> None:
    with app.app_context():
        cid = cohort().id
        start = db.session.execute(select(func.max(AuditLog.seq))).scalar() or 0

    def locked() -> bool:
        with app.app_context():
            return cohort().plan_locked

    _lock(browsers["school"], cid)
    assert not locked()  # unconfirmed graduates: the box must be ticked
    _lock(browsers["college_a"], cid, acknowledge="1")
    assert not locked()  # a college may not lock
    _lock(browsers["school"], cid, acknowledge="1")
    assert locked()
    unlock = "/plan/lock/unlock"
    browsers["school"].post_form(unlock, {"cohort": cid, "reason": "想改"}, token_from=TOKEN)
    assert locked()
    browsers["admin"].post_form(unlock, {"cohort": cid, "reason": "  "}, token_from=TOKEN)
    assert locked()
    browsers["admin"].post_form(unlock, {"cohort": cid, "reason": "省厅要求更正两名毕业生去向"},
                                token_from=TOKEN)
    assert not locked()
    with app.app_context():
        actions = db.session.execute(select(AuditLog.action).where(AuditLog.seq > start, AuditLog.target_type == "cohort",
                                                                   AuditLog.target_id == str(cid))
                                         .order_by(AuditLog.seq)).scalars().all()
        assert actions == ["plan.locked", "plan.unlocked"]
        events = db.session.execute(select(PlanLockEvent.action, PlanLockEvent.reason).where(
            PlanLockEvent.cohort_id == cid).order_by(PlanLockEvent.id)).all()
        assert [tuple(e) for e in events] == [("lock", None), ("unlock", "省厅要求更正两名毕业生去向")]


def test_lock_refused_while_agreements_await_archiving(app: Any, browsers: dict[str, Any]) -> None:
    with app.app_context():
        cid = cohort().id

    def waiting(row: Any) -> int:
        return 3 if row.year == pw.YEAR else 0

    plan.register_awaiting_archive(waiting)
    try:
        response = _lock(browsers["school"], cid, acknowledge="1")
        assert response.status_code == 302
        with app.app_context():
            assert not cohort().plan_locked
        html = browsers["school"].get(f"/plan/lock/?cohort={cid}").get_data(as_text=True)
        assert re.search(r'id="gems-awaiting-archive">[^<]*<strong>3</strong>', html)
    finally:
        plan._AWAITING.remove(waiting)


def test_every_dimension_and_caliber_renders(app: Any, browsers: dict[str, Any]) -> None:
    from app.services.statistics import CALIBERS, DIMENSIONS

    with app.app_context():
        cid = cohort().id
    for dimension in DIMENSIONS:
        for caliber in CALIBERS:
            for role in ("school", "college_a"):
                url = f"/statistics/?cohort={cid}&dimension={dimension}&caliber={caliber}"
                assert browsers[role].get(url).status_code == 200, (role, url)
    html = browsers["school"].get(f"/statistics/warnings?cohort={cid}").get_data(as_text=True)
    assert 'id="gems-warnings-flexible"' in html and 'id="gems-warning-evidence"' in html
