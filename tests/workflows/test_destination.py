"""EMP-2 through the engine: every trigger × state × role with the exact refusal, the destination's own guards
(source complete, valid form, plan lock, deadline, reasons), per-level decisions, current-version swap, one level."""
from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.destination import Destination
from app.models.notification import Notification
from app.models.user import User
from app.services.notify import render
from app.workflows import WorkflowError, fire
from app.workflows.destination import DESTINATION, build
from app.workflows.engine import why_not
from tests.workflows import destination_world as world
from tests.workflows.destination_world import cohort, destination, graduate

student_id, dctx = world.student_id, world.dctx  # the fixtures, shared with the other destination tests

ROLES = ("student", "college_a", "school", "admin")
STATES = ("draft", "secondary", "central", "complete", "rejected")
TRIGGERS = ("submit", "submit_for_student", "approve_college", "approve_school", "reject", "reopen")
REVIEWERS = ("college_a", "school", "admin")
# EMP-2 = SRC-7's table, written out independently of the builder that declares both
ROLE_MAY = {"submit": {"student"}, "submit_for_student": set(REVIEWERS), "approve_college": {"college_a"},
            "approve_school": {"school", "admin"}, "reject": set(REVIEWERS), "reopen": {"admin"}}
FROM = {"submit": {"draft", "rejected"}, "submit_for_student": {"draft", "rejected"},
        "approve_college": {"secondary"}, "approve_school": {"central"}, "reject": {"secondary", "central"},
        "reopen": {"complete"}}
TO = {"submit": "secondary", "submit_for_student": "secondary", "approve_college": "central",
      "approve_school": "complete", "reject": "rejected", "reopen": "draft"}
# the specific refusals for an illegal source state, as SRC-7 words them (msgids, compared translated)
SPECIFIC = {
    ("submit", "secondary"): "Already submitted: the record is waiting for the college's review.",
    ("submit", "central"): "Already submitted: the college has passed it to the school.",
    ("submit", "complete"): "The record is complete and can no longer be changed.",
    ("approve_school", "secondary"): "The college has not approved this record yet.",
    ("approve_college", "central"): "The college has already approved this record.",
    ("approve_college", "draft"): "The student has not submitted the form yet.",
    ("approve_school", "draft"): "The student has not submitted the form yet.",
    ("approve_college", "complete"): "The record is already complete.",
    ("approve_school", "complete"): "The record is already complete.",
    ("reject", "complete"): "The record is complete; only the administrator can reopen it.",
    ("reject", "draft"): "The student has not submitted the form yet.",
    ("reject", "rejected"): "The record has already been rejected.",
}
REASONS = {"reasons": ["02"], "reason_text": ""}
CJK = re.compile(r"[\u4e00-\u9fff]")


def actor(role: str, student_id: int) -> User:
    if role == "student":
        return db.session.get(User, student_id)
    return db.session.execute(select(User).where(User.username == role)).scalar_one()


def logged(record_id: int, since: int) -> int:
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.seq > since, AuditLog.target_type == "destination", AuditLog.target_id == str(record_id),
        AuditLog.action.like("workflow.destination.%"))).scalar_one()


def last_seq() -> int:
    return db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0


def expected_refusal(trigger: str, state: str, role: str) -> str:
    label = str(DESTINATION.transitions[trigger].label)
    if role not in ROLE_MAY[trigger]:
        return _("Your role may not %(action)s.", action=label)
    if state not in FROM[trigger]:
        if (trigger, state) in SPECIFIC:
            return _(SPECIFIC[(trigger, state)])
        return _("Cannot %(action)s: the record is %(state)s.", action=label, state=DESTINATION.label(state))
    assert (trigger, state, role) == ("reject", "central", "college_a")
    return _("The college has already passed this record to the school; only the school can reject it now.")


