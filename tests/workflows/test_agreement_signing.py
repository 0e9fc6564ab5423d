"""AGR-2 through the engine: every AGREEMENT trigger from every state (allowed, or the refusal's exact words), every
role that may not fire it, and the guards of online signing — expiry, may_sign, one live agreement, the plan lock —
with what the steps do beside the status (the number attached, the notices)."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.audit import AuditLog
from app.models.notification import Notification
from app.models.user import User
from app.services import signing_forms
from app.services.signing import set_status
from app.workflows import fire
from app.workflows.agreement import AGREEMENT, STATES, build
from app.workflows.engine import why_not
from tests.workflows import test_agreement_world as w

world, sctx = w.world, w.sctx
ROLES = ("student", "employer", "college_a", "school", "admin")
# the table of AGR-2 as this test reads it, written out apart from the declaration
ROLE_MAY = {
    "accept": {"student"}, "decline": {"student"}, "withdraw": {"employer"},
    "expire": {"employer", "student", "school", "admin"}, "confirm": {"employer"}, "refuse": {"employer"},
    "cancel": {"student", "employer", "school", "admin"}, "resubmit": {"employer", "student"},
    "submit": {"student", "school", "admin"}, "approve_college": {"college_a"}, "approve_school": {"school", "admin"},
    "reject": {"college_a", "school", "admin"}, "approve_entry": {"school", "admin"}, "stamp": {"employer"},
    "confirm_stamp": {"student"}, "archive": {"school", "admin"}, "revoke": {"school", "admin"},
    "restore": {"school", "admin"}, "terminate": {"school", "admin"},
}
FROM = {
    "accept": {"invited"}, "decline": {"invited"}, "withdraw": {"invited"}, "expire": {"invited"},
    "confirm": {"requested"}, "refuse": {"requested"}, "cancel": {"requested", "draft", "returned"},
    "resubmit": {"returned"}, "submit": {"draft", "returned"}, "approve_college": {"secondary"},
    "approve_school": {"central"}, "reject": {"secondary", "central"}, "approve_entry": {"central"},
    "stamp": {"stamp_employer"}, "confirm_stamp": {"stamp_graduate"}, "archive": {"stamp_school"},
    "revoke": {"archived"}, "restore": {"revoked"},
    "terminate": {"secondary", "central", "returned", "stamp_employer", "stamp_graduate", "stamp_school", "archived",
                  "revoked"},
}
TO = {"accept": "secondary", "decline": "declined", "withdraw": "withdrawn", "expire": "expired",
      "confirm": "secondary", "refuse": "declined", "cancel": "cancelled", "resubmit": "secondary",
      "submit": "central", "approve_college": "central", "approve_school": "stamp_employer", "reject": "returned",
      "approve_entry": "archived", "stamp": "stamp_graduate", "confirm_stamp": "stamp_school", "archive": "archived",
      "revoke": "revoked", "restore": "archived", "terminate": "terminated"}
SPECIFIC = {
    ("revoke", "revoked"): "The archive has already been revoked.",
    ("restore", "archived"): "The agreement is archived; only a revoked archive can be restored.",
    ("accept", "expired"): "The invitation has expired; ask the employer for a new one.",
    ("accept", "withdrawn"): "The employer has withdrawn this invitation.",
}
# refusals of a guard on an online agreement in a legal state, for a role that may fire
GUARDED = {
    ("expire", "invited"): "The invitation has not expired yet.",
    ("submit", "draft"): "An online agreement is stamped by the parties after the school's approval.",
    ("submit", "returned"): "An online agreement is stamped by the parties after the school's approval.",
    ("approve_entry", "central"): "An online agreement is stamped by the parties after the school's approval.",
}
COLLEGE_TOO_LATE = "The college has already passed this record to the school; only the school can reject it now."
CJK = re.compile(r"[\u4e00-\u9fff]")


def actor(role: str, world: w.World) -> User:
    if role == "student":
        return world.student
    if role == "employer":
        return world.emp_a
    return db.session.execute(select(User).where(User.username == role)).scalar_one()


def last_seq() -> int:
    return db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0


def logged(record_id: int, since: int) -> int:
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.seq > since, AuditLog.target_type == "agreement", AuditLog.target_id == str(record_id),
        AuditLog.action.like("workflow.agreement.%"))).scalar_one()


def place(grad: Any, world: w.World, state: str, **values: Any) -> Agreement:
    """The graduate's one agreement, now in `state` (the one before it removed)."""
    db.session.execute(delete(Agreement).where(Agreement.graduate_id == grad.id))
    db.session.commit()
    return w.agreement(grad, world.unit_a, state, **values)


