"""EMP-2: a school switches the destination review to one level (school only): submissions go to the school, the
college no longer approves, the admin's table and diagram follow; refused while records wait for the college."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from app.extensions import db
from app.models.destination import Destination
from app.workflows.destination import DESTINATION
from tests.views.review_helpers import destination_statuses, make_destinations


def _switch(b: Any, levels: int) -> Any:
    return b.client.post("/workflows/destination/levels", data={"csrf_token": b.token("/workflows/"),
                                                                "levels": str(levels)})


def _secondary() -> list[int]:
    return list(db.session.execute(select(Destination.id).where(Destination.status == "secondary")).scalars())


def _batch(b: Any, decision: str, ids: list[int]) -> str:
    return b.client.post("/review/destination/batch", data={
        "csrf_token": b.token("/review/destination/"), "decision": decision, "ids": [str(i) for i in ids]}
    ).get_data(as_text=True)


def test_one_level_mode(app: Any, as_role: Any) -> None:
    """Refused while records wait for the college; once none does, the school alone decides, table and diagram
    follow, and switching back restores the college level."""
    admin, school, college = as_role("admin"), as_role("school"), as_role("college_a")
    with app.app_context():
        make_destinations(1, "secondary", "101", prefix="DLA")
        waiting = _secondary()  # other tests' rows too: each must leave the college level first
    _switch(admin, 1)
    assert f"{len(waiting)} 条记录仍在等待院系审核" in admin.get("/workflows/").get_data(as_text=True)
    with app.app_context():
        assert DESTINATION.levels == 2
        db.session.execute(update(Destination).where(Destination.id.in_(waiting)).values(status="central"))
        db.session.commit()
        drafts = make_destinations(2, "draft", "101", prefix="DLA")
    try:
        assert _switch(admin, 1).status_code == 302
        with app.app_context():
            assert DESTINATION.levels == 1 and "secondary" not in DESTINATION.states
        page = admin.get("/workflows/").get_data(as_text=True)
        table = page.split('id="workflow-destination"')[1].split('id="workflow-', 1)[0]
        assert "二级待审" not in table and "院系审核通过" not in table
        svg = admin.get("/workflows/destination.svg").get_data(as_text=True)
        assert "二级待审" not in svg and "中心待审" in svg
        _batch(college, "submit_for_student", drafts)
        with app.app_context():
            assert set(destination_statuses(drafts).values()) == {"central"}
        assert "2 条已跳过" in _batch(college, "approve", drafts)
        assert "2 条已完成" in _batch(school, "approve", drafts)
        with app.app_context():
            assert set(destination_statuses(drafts).values()) == {"complete"}
    finally:
        _switch(admin, 2)
        with app.app_context():
            db.session.execute(update(Destination).where(Destination.id.in_(waiting)).values(status="secondary"))
            db.session.commit()
    with app.app_context():
        assert DESTINATION.levels == 2 and "secondary" in DESTINATION.states
