"""On PostgreSQL: the school archives (or revokes) an agreement at the very moment its termination is approved —
both read the same agreement, both try to move it: exactly one wins, and the plan, the numbers and both records
agree with the winner (the loser changed nothing)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models.agreement import Agreement
from app.models.destination import Destination
from app.models.termination import Termination
from app.models.user import User
from app.workflows import WorkflowError, fire
from app.workflows.agreement import AGREEMENT
from app.workflows.termination import TERMINATION
from tests.conftest import PG
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import agreement, archived, graduate, pool, termination

people, tctx = world.people, world.tctx
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL row locks and parallel writers (TEST_DATABASE_URL)")


def _race(app: Any, agreement_id: int, steps: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Run the steps in two threads while a third connection holds the agreement's row; release it once both wait
    for it, so both have read the same agreement before either writes. name -> True (won), False (refused)."""
    outcome: dict[str, Any] = {}
    pids: dict[str, int] = {}

    def run(name: str, step: Callable[[Any], Any]) -> None:
        with app.app_context():
            try:
                school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
                pids[name] = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
                result = step(school)
                outcome[name], outcome[f"{name}_reason"] = bool(result.ok), result.reason
            except WorkflowError as exc:  # the approval's effect found the agreement moved: all rolled back
                outcome[name] = False
                outcome[f"{name}_reason"] = str(exc)
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome[name] = exc
            finally:
                db.session.remove()

    with db.engine.connect() as holder, db.engine.connect() as probe:
        holder.execute(select(Agreement.id).where(Agreement.id == agreement_id).with_for_update())
        threads = [threading.Thread(target=run, args=item) for item in steps.items()]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while True:
            if len(pids) == len(steps):
                waiting = probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                             "AND pid = ANY(:pids)"), {"pids": list(pids.values())}).scalar()
                probe.rollback()  # pg_stat_activity is read once per transaction
                if waiting == len(steps):
                    break
            assert time.monotonic() < deadline and not outcome, f"the steps did not both wait: {outcome}"
            time.sleep(0.05)
        holder.rollback()
        for t in threads:
            t.join(timeout=60)
    assert all(isinstance(outcome.get(name), bool) for name in steps), outcome
    return outcome


def _ordered(steps: dict[str, Any], trial: int) -> dict[str, Any]:
    """Alternate which step starts (and so, usually, queues for the lock) first, so both outcomes are exercised."""
    names = list(steps) if trial % 2 == 0 else list(reversed(steps))
    return {name: steps[name] for name in names}


@pytest.mark.parametrize("trial", range(4))
def test_archive_and_approval_at_once_one_wins(app: Any, tctx: Any, people: Any, trial: int) -> None:
    grad = graduate(people)
    deal = agreement(grad, people.employer, "stamp_school")
    old_number = deal.number_id
    pool(1)
    row = termination(deal, "central")
    db.session.commit()
    steps = {"archive": lambda school: fire(AGREEMENT, "archive", deal.id, school),
             "approve": lambda school: fire(TERMINATION, "approve_school", row.id, school, remark="同意解约")}
    outcome = _race(app, deal.id, _ordered(steps, trial))
    assert [outcome["archive"], outcome["approve"]].count(True) == 1, outcome
    db.session.expire_all()
    final, term = db.session.get(Agreement, deal.id), db.session.get(Termination, row.id)
    current = db.session.execute(select(Destination).where(Destination.graduate_id == grad.id,
                                                           Destination.is_current)).scalars().all()
    if outcome["archive"]:
        assert final.status == "archived" and term.status == "central" and term.version == 1
        assert [d.code.code for d in current] == ["10"] and current[0].id == final.destination_id
        assert world.current_number(grad.id).id == old_number  # nothing voided by the refused approval
        assert "同时" in outcome["approve_reason"]
    else:
        assert final.status == "terminated" and term.status == "approved"
        assert current == [] and final.destination_id is None  # never archived: nothing in the plan
        assert world.current_number(grad.id).id != old_number


@pytest.mark.parametrize("trial", range(4))
def test_revoke_and_approval_at_once_one_wins(app: Any, tctx: Any, people: Any, trial: int) -> None:
    grad = graduate(people)
    deal = archived(grad, people.employer)
    row = termination(deal, "central")
    db.session.commit()
    steps = {"revoke": lambda school: fire(AGREEMENT, "revoke", deal.id, school, remark="暂不进入方案"),
             "approve": lambda school: fire(TERMINATION, "approve_school", row.id, school, remark="同意解约")}
    outcome = _race(app, deal.id, _ordered(steps, trial))
    assert [outcome["revoke"], outcome["approve"]].count(True) == 1, outcome
    db.session.expire_all()
    final, term = db.session.get(Agreement, deal.id), db.session.get(Termination, row.id)
    current = db.session.execute(select(Destination).where(Destination.graduate_id == grad.id,
                                                           Destination.is_current)).scalars().all()
    if outcome["revoke"]:
        assert final.status == "revoked" and term.status == "central" and current == []
    else:
        assert final.status == "terminated" and term.status == "approved"
        assert [d.code.code for d in current] == ["70"]  # it was the plan entry: 待就业 now