def expected(trigger: str, state: str, role: str) -> tuple[bool, str]:
    label = str(AGREEMENT.transitions[trigger].label)
    if role not in ROLE_MAY[trigger]:
        return False, _("Your role may not %(action)s.", action=label)
    if state not in FROM[trigger]:
        if (trigger, state) in SPECIFIC:
            return False, _(SPECIFIC[(trigger, state)])
        if trigger == "revoke":
            return False, _("Only an archived agreement can have its archive revoked.")
        if trigger == "restore":
            return False, _("Only a revoked archive can be restored.")
        return False, _("Cannot %(action)s: the record is %(state)s.", action=label, state=AGREEMENT.label(state))
    if (trigger, state) in GUARDED:
        return False, _(GUARDED[(trigger, state)])
    if (trigger, state, role) == ("reject", "central", "college_a"):
        return False, _(COLLEGE_TOO_LATE)
    return True, ""


def test_the_declaration_has_this_table() -> None:
    """The two-level agreement workflow is exactly the table above (a new trigger or state fails here first)."""
    two = build(2)
    assert set(two.transitions) == set(TO) and set(two.states) == set(STATES)
    for trigger, transition in two.transitions.items():
        assert set(transition.sources) == FROM[trigger], trigger
        assert transition.dest == TO[trigger], trigger
    assert {t for t, tr in two.transitions.items() if tr.requires_reason} == {"refuse", "reject", "revoke"}


@pytest.mark.parametrize("trigger", sorted(TO))
def test_every_state_for_each_role_that_may(sctx: w.World, trigger: str) -> None:
    """From each of the 16 states, each role that may fire the trigger: moved with one audit row, or refused in
    the words the table says (nothing changed, nothing logged)."""
    grad = w.graduate(sctx.student.id)
    for state in STATES:
        for role in sorted(ROLE_MAY[trigger]):
            row = place(grad, sctx, state)
            rid, since = row.id, last_seq()
            result = fire(AGREEMENT, trigger, rid, actor(role, sctx), remark="测试理由")
            ok, reason = expected(trigger, state, role)
            db.session.expire_all()
            row = db.session.get(Agreement, rid)
            where = (trigger, state, role)
            if ok:
                assert result.ok, (where, result.reason)
                assert (row.status, row.version) == (TO[trigger], 2), where
                assert logged(rid, since) == 1, where
            else:
                assert not result.ok, where
                assert result.reason == reason, (where, result.reason)
                assert CJK.search(result.reason), (where, result.reason)
                assert (row.status, row.version) == (state, 1), where
                assert logged(rid, since) == 0, where


@pytest.mark.parametrize("trigger", sorted(TO))
def test_every_other_role_is_refused(sctx: w.World, trigger: str) -> None:
    grad = w.graduate(sctx.student.id)
    state = sorted(FROM[trigger])[0]
    for role in ROLES:
        if role in ROLE_MAY[trigger]:
            continue
        row = place(grad, sctx, state)
        result = fire(AGREEMENT, trigger, row.id, actor(role, sctx), remark="测试理由")
        assert not result.ok and result.reason == expected(trigger, state, role)[1], (trigger, role, result.reason)
        db.session.expire_all()
        assert db.session.get(Agreement, row.id).status == state


def test_another_employer_and_another_student_never_reach_the_row(sctx: w.World) -> None:
    """Scope first: the engine answers 'not found' to a party of another agreement."""
    row = w.agreement(w.graduate(sctx.student.id), sctx.unit_a, "invited")
    assert fire(AGREEMENT, "withdraw", row.id, sctx.emp_b).reason == _("Record not found or not in your scope.")
    assert fire(AGREEMENT, "accept", row.id, sctx.other_student).reason == _("Record not found or not in your scope.")
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).status == "invited"


