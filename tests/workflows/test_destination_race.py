"""On PostgreSQL: two approvals racing for one graduate still leave exactly one current destination."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination
from app.models.user import User
from app.workflows import fire
from app.workflows.destination import DESTINATION
from tests.conftest import PG
from tests.workflows import destination_world as world
from tests.workflows.destination_world import destination, graduate

student_id, dctx = world.student_id, world.dctx
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL row locks and parallel writers (TEST_DATABASE_URL)")


def test_two_concurrent_approvals_leave_one_current(app: Any, dctx: Any, student_id: int) -> None:
    """Two pending versions of one graduate (as a bug or an import could leave them) approved at the same moment:
    the graduate-row lock orders them and the partial unique index guards the outcome."""
    for _trial in range(10):
        grad = graduate(student_id)
        destination(grad, "complete")
        ids = [destination(grad, "central", version_no=n, current=False, kind="change").id for n in (2, 3)]
        barrier, results = threading.Barrier(2), {}

        def approve(record_id: int, barrier: threading.Barrier = barrier, results: dict = results) -> None:
            with app.app_context():
                try:
                    school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
                    barrier.wait(timeout=30)
                    results[record_id] = fire(DESTINATION, "approve_school", record_id, school)
                except BaseException as exc:  # noqa: BLE001 - checked below
                    results[record_id] = exc
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert all(not isinstance(r, BaseException) for r in results.values()), results
        db.session.expire_all()
        current = db.session.execute(select(Destination.id).where(Destination.graduate_id == grad.id,
                                                                  Destination.is_current)).scalars().all()
        assert len(current) == 1 and current[0] in ids, current


def test_a_decision_racing_the_plan_lock_waits_for_it_and_is_refused(app: Any, dctx: Any, student_id: int) -> None:
    """The school locks the plan while a batch approval is on its way: the approval waits for the lock's commit,
    then reads the lock and refuses — no approval commits into a locked plan."""
    import time

    from sqlalchemy import text, update

    from app.models.org import Cohort
    from app.workflows import fire_many

    grad = graduate(student_id)
    pending = destination(grad, "central").id
    cohort_id = world.cohort().id
    db.session.commit()
    outcome: dict[str, Any] = {}

    def approve() -> None:
        with app.app_context():
            try:
                school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
                outcome["result"] = fire_many(DESTINATION, "approve_school", [pending], school)
            except BaseException as exc:  # noqa: BLE001 - checked below
                outcome["result"] = exc
            finally:
                db.session.remove()

    with db.engine.connect() as locker, db.engine.connect() as probe:
        locker.execute(update(Cohort).where(Cohort.id == cohort_id).values(plan_locked=True))  # not committed yet
        runner = threading.Thread(target=approve)
        runner.start()
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        deadline = time.monotonic() + 20
        while probe.execute(text(waiting)).scalar() == 0 and "result" not in outcome:
            probe.rollback()  # pg_stat_activity is read once per transaction
            assert time.monotonic() < deadline, "the approval never waited for the plan lock"
            time.sleep(0.05)
        assert "result" not in outcome, f"the approval did not wait for the lock: {outcome}"
        locker.commit()
        runner.join(timeout=60)
    result = outcome["result"]
    assert not isinstance(result, BaseException), result
    assert not result.done and "锁定" in result.results[0].reason, result.results[0].reason
    db.session.expire_all()
    assert db.session.get(Destination, pending).status == "central"
