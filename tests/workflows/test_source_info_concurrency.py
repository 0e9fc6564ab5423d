"""SRC-7 on PostgreSQL under races: one winner per decision, idempotent double batches, no approval of unseen content."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models.graduate import Graduate
from app.models.user import User
from app.security.roles import SCHOOL, role_names
from app.services import source_form
from app.workflows import fire, fire_many
from app.workflows.source_info import SOURCE_INFO
from tests.conftest import PG
from tests.workflows.helpers_source import (
    CHINESE,
    audit_counts,
    demo_cohort_id,
    department_id,
    form_guard,
    make_graduates,
    make_students,
    remove_graduates,
    remove_students,
    snapshot,
    unique_no,
    user,
)

pytestmark = pytest.mark.skipif(
    not PG, reason="concurrency needs PostgreSQL row locks and parallel writers (set TEST_DATABASE_URL); "
                   "SQLite serialises every writer, so there is no race to test")

TRIALS = 50
BATCH = 100
BATCH_ROUNDS = 5
SAME_TIME = "其他人同时修改了该记录"  # the engine's lost-race message (zh)
SINCE_OPENED = "您打开该记录后已有其他人修改过它"  # the engine's stale-page message (zh)


def race(app: Any, jobs: list[tuple[str, Callable[[Any], Any]]]) -> list[Any]:
    """Run each (username, job(actor)) in its own thread, app context and session, released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(n: int, username: str, job: Callable[[Any], Any]) -> None:
        with app.test_request_context():
            try:
                actor = user(username)
                barrier.wait(timeout=60)
                results[n] = job(actor)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                results[n] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, name, job)) for n, (name, job) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def drive(ids: list[int], *steps: tuple[str, str, str]) -> None:
    """Move own records forward through the engine (never by assigning the status)."""
    for trigger, who, remark in steps:
        result = fire_many(SOURCE_INFO, trigger, ids, user(who), remark)
        assert len(result.done) == len(ids), [r.reason for r in result.skipped][:3]


@pytest.fixture()
def pg(app: Any) -> Iterator[Any]:
    """A request context for setup and checks; the submit guard answers 'complete' (the form rules are tested elsewhere)."""
    with app.test_request_context(), form_guard([]):
        yield app
        db.session.remove()


@pytest.fixture()
def school2(pg: Any) -> Iterator[str]:
    """A second school reviewer account, removed afterwards."""
    name = "school2_" + unique_no()
    account = User(username=name, first_name="就业指导中心", last_name="赵老师", email=f"{name}@test.gems.invalid",
                   active=True, department_id=user("school").department_id, password="!",
                   roles=[current_app.appbuilder.sm.find_role(SCHOOL)])
    db.session.add(account)
    db.session.commit()
    yield name
    remove_students([user(name)])


def _one_winner(ids: list[int], outcomes: list[list[Any]], base: dict[int, tuple[Any, ...]],
                base_audit: Any) -> list[str]:
    """Per record: exactly one result ok, version +1, one audit row for the winner's action; returns loser reasons."""
    after, audits = snapshot(ids), audit_counts(ids)
    losers = []
    for record_id, pair in zip(ids, outcomes):
        winners = [(trigger, r) for trigger, r in pair if r.ok]
        assert len(winners) == 1, (record_id, [(t, r.ok, r.reason) for t, r in pair])
        [(trigger, won)] = winners
        assert after[record_id][:2] == (won.to_state, base[record_id][1] + 1), "lost or doubled update"
        delta = {key[1]: audits[key] - base_audit[key] for key in audits if key[0] == str(record_id)}
        assert {k: v for k, v in delta.items() if v} == {trigger: 1}, (record_id, delta)
        for _trigger, r in pair:
            if not r.ok:
                assert r.reason and CHINESE.search(r.reason) and r.from_state == r.to_state
                losers.append(r.reason)
    return losers