# -- the guards ---------------------------------------------------------------------------------------------------

def test_an_expired_invitation_cannot_be_accepted_but_expires(sctx: w.World) -> None:
    past = datetime.datetime(2020, 1, 1)
    row = w.agreement(w.graduate(sctx.student.id), sctx.unit_a, "invited", expires_at=past)
    result = fire(AGREEMENT, "accept", row.id, sctx.student)
    assert not result.ok and result.reason.startswith("该邀约已于") and "2020-01-01 08:00" in result.reason, \
        result.reason
    assert fire(AGREEMENT, "expire", row.id, sctx.student).to_state == "expired"
    again = fire(AGREEMENT, "accept", row.id, sctx.student)
    assert again.reason == _("The invitation has expired; ask the employer for a new one.")


@pytest.mark.parametrize("trigger,state,role", [("accept", "invited", "student"), ("confirm", "requested", "employer"),
                                                ("resubmit", "returned", "student")])
def test_may_sign_refuses_an_incomplete_source_form(sctx: w.World, trigger: str, state: str, role: str) -> None:
    """Seed 001: 未实名认证前，不可进行协议申请 — the source information must be complete."""
    row = w.agreement(w.graduate(sctx.student.id, source_status="central"), sctx.unit_a, state)
    result = fire(AGREEMENT, trigger, row.id, actor(role, sctx))
    assert not result.ok and "未实名认证前，不可进行协议申请" in result.reason, result.reason


@pytest.mark.parametrize("setting,words", [
    ({"mode": "blank"}, "线下签约"), ({"in_province_locked": True}, "省内签约已锁定"),
])
def test_may_sign_refuses_offline_and_locked_graduates(sctx: w.World, setting: dict, words: str) -> None:
    grad = w.graduate(sctx.student.id)
    row = w.agreement(grad, sctx.unit_a, "invited")
    set_status([grad.id], sctx.student, **setting)
    db.session.commit()
    result = fire(AGREEMENT, "accept", row.id, sctx.student)
    assert not result.ok and words in result.reason, result.reason


def test_may_sign_needs_an_agreement_number(sctx: w.World) -> None:
    row = w.agreement(w.graduate(sctx.student.id, numbered=False), sctx.unit_a, "invited")
    result = fire(AGREEMENT, "accept", row.id, sctx.student)
    assert not result.ok and "协议书编号" in result.reason, result.reason


def test_directed_graduates_cannot_sign_until_restored(sctx: w.World) -> None:
    grad = w.graduate(sctx.student.id, training_mode="2", training_unit="岳阳市教育局")
    row = w.agreement(grad, sctx.unit_a, "invited")
    assert not fire(AGREEMENT, "accept", row.id, sctx.student).ok
    set_status([grad.id], sctx.student, signing_restored=True)
    db.session.commit()
    assert fire(AGREEMENT, "accept", row.id, sctx.student).ok


def test_one_live_agreement_accepting_a_second_invitation_is_refused(sctx: w.World) -> None:
    grad = w.graduate(sctx.student.id)
    first = w.agreement(grad, sctx.unit_a, "invited")
    second = w.agreement(grad, sctx.unit_b, "invited")
    assert fire(AGREEMENT, "accept", first.id, sctx.student).ok
    refused = fire(AGREEMENT, "accept", second.id, sctx.student)
    assert not refused.ok and refused.reason == signing_forms.live_message()
    assert refused.reason.startswith("该毕业生已有一份有效协议"), refused.reason
    db.session.expire_all()
    assert db.session.get(Agreement, second.id).status == "invited"


