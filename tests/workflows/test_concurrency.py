"""On PostgreSQL, two reviewers deciding the same record at once: exactly one wins, 200 trials."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.user import User
from app.workflows import fire
from tests.conftest import PG
from tests.workflows.ticket import TICKET, TestBase, Ticket

pytestmark = pytest.mark.skipif(not PG, reason="concurrency needs PostgreSQL row locks (set TEST_DATABASE_URL)")

TRIALS = 200


def test_two_concurrent_fires_exactly_one_wins(app: Any) -> None:
    """Both reviewers press 'approve' together; one is done, the other told it changed, never both."""
    with app.app_context():
        db.session.remove()
        TestBase.metadata.drop_all(db.engine)
        TestBase.metadata.create_all(db.engine)
        dept = db.session.execute(select(User.department_id).where(User.username == "college_a")).scalar_one()
        since = db.session.execute(db.text("select coalesce(max(seq), 0) from audit_log")).scalar_one()
        rows = [Ticket(department_id=dept, status="college") for _ in range(TRIALS)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
    outcomes: list[tuple[int, bool, str]] = []
    lock = threading.Lock()

    def decide(tid: int, who: str, barrier: threading.Barrier) -> None:
        with app.app_context():
            actor = db.session.execute(select(User).where(User.username == who)).scalar_one()
            _ = actor.roles  # load before the race
            barrier.wait()
            result = fire(TICKET, "pass_college", tid, actor)
            with lock:
                outcomes.append((tid, result.ok, result.reason or ""))
            db.session.remove()

    for tid in ids:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=decide, args=(tid, who, barrier)) for who in ("college_a", "school")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with app.app_context():
        for tid in ids:
            winners = [o for o in outcomes if o[0] == tid and o[1]]
            assert len(winners) == 1, (tid, [o for o in outcomes if o[0] == tid])
            row = db.session.get(Ticket, tid)
            assert (row.status, row.version) == ("school", 2)
        audits = db.session.execute(
            db.text("select count(*) from audit_log where action = 'workflow.ticket.pass_college' "
                    "and target_id = any(:ids) and seq > :since"),  # ticket ids restart with the table: this run's
            {"ids": [str(i) for i in ids], "since": since}).scalar_one()
        assert audits == TRIALS
        db.session.remove()
        TestBase.metadata.drop_all(db.engine)
