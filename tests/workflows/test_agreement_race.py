"""On PostgreSQL: two employers invite one graduate, who accepts both at the same moment from two connections —
exactly one acceptance wins, the other is refused with the one-live-agreement words (the guard's, or the partial
unique index's turned into them), never an error; and the same for the graduate's own request racing an accept."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import LIVE_STATES, Agreement
from app.models.graduate import Graduate
from app.models.user import User
from app.services import signing_forms
from tests.conftest import PG
from tests.workflows import test_agreement_world as w

world, sctx = w.world, w.sctx
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL row locks and parallel writers (TEST_DATABASE_URL)")
TRIALS = 8


def race(app: Any, student_id: int, calls: list[Any]) -> list[Any]:
    """Run each call(student) in its own thread and connection, released together by a barrier."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n: int) -> None:
        with app.test_request_context():
            try:
                student = db.session.get(User, student_id)
                barrier.wait(timeout=30)
                results[n] = calls[n](student)
            except BaseException as exc:  # noqa: BLE001 - checked by the caller
                results[n] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def live_of(graduate_id: int) -> list[Agreement]:
    db.session.expire_all()
    return list(db.session.execute(select(Agreement).where(Agreement.graduate_id == graduate_id,
                                                           Agreement.status.in_(LIVE_STATES))).scalars())


def test_two_invitations_accepted_at_once_one_wins(app: Any, sctx: w.World) -> None:
    for _trial in range(TRIALS):
        grad = w.graduate(sctx.student.id)
        ids = [w.agreement(grad, sctx.unit_a, "invited").id, w.agreement(grad, sctx.unit_b, "invited").id]
        db.session.commit()
        results = race(app, sctx.student.id, [
            lambda student, i=i: signing_forms.fire_step("accept", i, student) for i in ids])
        assert not any(isinstance(r, BaseException) for r in results), results
        won = [r for r in results if r.ok]
        lost = [r for r in results if not r.ok]
        assert len(won) == 1 and len(lost) == 1, [(r.ok, r.reason) for r in results]
        assert lost[0].reason == signing_forms.live_message(), lost[0].reason
        (live,) = live_of(grad.id)
        assert live.id == won[0].id and live.status == "secondary"
        loser = db.session.get(Agreement, lost[0].id)
        assert (loser.status, loser.version) == ("invited", 1)


def test_a_request_racing_an_acceptance_one_wins(app: Any, sctx: w.World) -> None:
    """The graduate sends a request to employer B while accepting employer A's invitation in another tab."""
    for _trial in range(TRIALS):
        grad = w.graduate(sctx.student.id)
        invitation = w.agreement(grad, sctx.unit_a, "invited").id
        code, unit_b = sctx.unit_b.credit_code, sctx.unit_b.id
        db.session.commit()
        form = {"credit_code": code, **w.terms()}

        def send(student: Any, graduate_id: int = grad.id, form: dict = form) -> Any:
            graduate = db.session.get(Graduate, graduate_id)
            try:
                return signing_forms.request(graduate, form, student)
            except signing_forms.FormRefused as refused:
                return refused

        results = race(app, sctx.student.id, [
            lambda student, i=invitation: signing_forms.fire_step("accept", i, student), send])
        accepted, sent = results
        assert not isinstance(accepted, BaseException) and not (
            isinstance(sent, BaseException) and not isinstance(sent, signing_forms.FormRefused)), results
        sent_ok = isinstance(sent, Agreement)
        assert accepted.ok != sent_ok, (accepted, sent)
        if not sent_ok:
            assert sent.errors == {"form": signing_forms.live_message()}, sent.errors
        else:
            assert accepted.reason == signing_forms.live_message(), accepted.reason
        (live,) = live_of(grad.id)
        assert live.employer_id == (unit_b if sent_ok else sctx.unit_a.id)
