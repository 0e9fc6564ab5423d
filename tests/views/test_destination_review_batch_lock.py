"""EMP-4/PLAN-1: batch modify writes destinations without the engine, so it must keep the engine's doors shut — a
locked plan or a passed change deadline refuses every record of the cohort with the lock's own message."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination
from app.models.org import Cohort
from app.models.user import User
from app.services.review import batch
from app.services.review.workspace import get
from app.workflows.destination import cohort_closed
from tests.views.review_helpers import make_destinations, remove_destinations
from tests.workflows.destination_world import cohort

YEAR = 2095  # a cohort no other test uses
PREFIX = "DBL"


def _cohort() -> Cohort:
    return cohort(YEAR)


def _clean() -> None:
    remove_destinations(PREFIX)
    row = _cohort()
    row.plan_locked, row.change_deadline = False, None
    db.session.commit()


@pytest.fixture()
def records(app: Any) -> Iterator[tuple[list[int], list[int]]]:
    """Two secondary-pending destinations in our cohort, one in an open cohort (the batch mixes both)."""
    from tests.workflows.destination_world import cohort as open_cohort

    with app.app_context():
        _clean()
        ours = make_destinations(2, "secondary", "101", prefix=PREFIX, cohort_id=_cohort().id)
        other = make_destinations(1, "secondary", "101", prefix=PREFIX, cohort_id=open_cohort().id)
    yield ours, other
    with app.app_context():
        _clean()


def _signed(ids: list[int]) -> dict[int, Any]:
    db.session.expire_all()
    return dict(db.session.execute(select(Destination.id, Destination.signed_on).where(Destination.id.in_(ids))).all())


def _modify(ids: list[int], day: datetime.date) -> dict[int, Any]:
    actor = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
    return {r.id: r for r in batch.modify_field("signed_on", day, ids, actor, get("destination"))}


@pytest.mark.parametrize("closing", ["lock", "deadline"])
def test_a_closed_cohort_refuses_batch_modify_per_record(app: Any, records: Any, closing: str) -> None:
    ours, other = records
    day = datetime.date(2095, 6, 1)
    with app.app_context():
        cohort = _cohort()
        if closing == "lock":
            cohort.plan_locked = True
        else:
            cohort.change_deadline = datetime.date(2020, 8, 31)
        db.session.commit()
        message = cohort_closed(_cohort())
        assert message and (cohort.name in message)
        results = _modify(ours + other, day)
        assert [results[i].ok for i in ours] == [False, False]
        assert {results[i].reason for i in ours} == {message}
        assert results[other[0]].ok and results[other[0]].reason is None
        assert _signed(ours + other) == {ours[0]: None, ours[1]: None, other[0]: day}
        # reopened, the same batch goes through
        cohort = _cohort()
        cohort.plan_locked, cohort.change_deadline = False, None
        db.session.commit()
        assert all(r.ok for r in _modify(ours, day).values())
        assert _signed(ours) == {ours[0]: day, ours[1]: day}


def test_the_result_page_shows_the_lock_message(app: Any, as_role: Any, records: Any) -> None:
    ours, _other = records
    with app.app_context():
        cohort = _cohort()
        cohort.plan_locked = True
        db.session.commit()
        message = cohort_closed(_cohort())
    b = as_role("college_a")
    url = "/review/destination/"
    page = b.client.post(url + "modify", data={"csrf_token": b.token(url), "field": "signed_on", "value": "2095-06-01",
                                               "ids": [str(i) for i in ours], "target": "selected"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count(message) == 2
    with app.app_context():
        assert set(_signed(ours).values()) == {None}
