"""AGR-3, seed 004 §5.1: archive (存档通过), revoke (撤消存档) and restore (恢复存档) through the agreement workspace —
archived ⇔ the agreement's destination version is the graduate's current one; a revoke goes back to the version
current before, a restore back to the agreement's; the plan lock refuses all three with its message, and agreements
still on their way to the archive keep the plan from locking."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import String, cast, func, select

from app.extensions import db
from app.models.agreement import OFFLINE, Agreement
from app.models.audit import AuditLog
from app.models.destination import Destination
from app.models.reference import DestinationCode
from app.services import plan
from app.services.review import batch
from app.services.review.agreement import AGREEMENT_REVIEW, awaiting_archive
from app.workflows.destination import cohort_closed
from app.workflows.engine import WorkflowError
from tests.views.test_agreement_review_world import (
    current_count,
    current_destination,
    graduate_of,
    make_agreements,
    our_cohort,
    remove,
    statuses,
    user,
)

PREFIX = "ARA"


@pytest.fixture()
def actx(ctx: Any) -> Iterator[Any]:
    remove(PREFIX)
    yield ctx
    remove(PREFIX)


def _decide(action: str, ids: list[int], who: str = "school", remark: str = "") -> Any:
    return batch.decide(action, ids, user(who), remark, ws=AGREEMENT_REVIEW)


def _code(destination: Destination) -> str:
    return db.session.get(DestinationCode, destination.code_id).code


def _mark() -> int:
    """The audit chain's last row now (ids of deleted test rows come back on SQLite: count only what follows)."""
    return db.session.execute(select(func.coalesce(func.max(AuditLog.seq), 0))).scalar_one()


def _audit(action: str, ids: list[int], since: int) -> int:
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == f"workflow.agreement.{action}", AuditLog.target_type == "agreement",
        AuditLog.target_id.in_([str(i) for i in ids]), AuditLog.seq > since)).scalar_one()


def test_archive_makes_a_code_10_version_with_the_employer_current(actx: Any) -> None:
    """Two awaiting the school's confirmation, one of them with a destination before: each gets a new approved
    code-10 version naming the agreement's employer, current; the one before is what a revoke returns to."""
    fresh, = make_agreements(1, "stamp_school", prefix=PREFIX)
    placed, = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
    before, since = current_destination(graduate_of(placed)).id, _mark()
    result = _decide("archive", [fresh, placed])
    assert [r.ok for r in result.results] == [True, True], result.results
    assert statuses([fresh, placed]) == {fresh: "archived", placed: "archived"}
    for agreement_id in (fresh, placed):
        row = db.session.get(Agreement, agreement_id)
        current = current_destination(row.graduate_id)
        assert current.id == row.destination_id and _code(current) == "10"
        assert current.employer_id == row.employer_id and current.status == "complete"
        assert current.from_agreement and current.signed_on == row.signed_on
        assert current.region_code == "430602" and current_count(row.graduate_id) == 1
        assert row.archived_at is not None and row.school_confirmed_at is not None
    assert db.session.get(Agreement, placed).previous_destination_id == before
    assert db.session.get(Agreement, fresh).previous_destination_id is None
    assert _audit("archive", [fresh, placed], since) == 2