def test_the_table_matches_the_builder_shape() -> None:
    """The destination workflow has SRC-7's triggers, sources and targets (it is the same machine)."""
    assert set(DESTINATION.transitions) == set(TRIGGERS)
    for trigger, transition in DESTINATION.transitions.items():
        assert set(transition.sources) == FROM[trigger] and transition.dest == TO[trigger]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_trigger_state_role_table(dctx: Any, student_id: int, trigger: str, state: str, role: str) -> None:
    """Allowed exactly as EMP-2 says (new state, one audit row); otherwise the specific translated refusal."""
    row = destination(graduate(student_id), state)
    rid, since = row.id, last_seq()
    result = fire(DESTINATION, trigger, rid, actor(role, student_id), remark="测试理由", extra=REASONS)
    allowed = role in ROLE_MAY[trigger] and state in FROM[trigger] and \
        (trigger, state, role) != ("reject", "central", "college_a")
    db.session.expire_all()
    row = db.session.get(Destination, rid)
    if allowed:
        assert result.ok, result.reason
        assert (row.status, row.version) == (TO[trigger], 2)
        assert logged(rid, since) == 1
    else:
        assert not result.ok
        assert result.reason == expected_refusal(trigger, state, role)
        assert CJK.search(result.reason), result.reason
        assert (row.status, row.version) == (state, 1)
        assert logged(rid, since) == 0


def test_submit_needs_complete_source_information(dctx: Any, student_id: int) -> None:
    rid = destination(graduate(student_id, source_status="central")).id
    result = fire(DESTINATION, "submit", rid, actor("student", student_id))
    assert not result.ok and result.reason.startswith("生源信息尚未完成"), result.reason


def test_submit_needs_the_evidence_the_code_needs(dctx: Any, student_id: int) -> None:
    """自由职业 (76) needs the work described, its location and the signed statement: each is a refusal."""
    rid = destination(graduate(student_id), code_value="76").id
    result = fire(DESTINATION, "submit", rid, actor("student", student_id))
    assert not result.ok and "去向登记表尚未填写完整" in result.reason and "工作内容" in result.reason


@pytest.mark.parametrize("trigger,state,role", [
    ("submit", "draft", "student"), ("submit_for_student", "rejected", "school"),
    ("approve_college", "secondary", "college_a"), ("approve_school", "central", "school"),
    ("reject", "secondary", "college_a"), ("reopen", "complete", "admin"),
])
def test_plan_lock_refuses_every_transition(dctx: Any, student_id: int, trigger: str, state: str,
                                            role: str) -> None:
    """PLAN-1: a locked cohort refuses every door, naming the lock; nothing changes."""
    rid = destination(graduate(student_id), state).id
    cohort().plan_locked = True
    db.session.commit()
    result = fire(DESTINATION, trigger, rid, actor(role, student_id), remark="理由", extra=REASONS)
    assert not result.ok and result.reason.startswith(f"{cohort().name}就业方案已锁定"), result.reason
    db.session.expire_all()
    assert db.session.get(Destination, rid).status == state


@pytest.mark.parametrize("trigger,state,role", [("submit", "draft", "student"),
                                                ("approve_school", "central", "school")])
def test_change_deadline_refuses_transitions(dctx: Any, student_id: int, trigger: str, state: str,
                                             role: str) -> None:
    rid = destination(graduate(student_id), state).id
    cohort().change_deadline = datetime.date(2020, 8, 31)
    db.session.commit()
    result = fire(DESTINATION, trigger, rid, actor(role, student_id), remark="理由", extra=REASONS)
    assert not result.ok and "2020-08-31" in result.reason and "截止" in result.reason, result.reason


def test_default_deadline_is_31_august_of_the_cohort_year(dctx: Any) -> None:
    assert cohort().effective_change_deadline == datetime.date(2091, 8, 31)


@pytest.mark.parametrize("extra,message", [
    ({}, "请至少从列表中选择一个原因。"),
    ({"reasons": ["nope"]}, "请从列表中选择原因。"),
    ({"reasons": ["99"], "reason_text": ""}, "选择“其他”时请填写具体说明"),
])
def test_reject_needs_reasons_from_the_list(dctx: Any, student_id: int, extra: dict, message: str) -> None:
    rid = destination(graduate(student_id), "secondary").id
    result = fire(DESTINATION, "reject", rid, actor("college_a", student_id), remark="退回", extra=extra)
    assert not result.ok and result.reason.startswith(message), result.reason


