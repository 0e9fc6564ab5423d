"""EMP-4 as a property: no sequence of saves, submissions, decisions, changes, reverts, locks and unlocks leaves a
graduate with two current destinations, or changes anything of a cohort while its plan is locked."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models.destination import Destination
from app.models.user import User
from app.services import destination_form as form
from app.workflows import WorkflowError, fire
from app.workflows.destination import DESTINATION
from tests.workflows import destination_world as world
from tests.workflows.destination_world import code, cohort, graduate

student_id, dctx = world.student_id, world.dctx
WHO = ("student", "college_a", "school", "admin")
TRIGGERS = tuple(DESTINATION.transitions)
CODES = ("46", "70", "76")


def _user(name: str, student: int) -> User:
    if name == "student":
        return db.session.get(User, student)
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def snapshot(graduate_ids: list[int]) -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return list(db.session.execute(select(Destination.id, Destination.status, Destination.version,
                                          Destination.is_current, Destination.code_id)
                                   .where(Destination.graduate_id.in_(graduate_ids)).order_by(Destination.id)))


class DestinationMachine(RuleBasedStateMachine):
    """Two graduates of one cohort; any role fires any trigger on any version; the student saves and changes."""

    student: int = 0

    def __init__(self) -> None:
        super().__init__()
        world.remove_all()
        self.graduates = [graduate(self.student).id]
        self.graduates.append(graduate(self.student, owned=False).id)  # a second graduate, reviewers only
        self.locked = False
        self.frozen: list[tuple[Any, ...]] | None = None

    def _grad(self, n: int) -> Any:
        from app.models.graduate import Graduate

        return db.session.get(Graduate, self.graduates[n % len(self.graduates)])

    @rule(n=st.integers(0, 1), value=st.sampled_from(CODES), work=st.sampled_from(["", "自由撰稿"]))
    def save(self, n: int, value: str, work: str) -> None:
        grad = self._grad(n)
        row = form.open_version(grad)
        posted = MultiDict({"code_id": str(code(value).id), "work_description": work, "region_code": "430602",
                            **({"version": str(row.version)} if row is not None else {})})
        try:
            form.save(grad, posted, {}, _user("student", self.student), frozenset({"毕业生"}))
        except form.FormRefused:
            db.session.rollback()

    @rule(n=st.integers(0, 1), trigger=st.sampled_from(TRIGGERS), who=st.sampled_from(WHO),
          latest=st.booleans())
    def fire(self, n: int, trigger: str, who: str, latest: bool) -> None:
        versions = form.versions(self._grad(n))
        if not versions:
            return
        row = versions[0] if latest else versions[-1]
        try:
            fire(DESTINATION, trigger, row.id, _user(who, self.student), remark="理由",
                 extra={"reasons": ["02"], "reason_text": ""})
        except WorkflowError:
            db.session.rollback()

    @rule(n=st.integers(0, 1))
    def change(self, n: int) -> None:
        try:
            form.start_change(self._grad(n), _user("student", self.student))
            db.session.commit()
        except form.FormRefused:
            db.session.rollback()

    @rule(n=st.integers(0, 1))
    def revert(self, n: int) -> None:
        try:
            form.revert_to_original(self._grad(n), _user("school", self.student), "恢复原登记")
            db.session.commit()
        except form.FormRefused:
            db.session.rollback()

    @rule(lock=st.booleans())
    def toggle_lock(self, lock: bool) -> None:
        cohort().plan_locked = lock
        db.session.commit()
        self.locked = lock
        self.frozen = snapshot(self.graduates) if lock else None

    @invariant()
    def one_current_per_graduate(self) -> None:
        for gid in self.graduates:
            counts = db.session.execute(select(func.count()).select_from(Destination).where(
                Destination.graduate_id == gid, Destination.is_current)).scalar_one()
            total = db.session.execute(select(func.count()).select_from(Destination).where(
                Destination.graduate_id == gid)).scalar_one()
            assert counts == (1 if total else 0), (gid, counts, total)

    @invariant()
    def locked_cohort_is_unchanged(self) -> None:
        if self.locked:
            assert snapshot(self.graduates) == self.frozen

    def teardown(self) -> None:
        world.remove_all()


def test_no_two_current_and_nothing_changes_while_locked(dctx: Any, student_id: int) -> None:
    DestinationMachine.student = student_id
    run_state_machine_as_test(DestinationMachine, settings=settings(
        max_examples=60, stateful_step_count=40, deadline=None, database=None, derandomize=True,  # seeded
        phases=[p for p in Phase if p is not Phase.explain],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