def test_college_and_school_deciding_at_once_one_wins(pg: Any) -> None:
    """college_a approves while the school rejects the same page: one decision lands, the other is told why."""
    ids = make_graduates(["101"] * TRIALS)
    try:
        drive(ids, ("submit_for_student", "school", ""))
        base, base_audit = snapshot(ids), audit_counts(ids)
        outcomes = []
        for record_id in ids:
            opened = base[record_id][1]  # both reviewers opened the record at this version
            approve = race(pg, [
                ("college_a", lambda a, i=record_id, v=opened: fire(SOURCE_INFO, "approve_college", i, a,
                                                                   expected_version=v)),
                ("school", lambda a, i=record_id, v=opened: fire(SOURCE_INFO, "reject", i, a, "考生号与学籍库不一致",
                                                                expected_version=v)),
            ])
            outcomes.append(list(zip(("approve_college", "reject"), approve)))
        db.session.expire_all()
        losers = _one_winner(ids, outcomes, base, base_audit)
        assert len(losers) == TRIALS
        for record_id, pair in zip(ids, outcomes):
            row = db.session.get(Graduate, record_id)
            if pair[0][1].ok:
                assert (row.college_decision, row.school_decision) == ("approved", None)
            else:
                assert (row.school_decision, row.school_remark) == ("rejected", "考生号与学籍库不一致")
    finally:
        remove_graduates(ids)


def test_two_school_reviewers_approving_at_once_one_wins(pg: Any, school2: str) -> None:
    """Two school reviewers press 'approve' together, many times: one wins, the other gets the clear message."""
    ids = make_graduates(["102"] * TRIALS)
    try:
        drive(ids, ("submit_for_student", "school", ""), ("approve_college", "college_b", ""))
        base, base_audit = snapshot(ids), audit_counts(ids)
        outcomes = []
        for record_id in ids:
            both = race(pg, [(who, lambda a, i=record_id: fire(SOURCE_INFO, "approve_school", i, a))
                             for who in ("school", school2)])
            outcomes.append([("approve_school", r) for r in both])
        db.session.expire_all()
        losers = _one_winner(ids, outcomes, base, base_audit)
        complete = str(SOURCE_INFO.refusals[("approve_school", "complete")])
        assert all(reason.startswith(SAME_TIME) or reason == complete for reason in losers), set(losers)
        assert any(reason.startswith(SAME_TIME) for reason in losers), "the threads never overlapped: no real race"
    finally:
        remove_graduates(ids)