def test_reject_without_remark_is_refused_as_a_whole(dctx: Any, student_id: int) -> None:
    rid = destination(graduate(student_id), "secondary").id
    with pytest.raises(WorkflowError):
        fire(DESTINATION, "reject", rid, actor("school", student_id), remark=" ", extra=REASONS)


def test_rejection_stores_reasons_and_notifies_the_student(dctx: Any, student_id: int) -> None:
    rid = destination(graduate(student_id), "secondary").id
    extra = {"reasons": ["02", "99"], "reason_text": "照片模糊"}
    assert fire(DESTINATION, "reject", rid, actor("college_a", student_id), remark="证明材料不充分；其他。照片模糊",
                extra=extra).ok
    db.session.expire_all()
    row = db.session.get(Destination, rid)
    assert (row.rejection_reasons, row.rejection_text, row.college_decision) == ("02,99", "照片模糊", "rejected")
    note = db.session.execute(select(Notification).where(Notification.user_id == student_id)
                              .order_by(Notification.id.desc())).scalars().first()
    assert note.kind == "destination.reject" and json.loads(note.params)["reasons"] == "证明材料不充分、其他"
    text = render(note)
    assert "证明材料不充分" in text and "照片模糊" in text and "院系" in text, text
    # a resubmission starts a new round: the old reasons go (they stay in the audit log)
    assert fire(DESTINATION, "submit", rid, actor("student", student_id)).ok
    db.session.expire_all()
    row = db.session.get(Destination, rid)
    assert (row.rejection_reasons, row.rejection_text, row.college_decision) == (None, None, None)


def test_why_not_does_not_ask_for_reasons_before_the_dialog(dctx: Any, student_id: int) -> None:
    row = destination(graduate(student_id), "secondary")
    assert why_not(DESTINATION, "reject", row, actor("college_a", student_id)) is None


def test_approving_a_change_makes_it_current(dctx: Any, student_id: int) -> None:
    """The approved version stays current until the change is approved; then exactly the change is current."""
    grad = graduate(student_id)
    first = destination(grad, "complete")
    change = destination(grad, "central", version_no=2, current=False, kind="change")
    assert fire(DESTINATION, "approve_school", change.id, actor("school", student_id)).ok
    db.session.expire_all()
    current = db.session.execute(select(Destination.id).where(Destination.graduate_id == grad.id,
                                                              Destination.is_current)).scalars().all()
    assert current == [change.id] and db.session.get(Destination, first.id).status == "complete"


def test_only_the_current_version_reopens(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "complete", current=False)
    newer = destination(grad, "complete", version_no=2, kind="change")
    old = db.session.execute(select(Destination).where(Destination.graduate_id == grad.id,
                                                       Destination.version_no == 1)).scalar_one()
    result = fire(DESTINATION, "reopen", old.id, actor("admin", student_id), remark="更正")
    assert not result.ok and "只能重新打开当前" in result.reason, result.reason
    assert fire(DESTINATION, "reopen", newer.id, actor("admin", student_id), remark="更正").ok


def test_one_level_variant_goes_straight_to_the_school(dctx: Any, student_id: int) -> None:
    """levels=1: no college level; submit lands at 中心待审 and the school decides."""
    one = build(levels=1)
    assert "approve_college" not in one.transitions and "secondary" not in one.states
    rid = destination(graduate(student_id)).id
    assert fire(one, "submit", rid, actor("student", student_id)).to_state == "central"
    college = fire(one, "reject", rid, actor("college_a", student_id), remark="不对", extra=REASONS)
    assert college.ok  # a college reviewer may still reject at the only level there is
    assert fire(one, "submit", rid, actor("student", student_id)).ok
    assert fire(one, "approve_school", rid, actor("school", student_id)).to_state == "complete"
