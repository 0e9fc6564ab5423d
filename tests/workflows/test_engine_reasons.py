"""What the engine tells a reviewer, word for word (zh), for each refusal; and why_not() agrees with fire()."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.user import User
from app.security.roles import SCHOOL, STUDENT
from app.workflows import Transition, Workflow, WorkflowError, engine, fire, fire_many
from tests.workflows.ticket import TICKET, Ticket, ticket_table  # noqa: F401  (the `wf` fixture)

STALE = "您打开该记录后已有其他人修改过它，请刷新后重试。"
NOT_VISIBLE = "记录不存在或不在您的管理范围内。"


def _user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _student() -> User:
    name = db.session.execute(select(User.username).where(User.username.like("2022101%"))).scalars().first()
    return _user(name)


def _tickets(dept_of: str, status: str, n: int = 1, **values: Any) -> list[int]:
    rows = [Ticket(department_id=_user(dept_of).department_id, status=status, **values) for _ in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def test_refusals_of_the_whole_call_name_the_action(wf: Any) -> None:
    [tid] = _tickets("college_a", "college")
    with pytest.raises(WorkflowError) as unknown:
        fire(TICKET, "approve_all", tid, _user("school"))
    assert str(unknown.value) == "未知的操作：approve_all"
    with pytest.raises(WorkflowError) as no_reason:
        fire(TICKET, "reject", tid, _user("school"), remark=" \t")
    assert str(no_reason.value) == "执行“不同意”操作须填写理由。"


def test_each_skipped_record_says_why_and_keeps_its_state(wf: Any) -> None:
    """Per record: wrong state (specific and generic message), not visible, stale version; states from and to."""
    school = _user("school")
    [waiting] = _tickets("college_a", "college")
    [done] = _tickets("college_a", "done")
    [stale] = _tickets("college_a", "school")
    [other] = _tickets("college_b", "school")
    result = fire_many(TICKET, "pass_school", [waiting, done, stale, 10**9], school,
                       expected_versions={stale: 7})
    got = [(r.id, r.ok, r.reason, r.from_state, r.to_state) for r in result.results]
    assert got == [
        (waiting, False, "院系尚未审核通过", "college", "college"),
        (done, False, "无法执行“学校通过”操作：该记录当前状态为“完成”。", "done", "done"),
        (stale, False, STALE, "school", "school"),
        (10**9, False, NOT_VISIBLE, None, None),
    ]
    college = fire_many(TICKET, "pass_college", [other], _user("college_a"))
    assert [(r.ok, r.reason, r.from_state) for r in college.results] == [(False, NOT_VISIBLE, None)]
    assert db.session.get(Ticket, stale).status == "school" and db.session.get(Ticket, stale).version == 1


def test_a_guard_refusal_keeps_the_state_and_a_role_refusal_changes_nothing(wf: Any) -> None:
    student = _student()
    [blocked, fine] = _tickets("college_a", "draft", n=2, owner_id=student.id)
    db.session.get(Ticket, blocked).note = "blocked"
    db.session.commit()
    result = fire_many(TICKET, "submit", [blocked, fine], student)
    assert [(r.id, r.ok, r.reason, r.from_state, r.to_state) for r in result.results] == [
        (blocked, False, "备注含“blocked”，不能提交", "draft", "draft"),
        (fine, True, None, "draft", "college"),
    ]
    refused = fire_many(TICKET, "pass_school", [fine], _user("college_a"))
    assert [(r.id, r.ok, r.reason) for r in refused.results] == [(fine, False, "您的角色无权执行“学校通过”操作。")]
    assert db.session.get(Ticket, fine).status == "college"


def test_the_matching_version_is_accepted_and_the_audit_row_holds_from_to_and_remark(wf: Any) -> None:
    import json

    from app.models.audit import AuditLog

    [tid] = _tickets("college_a", "college")
    since = db.session.execute(select(db.func.max(AuditLog.seq))).scalar_one()
    result = fire(TICKET, "pass_college", tid, _user("college_a"), remark="  齐全  ", expected_version=1,
                  extra={"batch": "b1"})
    assert (result.ok, result.from_state, result.to_state) == (True, "college", "school")
    entry = db.session.execute(select(AuditLog).where(AuditLog.seq > since, AuditLog.target_type == "ticket",
                                                      AuditLog.target_id == str(tid))).scalar_one()
    assert entry.action == "workflow.ticket.pass_college"
    assert json.loads(entry.detail) == {"from": "college", "to": "school", "remark": "齐全", "batch": "b1"}
    assert db.session.get(Ticket, tid).decided_remark == "齐全"


def test_without_commit_the_change_is_the_callers_to_keep_or_drop(wf: Any) -> None:
    [tid] = _tickets("college_a", "college")
    assert fire(TICKET, "pass_college", tid, _user("school"), commit=False).ok
    db.session.rollback()
    assert db.session.get(Ticket, tid).status == "college"
    assert fire(TICKET, "pass_college", tid, _user("school")).ok
    db.session.rollback()
    assert db.session.get(Ticket, tid).status == "school"


def test_after_fire_hooks_get_only_the_records_done(wf: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, str, list[int], str]] = []
    monkeypatch.setattr(TICKET, "after_fire", [lambda w, t, ids, ctx: calls.append((w, t, list(ids), ctx.remark))])
    [ok] = _tickets("college_a", "college")
    [wrong] = _tickets("college_a", "done")
    fire_many(TICKET, "pass_college", [ok, wrong], _user("school"), remark="好")
    fire_many(TICKET, "pass_college", [wrong], _user("school"))
    assert calls == [(TICKET, "pass_college", [ok], "好")]


def test_a_loaded_record_shows_the_new_state_after_the_set_based_update(wf: Any) -> None:
    [tid] = _tickets("college_a", "college")
    loaded = db.session.get(Ticket, tid)
    assert loaded.status == "college"
    fire(TICKET, "pass_college", tid, _user("school"), commit=False)
    assert (loaded.status, loaded.version) == ("school", 2)
    db.session.rollback()


@pytest.mark.parametrize("who, trigger, status, expected", [
    ("school", "pass_college", "college", None),
    ("school", "no_such_action", "college", "未知的操作：no_such_action"),
    ("college_a", "pass_school", "school", "您的角色无权执行“学校通过”操作。"),
    ("school", "pass_school", "college", "院系尚未审核通过"),
    ("school", "pass_college", "done", "无法执行“院系通过”操作：该记录当前状态为“完成”。"),
])
def test_why_not_gives_the_reason_fire_would(wf: Any, who: str, trigger: str, status: str,
                                            expected: str | None) -> None:
    """The disabled button's tooltip: role, then state; None when the action is open."""
    [tid] = _tickets("college_a", status)
    assert engine.why_not(TICKET, trigger, db.session.get(Ticket, tid), _user(who)) == expected


