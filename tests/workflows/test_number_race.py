"""On PostgreSQL: two transactions assigning numbers from the same pool at once never take the same number — the
pool rows are locked with SKIP LOCKED, so the second issuer takes the next free number instead of waiting."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import AgreementNumber
from app.services import agreement_numbers as numbers
from tests.conftest import PG
from tests.workflows import test_number_world as world

nctx = world.nctx
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL row locks and parallel writers (TEST_DATABASE_URL)")


def _in_thread(app: Any, work: Any, results: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                results[key] = work()
            except BaseException as exc:  # noqa: BLE001 - checked by the test
                results[key] = exc
                db.session.rollback()
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_issuer_skips_the_rows_the_first_holds_and_does_not_wait(app: Any, nctx: Any) -> None:
    """The first issuer has taken (locked, not yet committed) the lowest number; the second, in its own transaction,
    finishes at once with the next number — with plain FOR UPDATE or no lock it would wait for the first to end."""
    first_grad, second_grad = world.graduates(2)
    free = world.pool(3)
    taken, release, results = threading.Event(), threading.Event(), {}

    def first() -> Any:
        given = numbers.assign_next([first_grad])
        taken.set()
        assert release.wait(timeout=30), "never released"
        db.session.commit()
        return given

    def second() -> Any:
        given = numbers.assign_next([second_grad])
        db.session.commit()
        return given

    a = _in_thread(app, first, results, "first")
    assert taken.wait(timeout=30), results
    b = _in_thread(app, second, results, "second")
    b.join(timeout=15)
    still_waiting = b.is_alive()
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert not still_waiting, "the second issuer waited for the first one's lock"
    assert not any(isinstance(r, BaseException) for r in results.values()), results
    db.session.expire_all()
    got = {g: db.session.get(AgreementNumber, n).number for r in results.values() for g, n in r.items()}
    assert got == {first_grad: free[0], second_grad: free[1]}, got


def test_simultaneous_batches_from_one_pool_never_share_a_number(app: Any, nctx: Any) -> None:
    for _trial in range(5):
        world.remove_all()
        left, right = world.graduates(6), world.graduates(6)
        world.pool(10)  # fewer than the twelve graduates: the pool runs out under the race
        barrier, results = threading.Barrier(2), {}

        def assign(ids: list[int], barrier: threading.Barrier = barrier) -> Any:
            barrier.wait(timeout=30)
            given = numbers.assign_next(ids)
            db.session.commit()
            return given

        threads = [_in_thread(app, lambda ids=ids: assign(ids), results, key)
                   for key, ids in (("left", left), ("right", right))]
        for thread in threads:
            thread.join(timeout=60)
        assert not any(isinstance(r, BaseException) for r in results.values()), results
        db.session.expire_all()
        given = [n for r in results.values() for n in r.values() if n is not None]
        assert len(given) == len(set(given)) == 10, given
        owners = dict(db.session.execute(select(AgreementNumber.id, AgreementNumber.graduate_id)
                                         .where(AgreementNumber.id.in_(given))).all())
        for r in results.values():
            for graduate_id, number_id in r.items():
                if number_id is not None:
                    assert owners[number_id] == graduate_id
