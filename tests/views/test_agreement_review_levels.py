"""EMP-2 for agreements: the admin's /workflows/ page switches the agreement review to one level (school only) —
refused while agreements wait for the college; then an accepted agreement waits for the school, the college no
longer approves, the table, diagram and status filter drop the college level; switching back restores it."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models.agreement import Agreement
from app.services.review.agreement import AGREEMENT_REVIEW
from app.workflows.agreement import AGREEMENT
from tests.views.test_agreement_review_world import make_agreements, remove, statuses

URL = "/review/agreement/"


@pytest.fixture(autouse=True)
def _clean(app: Any) -> Iterator[None]:
    yield
    with app.app_context():
        remove("ARL")


def _switch(b: Any, levels: int) -> Any:
    return b.client.post("/workflows/agreement/levels", data={"csrf_token": b.token("/workflows/"),
                                                              "levels": str(levels)})


def _batch(b: Any, decision: str, ids: list[int]) -> str:
    return b.client.post(URL + "batch", data={"csrf_token": b.token(URL), "decision": decision,
                                              "ids": [str(i) for i in ids]}).get_data(as_text=True)


def test_one_level_agreement_review(app: Any, as_role: Any) -> None:
    admin, school, college = as_role("admin"), as_role("school"), as_role("college_a")
    page = admin.get("/workflows/").get_data(as_text=True)
    assert 'id="levels-agreement"' in page and "三方协议" in page.split('id="levels-agreement"')[1][:200]
    with app.app_context():
        waiting = make_agreements(1, "secondary", prefix="ARL")
        secondary = list(db.session.execute(select(Agreement.id).where(Agreement.status == "secondary")).scalars())
    _switch(admin, 1)
    assert f"{len(secondary)} 条记录仍在等待院系审核" in admin.get("/workflows/").get_data(as_text=True)
    with app.app_context():
        assert AGREEMENT.levels == 2
        db.session.execute(update(Agreement).where(Agreement.id.in_(secondary)).values(status="central"))
        db.session.commit()
        pending = make_agreements(2, "central", prefix="ARL")
    try:
        assert _switch(admin, 1).status_code == 302
        with app.app_context():
            assert AGREEMENT.levels == 1 and "secondary" not in AGREEMENT.states
            assert AGREEMENT.transitions["accept"].dest == "central"
            assert "approve_college" not in AGREEMENT.transitions
        page = admin.get("/workflows/").get_data(as_text=True)
        table = page.split('id="workflow-agreement"')[1].split('id="workflow-', 1)[0]
        assert "二级待审" not in table and "院系审核通过" not in table and "学校审核通过" in table
        svg = admin.get("/workflows/agreement.svg").get_data(as_text=True)
        assert "二级待审" not in svg and "中心待审" in svg
        filters = school.get(URL).get_data(as_text=True).split('id="rf-status"')[1].split("</select>")[0]
        assert "二级待审" not in filters
        assert "2 条已跳过" in _batch(college, "approve", pending)
        assert "2 条已完成" in _batch(school, "approve", pending)
        with app.app_context():
            assert set(statuses(pending).values()) == {"stamp_employer"}
    finally:
        _switch(admin, 2)
        with app.app_context():
            db.session.execute(update(Agreement).where(Agreement.id.in_(secondary)).values(status="secondary"))
            db.session.commit()
    with app.app_context():
        assert AGREEMENT.levels == 2 and "secondary" in AGREEMENT.states
        assert AGREEMENT_REVIEW.workflow.transitions["accept"].dest == "secondary"
        assert statuses(waiting) == {waiting[0]: "secondary"}