def test_same_batch_submitted_twice_at_once_is_idempotent(pg: Any) -> None:
    """A double-clicked batch approve of 100 records: each approved once, 100 audit rows, the rest skipped with why."""
    for _round in range(BATCH_ROUNDS):
        ids = make_graduates(["101", "10101"] * (BATCH // 2))
        try:
            drive(ids, ("submit_for_student", "college_a", ""))
            base, base_audit = snapshot(ids), audit_counts(ids)
            first, second = race(pg, [
                ("college_a", lambda a, batch=ids: fire_many(SOURCE_INFO, "approve_college", batch, a)),
                ("college_a", lambda a, batch=ids[::-1]: fire_many(SOURCE_INFO, "approve_college", batch, a)),
            ])
            done_first, done_second = set(first.done_ids), set(second.done_ids)
            assert not done_first & done_second, "a record was approved twice"
            assert done_first | done_second == set(ids)
            for r in [*first.skipped, *second.skipped]:
                assert r.reason and CHINESE.search(r.reason)
            after, audits = snapshot(ids), audit_counts(ids)
            assert all(after[i][:2] == ("central", base[i][1] + 1) for i in ids)
            new_rows = sum(audits[key] - base_audit[key] for key in audits)
            assert new_rows == BATCH and all(audits[(str(i), "approve_college")] == 1 for i in ids)
            again = fire_many(SOURCE_INFO, "approve_college", ids, user("college_a"))
            already = str(SOURCE_INFO.refusals[("approve_college", "central")])
            assert not again.done and {r.reason for r in again.results} == {already}
        finally:
            remove_graduates(ids)


def _graduates_lowest_key_stored_last(count: int) -> list[int]:
    """Own graduates awaiting the college whose lowest key is stored after others, so heap and key order differ."""
    base = (db.session.execute(select(func.max(Graduate.id))).scalar() or 0) + 10_000_000
    order = [*range(base + 1, base + count), base]  # the lowest key is inserted (and stored) last
    for key in order:
        db.session.add(Graduate(
            id=key, student_no=unique_no(), cohort_id=demo_cohort_id(), department_id=department_id("101"),
            name="测试" + uuid.uuid4().hex[:4], id_number=uuid.uuid4().hex[:18].upper(), gender="1",
            education_level="31", status="secondary", version=2))
        db.session.flush()
    db.session.commit()
    heap_order = db.session.execute(text("SELECT id FROM graduate WHERE id >= :base ORDER BY ctid"),
                                    {"base": base}).scalars().all()
    assert heap_order.index(base) > 0, "precondition: the lowest key is stored first, as in key order"
    return sorted(order)


def test_batch_takes_row_locks_in_key_order_whatever_plan_the_database_picks(pg: Any) -> None:
    """Under a sequential scan a batch still locks its lowest key first, so two batches cannot deadlock each other."""
    ids = _graduates_lowest_key_stored_last(20)
    lowest, others = ids[0], ids[1:]
    try:
        with db.engine.connect() as holder, db.engine.connect() as probe:
            holder.execute(select(Graduate.id).where(Graduate.id == lowest).with_for_update())

            def batch(actor: Any) -> Any:
                db.session.execute(text("SET LOCAL enable_indexscan = off"))
                db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
                return fire_many(SOURCE_INFO, "approve_college", ids, actor)

            outcome: list[Any] = []
            def run_batch() -> None:
                try:
                    outcome.extend(race(pg, [("college_a", batch)]))
                except BaseException as exc:  # noqa: BLE001 - shown by the assertion below
                    outcome.append(exc)

            runner = threading.Thread(target=run_batch)
            runner.start()
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            deadline = time.monotonic() + 20
            while probe.execute(text(waiting)).scalar() == 0:
                assert time.monotonic() < deadline, f"the batch never waited for the held row: {outcome}"
                probe.rollback()  # pg_stat_activity is read once per transaction
                time.sleep(0.05)
            probe.rollback()
            taken = []
            for key in others:  # the batch waits on the lowest key: it must not hold any other row yet
                try:
                    probe.execute(select(Graduate.id).where(Graduate.id == key).with_for_update(nowait=True))
                except OperationalError:
                    taken.append(key)
                probe.rollback()
            holder.rollback()
            runner.join(timeout=60)
        assert not taken, f"the batch locked {len(taken)} higher keys before the lowest one"
        assert len(outcome[0].done) == len(ids)
    finally:
        remove_graduates(ids)


def _bounce_and_resubmit(record_id: int, mobile: str) -> Callable[[Any], list[Any]]:
    """The school rejects (reloading once if it lost a race), then the student fixes the mobile and resubmits."""

    def job(student: Any) -> list[Any]:
        school = user("school")
        rejected = fire(SOURCE_INFO, "reject", record_id, school, "手机号码有误")
        if not rejected.ok and rejected.reason.startswith(SAME_TIME):
            rejected = fire(SOURCE_INFO, "reject", record_id, school, "手机号码有误")  # "reload and try again"
        row = db.session.execute(select(Graduate).where(Graduate.id == record_id)).scalar_one()
        edited: bool | None = None
        if SOURCE_INFO.can_edit(row.status, role_names(student)):
            source_form.apply(row, {"mobile": mobile})
            db.session.commit()
            edited = True
        resubmitted = fire(SOURCE_INFO, "submit", record_id, student)
        return [rejected, edited, resubmitted]

    return job


def test_reviewer_approve_racing_the_students_resubmission_is_not_lost(pg: Any) -> None:
    """The college approves the page it opened while the record bounces and is resubmitted: never approves unseen data."""
    students = make_students(["101"] * (TRIALS // 2))
    ids = make_graduates(["101"] * len(students), students)
    try:
        drive(ids, ("submit_for_student", "college_a", ""))
        base, base_audit = snapshot(ids), audit_counts(ids)
        for n, (record_id, student) in enumerate(zip(ids, students)):
            mobile = f"139{n:08d}"
            opened = base[record_id][1]
            approve, (rejected, edited, resubmitted) = race(pg, [
                ("college_a", lambda a, i=record_id, v=opened: fire(SOURCE_INFO, "approve_college", i, a,
                                                                   expected_version=v)),
                (student.username, _bounce_and_resubmit(record_id, mobile)),
            ])
            assert rejected.ok and edited and resubmitted.ok, (rejected.reason, resubmitted.reason)
            if approve.ok:
                assert approve.from_state == "secondary"
            else:
                assert approve.reason and CHINESE.search(approve.reason)
            db.session.expire_all()
            row = db.session.get(Graduate, record_id)
            # the reviewer's approval can only precede the rejection; it never lands on the resubmitted form.
            # Versions: reject, the student's edit (Graduate's version_id_col) and the resubmission, + the approval.
            assert (row.status, row.version, row.mobile) == ("secondary", opened + 3 + approve.ok, mobile)
            audits = audit_counts([record_id])
            delta = {key[1]: audits[key] - base_audit[key] for key in audits if audits[key] != base_audit[key]}
            assert delta == {"reject": 1, "submit": 1, **({"approve_college": 1} if approve.ok else {})}
    finally:
        remove_students(students)