def test_revoke_goes_back_and_restore_comes_back(actx: Any) -> None:
    """Revoke: the version current before is current again (none before: no current destination at all);
    restore: the agreement's own version again (no second version is made); revoke again: back once more."""
    placed, fresh = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46") + make_agreements(
        1, "stamp_school", prefix=PREFIX)
    before, since = current_destination(graduate_of(placed)).id, _mark()
    _decide("archive", [placed, fresh])
    ours = {i: db.session.get(Agreement, i).destination_id for i in (placed, fresh)}
    with pytest.raises(WorkflowError):  # a revoke needs its reason
        _decide("revoke", [placed])
    result = _decide("revoke", [placed, fresh], remark="暂不进入方案")
    assert all(r.ok for r in result.results)
    assert statuses([placed, fresh]) == {placed: "revoked", fresh: "revoked"}
    assert current_destination(graduate_of(placed)).id == before
    assert current_destination(graduate_of(fresh)) is None
    versions = db.session.execute(select(func.count()).select_from(Destination).where(
        Destination.graduate_id == graduate_of(placed))).scalar_one()
    assert _decide("restore", [placed, fresh]).done_ids == [placed, fresh]
    assert current_destination(graduate_of(placed)).id == ours[placed]
    assert current_destination(graduate_of(fresh)).id == ours[fresh]
    assert db.session.execute(select(func.count()).select_from(Destination).where(
        Destination.graduate_id == graduate_of(placed))).scalar_one() == versions
    _decide("revoke", [placed], remark="再次撤消")
    assert current_destination(graduate_of(placed)).id == before
    assert _audit("revoke", [placed], since) == 2 and _audit("restore", [placed], since) == 1


def test_only_archived_revoke_only_revoked_restore_and_only_the_school(actx: Any) -> None:
    """AGR-3's two rules say why, per record; a college may neither archive nor revoke."""
    waiting, = make_agreements(1, "stamp_school", prefix=PREFIX)
    result = _decide("revoke", [waiting], remark="x")
    assert not result.results[0].ok and "只有已存档" in result.results[0].reason
    result = _decide("restore", [waiting])
    assert not result.results[0].ok and "只有已撤消的存档" in result.results[0].reason
    result = _decide("archive", [waiting], who="college_a")
    assert not result.results[0].ok and "您的角色" in result.results[0].reason
    assert statuses([waiting]) == {waiting: "stamp_school"}
    _decide("archive", [waiting])
    result = _decide("restore", [waiting])
    assert not result.results[0].ok and "已存档" in result.results[0].reason


def test_an_entered_agreement_is_approved_straight_into_the_plan(actx: Any) -> None:
    """An offline agreement awaiting the school's review: 'approve' says to use the entry approval, which archives."""
    entered, = make_agreements(1, "central", prefix=PREFIX, kind=OFFLINE, current_code="70")
    result = _decide("approve", [entered])
    assert not result.results[0].ok and "直接存档" in result.results[0].reason
    assert _decide("approve_entry", [entered]).done_ids == [entered]
    current = current_destination(graduate_of(entered))
    assert statuses([entered])[entered] == "archived" and _code(current) == "10"
    assert current.id == db.session.get(Agreement, entered).destination_id


@pytest.mark.parametrize("action,state", [("archive", "stamp_school"), ("revoke", "archived"),
                                          ("restore", "revoked"), ("approve_entry", "central")])
def test_the_plan_lock_refuses_with_its_message(actx: Any, action: str, state: str) -> None:
    """A locked plan refuses archive, revoke, restore and the entry approval, each record with the lock's words;
    nothing of the graduate's destination moves."""
    kind = OFFLINE if action == "approve_entry" else "online"
    agreement_id, = make_agreements(1, state, prefix=PREFIX, kind=kind, current_code="46")
    before = current_destination(graduate_of(agreement_id)).id
    cohort = our_cohort()
    cohort.plan_locked = True
    db.session.commit()
    message = cohort_closed(our_cohort())
    assert message and "已锁定" in message
    result = _decide(action, [agreement_id], remark="理由")
    assert not result.results[0].ok and result.results[0].reason == message
    assert statuses([agreement_id])[agreement_id] == state
    assert current_destination(graduate_of(agreement_id)).id == before


