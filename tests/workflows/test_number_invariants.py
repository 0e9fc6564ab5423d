"""AGR-1 as a property: over any sequence of assigning (one graduate or a cohort), voiding (with or without a new
number), reissuing, refilling the pool and requests approved or rejected, no number is ever current for
two graduates, no graduate holds two current numbers, and a number only moves unused → assigned → voided, never
changing hands."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import AgreementNumber, NumberRequest
from app.models.graduate import Graduate
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import NumbersRefused
from app.workflows import fire
from app.workflows.number_request import NUMBER_REQUEST
from tests.workflows import test_number_world as world

nctx = world.nctx
ORDER = {"unused": 0, "assigned": 1, "voided": 2}


class NumberMachine(RuleBasedStateMachine):
    """Three graduates of the tests' cohort and a small pool that runs out now and then."""

    def __init__(self) -> None:
        super().__init__()
        world.remove_all()
        self.graduates = world.graduates(3)
        world.pool(2)
        self.seen: dict[int, tuple[str, Any]] = {}  # number id -> (state, graduate) last observed
        self.school = world.user("school")

    def _grad(self, n: int) -> Graduate:
        return db.session.get(Graduate, self.graduates[n % len(self.graduates)])

    @rule(n=st.integers(0, 2))
    def assign_one(self, n: int) -> None:
        try:
            numbers.assign_one(self._grad(n))
            db.session.commit()
        except NumbersRefused:
            db.session.rollback()

    @rule()
    def assign_cohort(self) -> None:
        numbers.assign_cohort(world.cohort().id)
        db.session.commit()

    @rule(n=st.integers(0, 2), reissue=st.booleans())
    def void_held(self, n: int, reissue: bool) -> None:
        held = numbers.current_numbers([self._grad(n).id]).get(self._grad(n).id)
        if held is None:
            return
        try:
            numbers.void_number(held, "污损", reissue=reissue)
            db.session.commit()
        except NumbersRefused:
            db.session.rollback()

    @rule()
    def void_an_unused_one(self) -> None:
        row = db.session.execute(select(AgreementNumber).where(
            AgreementNumber.cohort_id == world.cohort().id, AgreementNumber.state == "unused").limit(1)).scalar()
        if row is not None:
            numbers.void_number(row, "印错")
            db.session.commit()

    @rule(n=st.integers(0, 2))
    def reissue(self, n: int) -> None:
        numbers.void_and_reissue([self._grad(n).id], "解约领新协议")
        db.session.commit()

    @rule(k=st.integers(1, 2))
    def refill(self, k: int) -> None:
        world.pool(k)

    @rule(n=st.integers(0, 2), decision=st.sampled_from(["approve_school", "reject"]))
    def request(self, n: int, decision: str) -> None:
        grad = self._grad(n)
        try:
            row = numbers.create_request(grad, world.reason("01").id, "污损了", None)
            db.session.commit()
        except NumbersRefused:
            db.session.rollback()
            row = numbers.open_request(grad.id)
            if row is None:
                return
        fire(NUMBER_REQUEST, decision, row.id, self.school, remark="不予补发")

    @invariant()
    def one_current_per_graduate_and_one_graduate_per_number(self) -> None:
        db.session.expire_all()
        held = db.session.execute(select(AgreementNumber.graduate_id, func.count()).where(
            AgreementNumber.state == "assigned", AgreementNumber.graduate_id.in_(self.graduates))
            .group_by(AgreementNumber.graduate_id)).all()
        assert all(count == 1 for _g, count in held), held
        issued = [n for (n,) in db.session.execute(select(NumberRequest.new_number_id).where(
            NumberRequest.graduate_id.in_(self.graduates), NumberRequest.new_number_id.isnot(None)))]
        assert len(issued) == len(set(issued)), issued

    @invariant()
    def numbers_only_move_forward_and_never_change_hands(self) -> None:
        rows = db.session.execute(select(AgreementNumber.id, AgreementNumber.state, AgreementNumber.graduate_id)
                                  .where(AgreementNumber.cohort_id == world.cohort().id)).all()
        for number_id, state, graduate_id in rows:
            if state == "unused":
                assert graduate_id is None
            if state == "assigned":
                assert graduate_id is not None
            before = self.seen.get(number_id)
            if before is not None:
                assert ORDER[state] >= ORDER[before[0]], (number_id, before, state)
                if before[1] is not None:
                    assert graduate_id == before[1], (number_id, before, graduate_id)
            self.seen[number_id] = (state, graduate_id)

    def teardown(self) -> None:
        world.remove_all()


def test_no_number_is_current_twice_and_no_graduate_holds_two(nctx: Any) -> None:
    run_state_machine_as_test(NumberMachine, settings=settings(
        max_examples=40, stateful_step_count=30, deadline=None, database=None, derandomize=True,
        phases=[p for p in Phase if p is not Phase.explain],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
