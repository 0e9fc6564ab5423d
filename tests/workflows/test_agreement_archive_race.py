"""On PostgreSQL: archive and revoke of one agreement fired at the same moment — from one record page (the same
version), twice archive (a double click of two school accounts), twice revoke — exactly one wins, and the graduate
has exactly the destination that winner leaves (one new code-10 version at most, one current)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.destination import Destination
from app.workflows import fire
from app.workflows.agreement import AGREEMENT
from tests.conftest import PG
from tests.views.test_agreement_review_world import (
    current_destination,
    graduate_of,
    make_agreements,
    remove,
    statuses,
    user,
)

PREFIX = "ARR"
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL row locks and parallel writers (TEST_DATABASE_URL)")


@pytest.fixture()
def rctx(ctx: Any) -> Iterator[Any]:
    remove(PREFIX)
    yield ctx
    remove(PREFIX)


def _race(app: Any, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in parallel threads released together; their results (or exceptions), in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[n] = calls[n]()
            except BaseException as exc:  # noqa: BLE001 - checked by the caller
                results[n] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not isinstance(r, BaseException) for r in results), results
    return results


def _versions(graduate_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Destination).where(
        Destination.graduate_id == graduate_id)).scalar_one()


def _firing(trigger: str, pk: int, who: str, **kw: Any) -> Callable[[], Any]:
    return lambda: fire(AGREEMENT, trigger, pk, user(who), **kw)


def test_archive_and_revoke_from_one_page_view(app: Any, rctx: Any) -> None:
    """Two reviewers on the same record page (version 1), one archives, one revokes: one wins, the other is told."""
    for _trial in range(5):
        pk, = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
        graduate = graduate_of(pk)
        before = current_destination(graduate).id
        db.session.commit()
        archived, revoked = _race(app, [_firing("archive", pk, "school", expected_version=1),
                                        _firing("revoke", pk, "admin", remark="撤消", expected_version=1)])
        assert [archived.ok, revoked.ok].count(True) == 1, (archived, revoked)
        db.session.expire_all()
        row = db.session.get(Agreement, pk)
        current = current_destination(graduate)
        if archived.ok:  # the revoke read a stale page or the old state: nothing of it happened
            assert row.status == "archived" and current.id == row.destination_id != before
        else:
            assert row.status == "stamp_school" and current.id == before
        assert revoked.reason


def test_two_archives_at_once_make_one_version(app: Any, rctx: Any) -> None:
    for _trial in range(5):
        pk, = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
        graduate = graduate_of(pk)
        db.session.commit()
        results = _race(app, [_firing("archive", pk, "school"), _firing("archive", pk, "admin")])
        assert [r.ok for r in results].count(True) == 1, results
        db.session.expire_all()
        assert statuses([pk])[pk] == "archived" and _versions(graduate) == 2
        assert current_destination(graduate).id == db.session.get(Agreement, pk).destination_id


def test_two_revokes_at_once_go_back_once(app: Any, rctx: Any) -> None:
    for _trial in range(5):
        pk, = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
        graduate = graduate_of(pk)
        before = current_destination(graduate).id
        assert fire(AGREEMENT, "archive", pk, user("school")).ok
        results = _race(app, [_firing("revoke", pk, "school", remark="一"), _firing("revoke", pk, "admin",
                                                                                 remark="二")])
        assert [r.ok for r in results].count(True) == 1, results
        db.session.expire_all()
        assert statuses([pk])[pk] == "revoked" and current_destination(graduate).id == before
        assert _versions(graduate) == 2