def test_the_index_settles_what_the_check_missed(sctx: w.World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the check blinded, the partial unique index refuses the second live agreement; fire_step says it in the
    check's words, never a 500."""
    import app.services.agreements as agreements

    grad = w.graduate(sctx.student.id)
    first = w.agreement(grad, sctx.unit_a, "invited")
    second = w.agreement(grad, sctx.unit_b, "invited")
    assert signing_forms.fire_step("accept", first.id, sctx.student).ok
    monkeypatch.setattr(agreements, "other_live_agreement", lambda row: None)
    result = signing_forms.fire_step("accept", second.id, db.session.get(User, sctx.student.id))
    assert not result.ok and result.reason == signing_forms.live_message()
    db.session.expire_all()
    assert db.session.get(Agreement, second.id).status == "invited"
    live = db.session.execute(select(func.count()).select_from(Agreement).where(
        Agreement.graduate_id == grad.id, Agreement.status == "secondary")).scalar_one()
    assert live == 1


@pytest.mark.parametrize("trigger,state,role", [
    ("accept", "invited", "student"), ("confirm", "requested", "employer"), ("resubmit", "returned", "employer"),
    ("approve_college", "secondary", "college_a"), ("approve_school", "central", "school"),
    ("reject", "central", "school"), ("archive", "stamp_school", "school"), ("revoke", "archived", "school"),
    ("restore", "revoked", "school"), ("terminate", "archived", "school"),
])
def test_the_plan_lock_refuses_with_its_message(sctx: w.World, trigger: str, state: str, role: str) -> None:
    row = w.agreement(w.graduate(sctx.student.id), sctx.unit_a, state)
    w.cohort().plan_locked = True
    db.session.commit()
    result = fire(AGREEMENT, trigger, row.id, actor(role, sctx), remark="理由")
    assert not result.ok and result.reason.startswith(f"{w.cohort().name}就业方案已锁定"), result.reason
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).status == state


def test_why_not_says_the_guard_before_the_click(sctx: w.World) -> None:
    row = w.agreement(w.graduate(sctx.student.id, source_status="draft"), sctx.unit_a, "invited")
    assert "未实名认证前" in why_not(AGREEMENT, "accept", row, sctx.student)
    assert why_not(AGREEMENT, "decline", row, sctx.student) is None
    assert why_not(AGREEMENT, "withdraw", row, sctx.student) == _("Your role may not %(action)s.",
                                                                  action=str(AGREEMENT.transitions["withdraw"].label))


# -- what the steps do beside the status ------------------------------------------------------------------------

def test_accepting_attaches_the_current_number_and_tells_the_employer(sctx: w.World) -> None:
    grad = w.graduate(sctx.student.id)
    row = w.agreement(grad, sctx.unit_a, "invited")
    assert row.number_id is None
    assert fire(AGREEMENT, "accept", row.id, sctx.student).ok
    db.session.expire_all()
    row = db.session.get(Agreement, row.id)
    assert row.number is not None and row.number.graduate_id == grad.id and row.answered_at is not None
    note = db.session.execute(select(Notification).where(Notification.user_id == sctx.emp_a.id)
                              .order_by(Notification.id.desc())).scalars().first()
    assert note.kind == "agreement.accept" and note.link == "/employer/agreements/"


def test_the_whole_online_path_ends_in_the_plan(sctx: w.World) -> None:
    """invite → accept → college → school → stamp → confirm → archive: code 10 with the employer is current."""
    from app.models.destination import Destination

    grad = w.graduate(sctx.student.id)
    row = w.agreement(grad, sctx.unit_a, "invited")
    steps = [("accept", "student"), ("approve_college", "college_a"), ("approve_school", "school"),
             ("stamp", "employer"), ("confirm_stamp", "student"), ("archive", "school")]
    for trigger, role in steps:
        result = fire(AGREEMENT, trigger, row.id, actor(role, sctx))
        assert result.ok, (trigger, result.reason)
    db.session.expire_all()
    row = db.session.get(Agreement, row.id)
    current = db.session.execute(select(Destination).where(Destination.graduate_id == grad.id,
                                                           Destination.is_current)).scalar_one()
    assert row.status == "archived" and current.id == row.destination_id
    assert current.code.code == "10" and current.employer_id == sctx.unit_a.id
    assert row.employer_stamped_at and row.graduate_confirmed_at and row.school_confirmed_at


def test_one_level_goes_from_acceptance_to_the_school(sctx: w.World) -> None:
    one = build(1)
    assert "approve_college" not in one.transitions
    row = w.agreement(w.graduate(sctx.student.id), sctx.unit_a, "invited")
    assert fire(one, "accept", row.id, sctx.student).to_state == "central"
