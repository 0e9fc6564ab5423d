"""Cohorts: a non-current cohort can be created; marking one current ends the previous current one."""
from __future__ import annotations

from typing import Any, Iterator

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.org import Cohort

YEARS = (2041, 2042)


@pytest.fixture()
def restore_current(app: Any) -> Iterator[None]:
    """The demo's 2026 cohort is current for every other test: put it back."""
    yield
    with app.app_context():
        db.session.execute(delete(Cohort).where(Cohort.year.in_(YEARS)))
        db.session.execute(Cohort.__table__.update().where(Cohort.year == 2026).values(is_current=True))
        db.session.commit()


def cohorts(app: Any) -> dict[int, bool]:
    with app.app_context():
        return {c.year: c.is_current for c in db.session.scalars(select(Cohort))}


def test_a_non_current_cohort_can_be_added(app: Any, as_role: Any, restore_current: None) -> None:
    admin = as_role("admin")
    response = admin.post_form("/cohorts/add", {"year": "2041", "name": "2041届"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert cohorts(app)[2041] is False and cohorts(app)[2026] is True


def test_marking_a_cohort_current_ends_the_previous_one(app: Any, as_role: Any, restore_current: None) -> None:
    admin = as_role("admin")
    response = admin.post_form("/cohorts/add", {"year": "2042", "name": "2042届", "is_current": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    state = cohorts(app)
    assert state[2042] is True and state[2026] is False
    assert [year for year, current in state.items() if current] == [2042]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026届 不再是当前届" in page
    with app.app_context():
        pk_2026 = db.session.scalar(select(Cohort.id).where(Cohort.year == 2026))
    again = admin.post_form(f"/cohorts/edit/{pk_2026}", {"year": "2026", "name": "2026届", "is_current": "y"})
    assert again.status_code == 302
    state = cohorts(app)
    assert state[2026] is True and state[2042] is False