def test_why_not_runs_the_guards(wf: Any) -> None:
    student = _student()
    [blocked, fine] = _tickets("college_a", "draft", n=2, owner_id=student.id)
    db.session.get(Ticket, blocked).note = "blocked"
    db.session.commit()
    assert engine.why_not(TICKET, "submit", db.session.get(Ticket, blocked), student) == "备注含“blocked”，不能提交"
    assert engine.why_not(TICKET, "submit", db.session.get(Ticket, fine), student) is None


def _own_drafts_only(row: Any, ctx: Any) -> str | None:
    """A guard that needs the context: the school claims any draft, a student only their own."""
    if SCHOOL in ctx.roles:
        return None
    return None if row.owner_id == ctx.actor.id else "只能认领自己的记录"


CLAIM = Workflow(
    name="ticket_claim", model=Ticket, states={"draft": "草稿", "college": "二级待审"}, initial="draft",
    transitions=[Transition("claim", ("draft",), "college", frozenset({STUDENT, SCHOOL}), "认领",
                            guards=(_own_drafts_only,))],
)


def test_guards_see_who_acts_in_fire_and_in_why_not(wf: Any) -> None:
    student, school = _student(), _user("school")
    [own, foreign] = _tickets("college_a", "draft", n=2)
    db.session.get(Ticket, own).owner_id = student.id
    db.session.get(Ticket, foreign).owner_id = school.id
    db.session.commit()
    assert engine.why_not(CLAIM, "claim", db.session.get(Ticket, own), student) is None
    assert engine.why_not(CLAIM, "claim", db.session.get(Ticket, foreign), student) == "只能认领自己的记录"
    assert engine.why_not(CLAIM, "claim", db.session.get(Ticket, own), school) is None
    assert fire(CLAIM, "claim", own, student).ok
    db.session.get(Ticket, foreign).owner_id = student.id + 1
    db.session.commit()
    assert fire(CLAIM, "claim", foreign, school).ok


def test_a_decision_without_remark_records_an_empty_one(wf: Any) -> None:
    import json

    from app.models.audit import AuditLog

    [tid] = _tickets("college_a", "college")
    since = db.session.execute(select(db.func.max(AuditLog.seq))).scalar_one()
    assert fire(TICKET, "pass_college", tid, _user("school")).ok
    entry = db.session.execute(select(AuditLog).where(AuditLog.seq > since, AuditLog.target_type == "ticket",
                                                      AuditLog.target_id == str(tid))).scalar_one()
    assert json.loads(entry.detail) == {"from": "college", "to": "school", "remark": ""}
    assert db.session.get(Ticket, tid).decided_remark == ""


def test_current_reads_just_the_asked_visible_records(wf: Any) -> None:
    """(id, status, version) of the asked ids the actor may see; others of the table are not read."""
    from app.scope import scope_clause

    asked = _tickets("college_a", "college", n=2)
    _tickets("college_a", "school", n=2)
    [elsewhere] = _tickets("college_b", "college")
    scope = scope_clause(Ticket, _user("college_a"))
    got = engine._current(Ticket.id, Ticket.status, Ticket.version, [*asked, elsewhere], scope)
    assert {k: (r.id, r.status, r.version) for k, r in got.items()} == {i: (i, "college", 1) for i in asked}


def test_a_batch_without_or_with_a_missing_remark_records_an_empty_one(wf: Any) -> None:
    import json

    from app.models.audit import AuditLog

    ids = _tickets("college_a", "college", n=2)
    since = db.session.execute(select(db.func.max(AuditLog.seq))).scalar_one()
    first = fire_many(TICKET, "pass_college", ids[:1], _user("school"))
    second = fire_many(TICKET, "pass_college", ids[1:], _user("school"), remark=None)  # type: ignore[arg-type]
    assert (first.trigger, second.trigger) == ("pass_college", "pass_college")
    details = db.session.execute(select(AuditLog.detail).where(AuditLog.seq > since, AuditLog.target_type == "ticket")
                                 .order_by(AuditLog.seq)).scalars().all()
    assert [json.loads(d)["remark"] for d in details] == ["", ""]