def test_agreements_on_their_way_to_the_archive_keep_the_plan_open(actx: Any) -> None:
    """The lock page's count: review, stamping and the school's confirmation count, a returned, archived or ended
    one does not; the lock is refused with the count until they are archived."""
    waiting = (make_agreements(1, "secondary", prefix=PREFIX) + make_agreements(1, "stamp_employer", prefix=PREFIX)
               + make_agreements(2, "stamp_school", prefix=PREFIX)
               + make_agreements(1, "central", prefix=PREFIX, kind=OFFLINE))
    make_agreements(1, "returned", prefix=PREFIX)
    make_agreements(1, "archived", prefix=PREFIX)
    make_agreements(1, "declined", prefix=PREFIX)
    cohort = our_cohort()
    assert awaiting_archive(cohort) == 5 and plan.awaiting_archive(cohort) == 5
    with pytest.raises(plan.PlanRefused) as refused:
        plan.lock(cohort, user("school"))
    assert "5 份" in str(refused.value) and cohort.name in str(refused.value)
    db.session.rollback()
    assert not our_cohort().plan_locked
    db.session.execute(Agreement.__table__.update().where(Agreement.id.in_(waiting)).values(status="cancelled"))
    db.session.commit()
    assert awaiting_archive(our_cohort()) == 0
    plan.lock(our_cohort(), user("school"))
    assert our_cohort().plan_locked


def test_the_audit_rows_name_the_step(actx: Any) -> None:
    """Every archive, revoke and restore leaves an audit row with from, to and the remark."""
    agreement_id, = make_agreements(1, "stamp_school", prefix=PREFIX)
    since = _mark()
    _decide("archive", [agreement_id])
    _decide("revoke", [agreement_id], remark="暂缓")
    rows = db.session.execute(select(AuditLog).where(
        AuditLog.target_type == "agreement", AuditLog.target_id == cast(agreement_id, String), AuditLog.seq > since)
        .order_by(AuditLog.seq)).scalars().all()
    details = [(r.action, json.loads(r.detail)) for r in rows]
    assert [(a, d["from"], d["to"]) for a, d in details] == [
        ("workflow.agreement.archive", "stamp_school", "archived"), ("workflow.agreement.revoke", "archived", "revoked")]
    assert details[1][1]["remark"] == "暂缓"


def test_a_batch_beyond_one_chunk_archives_every_record(actx: Any) -> None:
    """2 500 agreements (more than one 2 000-id chunk), half of the graduates with a destination before, archived
    from the list's door at once: every one archived, each graduate's current version the agreement's, the
    previous one kept, one audit row each — and one revoke of them all goes back."""
    placed = make_agreements(1250, "stamp_school", prefix=PREFIX, current_code="70")
    fresh = make_agreements(1250, "stamp_school", prefix=PREFIX)
    ids, since = placed + fresh, _mark()
    assert len(_decide("archive", ids).done) == len(ids)
    db.session.expire_all()
    rows = db.session.execute(select(Agreement.id, Agreement.graduate_id, Agreement.destination_id,
                                     Agreement.previous_destination_id, Agreement.status)
                              .where(Agreement.id.in_(ids))).all()
    current = dict(db.session.execute(select(Destination.graduate_id, Destination.id).where(
        Destination.is_current, Destination.graduate_id.in_([r.graduate_id for r in rows]))).all())
    assert {r.status for r in rows} == {"archived"} and all(current[r.graduate_id] == r.destination_id for r in rows)
    assert sum(1 for r in rows if r.previous_destination_id) == len(placed)
    code10 = db.session.execute(select(func.count()).select_from(Destination).join(
        DestinationCode, DestinationCode.id == Destination.code_id).where(
        Destination.id.in_([r.destination_id for r in rows]), DestinationCode.code == "10",
        Destination.status == "complete")).scalar_one()
    assert code10 == len(ids) and _audit("archive", ids, since) == len(ids)
    assert len(_decide("revoke", ids, remark="整批撤消").done) == len(ids)
    db.session.expire_all()
    assert current_destination(graduate_of(placed[-1])).id == db.session.get(Agreement, placed[-1]
                                                                              ).previous_destination_id
    assert current_destination(graduate_of(fresh[-1])) is None
