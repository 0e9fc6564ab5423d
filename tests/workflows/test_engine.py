"""The workflow engine on its own small workflow: legality, roles, guards, scope, batches, audit, versions."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User
from app.workflows import WorkflowError, fire, fire_many
from tests.workflows.ticket import TICKET, Ticket, ticket_table  # noqa: F401  (the `wf` fixture)


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def make(dept_of: str, status: str = "draft", n: int = 1, note: str = "", owner: User | None = None) -> list[int]:
    dept = user(dept_of).department_id
    rows = [Ticket(department_id=dept, status=status, note=note, owner_id=owner.id if owner else None)
            for _ in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def test_legal_transition_moves_state_bumps_version_and_audits(wf: Any) -> None:
    """A college reviewer passes a college-pending record: state, version, remark and one audit row."""
    [tid] = make("college_a", "college")
    since = db.session.execute(select(db.func.max(AuditLog.seq))).scalar_one()
    result = fire(TICKET, "pass_college", tid, user("college_a"), remark="材料齐全")
    assert result.ok and (result.from_state, result.to_state) == ("college", "school")
    row = db.session.get(Ticket, tid)
    assert (row.status, row.version, row.decided_remark) == ("school", 2, "材料齐全")
    entry = db.session.execute(select(AuditLog).where(AuditLog.seq > since, AuditLog.target_type == "ticket",
                                                      AuditLog.target_id == str(tid))).scalar_one()
    assert entry.action == "workflow.ticket.pass_college" and "材料齐全" in entry.detail


def test_illegal_source_refused_with_reason(wf: Any) -> None:
    """Skipping a level is refused with the workflow's specific message, and nothing changes."""
    [tid] = make("college_a", "college")
    result = fire(TICKET, "pass_school", tid, user("school"))
    assert not result.ok and result.reason == "院系尚未审核通过"
    assert db.session.get(Ticket, tid).status == "college"


def test_generic_refusal_names_the_state(wf: Any) -> None:
    """Without a specific message the refusal names the action and the record's state label."""
    [tid] = make("college_a", "done")
    result = fire(TICKET, "pass_college", tid, user("school"))
    assert not result.ok and "完成" in result.reason and "院系通过" in result.reason


def test_role_refused(wf: Any) -> None:
    """A college reviewer may not take the school-level decision."""
    [tid] = make("college_a", "school")
    result = fire(TICKET, "pass_school", tid, user("college_a"))
    assert not result.ok and "学校通过" in result.reason


def test_guard_refused(wf: Any) -> None:
    """A guard's own message is returned when it refuses."""
    student = user(db.session.execute(select(User.username).where(User.username.like("2022101%"))).scalars().first())
    [tid] = make("college_a", "draft", note="blocked", owner=student)
    result = fire(TICKET, "submit", tid, student)
    assert not result.ok and "blocked" in result.reason


def test_scope_refused_for_other_college(wf: Any) -> None:
    """college_a cannot act on college_b's record, even by posting its id; the reason does not reveal it exists."""
    [tid] = make("college_b", "college")
    result = fire(TICKET, "pass_college", tid, user("college_a"))
    assert not result.ok and "不在您的管理范围" in result.reason
    assert db.session.get(Ticket, tid).status == "college"


def test_reason_required(wf: Any) -> None:
    """Rejecting without a reason refuses the whole call."""
    [tid] = make("college_a", "college")
    with pytest.raises(WorkflowError):
        fire(TICKET, "reject", tid, user("college_a"), remark="  ")


def test_batch_per_record_results(wf: Any) -> None:
    """A batch reports done and skipped per record, in the order asked, with one audit row per done record."""
    mine = make("college_a", "college", n=3)
    wrong_state = make("college_a", "done")
    other = make("college_b", "college")
    before = db.session.execute(select(db.func.count()).select_from(AuditLog)).scalar_one()
    ids = [*mine, *wrong_state, *other, 999999]
    result = fire_many(TICKET, "pass_college", ids, user("college_a"))
    assert [r.id for r in result.results] == ids
    assert result.done_ids == mine
    assert len(result.skipped) == 3 and all(r.reason for r in result.skipped)
    after = db.session.execute(select(db.func.count()).select_from(AuditLog)).scalar_one()
    assert after - before == 3


def test_stale_version_refused(wf: Any) -> None:
    """A decision made on an outdated page (older version) is refused instead of overwriting."""
    [tid] = make("college_a", "college")
    result = fire(TICKET, "pass_college", tid, user("college_a"), expected_version=0)
    assert not result.ok and "刷新后重试" in result.reason


def test_batch_is_idempotent(wf: Any) -> None:
    """Submitting the same batch twice changes each record once; the second run skips them all."""
    ids = make("college_a", "college", n=5)
    first = fire_many(TICKET, "pass_college", ids, user("school"))
    second = fire_many(TICKET, "pass_college", ids, user("school"))
    assert len(first.done) == 5 and len(second.done) == 0


def test_workflow_table_lists_transitions(wf: Any) -> None:
    """The admin's table comes from the declaration: labels, sources, destinations, roles."""
    table = {row["trigger"]: row for row in TICKET.table()}
    assert table["reject"]["from"] == ["二级待审", "中心待审"] and table["reject"]["requires_reason"]
    assert TICKET.triggers_from("college") == ["pass_college", "reject"]
