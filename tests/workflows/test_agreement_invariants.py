"""AGR-2/AGR-3 as properties: no sequence of archives, revokes, restores, entry approvals, terminations, new
agreements, plan locks and unlocks — by the school or a college — breaks: archived ⇔ the agreement's version is
its graduate's current destination; a revoke returns to the version current before; at most one current
destination and one live agreement per graduate; nothing of a locked cohort changes."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.agreement import LIVE_STATES, OFFLINE, ONLINE, Agreement
from app.models.destination import Destination
from app.workflows import WorkflowError, fire
from app.workflows.agreement import AGREEMENT
from tests.views.test_agreement_review_world import employer, make_agreements, our_cohort, remove, user

PREFIX = "ARI"
TRIGGERS = ("archive", "revoke", "restore", "approve_entry", "terminate")
WHO = ("school", "school", "school", "college_a")  # mostly the school: only it archives, revokes, restores


def snapshot(graduates: list[int]) -> list[tuple[Any, ...]]:
    db.session.expire_all()
    agreements = db.session.execute(select(Agreement.id, Agreement.status, Agreement.version, Agreement.destination_id,
                                           Agreement.previous_destination_id)
                                    .where(Agreement.graduate_id.in_(graduates)).order_by(Agreement.id)).all()
    versions = db.session.execute(select(Destination.id, Destination.is_current, Destination.status,
                                         Destination.code_id).where(Destination.graduate_id.in_(graduates))
                                  .order_by(Destination.id)).all()
    return [tuple(r) for r in agreements] + [tuple(r) for r in versions]


class AgreementMachine(RuleBasedStateMachine):
    """Three graduates: one with a destination before (46), one without, one entered (offline) with 70 before."""

    def __init__(self) -> None:
        super().__init__()
        remove(PREFIX)
        self.unit = employer(PREFIX).id
        self.agreements = (make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
                           + make_agreements(1, "stamp_school", prefix=PREFIX)
                           + make_agreements(1, "central", prefix=PREFIX, kind=OFFLINE, current_code="70"))
        self.graduates = [db.session.get(Agreement, a).graduate_id for a in self.agreements]
        self.locked = False
        self.frozen: list[tuple[Any, ...]] | None = None

    @rule(n=st.integers(0, 8), pick=st.integers(0, 4), legal=st.booleans(), who=st.sampled_from(WHO))
    def fire(self, n: int, pick: int, legal: bool, who: str) -> None:
        """One of TRIGGERS on one agreement: half the time one its state allows (so long sequences of archive,
        revoke and restore happen), else any of them (refused ones must change nothing)."""
        agreement_id = self.agreements[n % len(self.agreements)]
        state = db.session.get(Agreement, agreement_id).status
        allowed = [t for t in TRIGGERS if AGREEMENT.destination(t, state)] if legal else []
        trigger = (allowed or list(TRIGGERS))[pick % len(allowed or TRIGGERS)]
        try:
            result = fire(AGREEMENT, trigger, agreement_id, user(who), remark="理由")
        except WorkflowError:
            db.session.rollback()
            return
        if result.ok and trigger == "revoke":
            row = db.session.get(Agreement, agreement_id)
            current = self._current(row.graduate_id)
            assert (current.id if current else None) == row.previous_destination_id

    @rule(n=st.integers(0, 2), entered=st.booleans())
    def new_agreement(self, n: int, entered: bool) -> None:
        """A new agreement for a graduate: the database refuses it while another one of theirs is live."""
        graduate = self.graduates[n]
        live = self._live(graduate)
        row = Agreement(graduate_id=graduate, employer_id=self.unit, kind=OFFLINE if entered else ONLINE,
                        started_by="employer", status="central" if entered else "stamp_school", version=1,
                        signed_on=datetime.date(2081, 5, 1), external_number=f"ARI{len(self.agreements)}")
        db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            assert live, "refused although the graduate had no live agreement"
            return
        assert not live, "a second live agreement was accepted"
        self.agreements.append(row.id)
        if self.locked:
            self.frozen = snapshot(self.graduates)  # a paper entry is not a plan change; the lock is on the plan

    @rule()
    def every_trigger_while_locked(self) -> None:
        """Lock, try every trigger on every agreement as the school (each refused with the lock's words), unlock."""
        from app.workflows.destination import cohort_closed

        cohort = our_cohort()
        was_locked, cohort.plan_locked = cohort.plan_locked, True
        db.session.commit()
        before, message = snapshot(self.graduates), cohort_closed(our_cohort())
        for agreement_id in list(self.agreements):
            for trigger in TRIGGERS:
                result = fire(AGREEMENT, trigger, agreement_id, user("school"), remark="理由")
                assert not result.ok, (trigger, agreement_id)
                if AGREEMENT.destination(trigger, result.from_state):
                    assert result.reason == message, (trigger, result)
        assert snapshot(self.graduates) == before
        cohort = our_cohort()
        cohort.plan_locked = was_locked
        db.session.commit()

    @rule(lock=st.booleans())
    def toggle_lock(self, lock: bool) -> None:
        cohort = our_cohort()
        cohort.plan_locked = lock
        db.session.commit()
        self.locked = lock
        self.frozen = snapshot(self.graduates) if lock else None

    def _current(self, graduate: int) -> Any:
        return db.session.execute(select(Destination).where(Destination.graduate_id == graduate,
                                                            Destination.is_current)).scalar()

    def _live(self, graduate: int) -> int:
        return db.session.execute(select(func.count()).select_from(Agreement).where(
            Agreement.graduate_id == graduate, Agreement.status.in_(LIVE_STATES))).scalar_one()

    @invariant()
    def archived_iff_in_the_plan(self) -> None:
        db.session.expire_all()
        for row in db.session.execute(select(Agreement).where(Agreement.id.in_(self.agreements))).scalars():
            current = self._current(row.graduate_id)
            in_plan = current is not None and current.id == row.destination_id
            assert (row.status == "archived") == in_plan, (row.id, row.status, row.destination_id, current)

    @invariant()
    def one_current_and_one_live_per_graduate(self) -> None:
        for graduate in self.graduates:
            assert self._live(graduate) <= 1
            assert db.session.execute(select(func.count()).select_from(Destination).where(
                Destination.graduate_id == graduate, Destination.is_current)).scalar_one() <= 1

    @invariant()
    def locked_cohort_is_unchanged(self) -> None:
        if self.locked:
            assert snapshot(self.graduates) == self.frozen

    def teardown(self) -> None:
        remove(PREFIX)


@pytest.fixture()
def ictx(ctx: Any) -> Iterator[Any]:
    yield ctx
    remove(PREFIX)


def test_archive_revoke_restore_terminate_keep_the_plan_consistent(ictx: Any) -> None:
    run_state_machine_as_test(AgreementMachine, settings=settings(
        max_examples=40, stateful_step_count=30, deadline=None, database=None, derandomize=True,  # seeded
        phases=[p for p in Phase if p is not Phase.explain],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
