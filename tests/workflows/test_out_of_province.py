"""APV-1 through the engine: every OUT_OF_PROVINCE trigger × state × role with its refusal, approval locking
in-province signing (and so online signing), the graduate told of each decision, one pending application per
graduate enforced by the database, and approval refused while an in-province agreement binds the graduate."""
from __future__ import annotations

from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.agreement import OutOfProvinceApplication
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.services.notify import render
from app.services.signing import signing_problem, status_of
from app.workflows import WorkflowError
from app.workflows.engine import fire, why_not
from app.workflows.out_of_province import OUT_OF_PROVINCE
from tests.services.test_signing_world import account, agreement, application, graduates, notices, user, world

world = world  # the fixture

STATES = ("central", "approved", "rejected", "withdrawn")
TRIGGERS = ("approve_school", "reject", "withdraw")
ROLES = ("student", "college_a", "school", "admin")
# written out independently of the declaration
ROLE_MAY = {"approve_school": {"school", "admin"}, "reject": {"school", "admin", "college_a"},
            "withdraw": {"student"}}
TO = {"approve_school": "approved", "reject": "rejected", "withdraw": "withdrawn"}
SPECIFIC = {
    ("approve_school", "approved"): "This application has already been approved.",
    ("reject", "approved"): "This application has already been approved.",
    ("approve_school", "rejected"): "This application was not approved; the graduate may apply again.",
    ("reject", "rejected"): "This application has already been rejected.",
    ("approve_school", "withdrawn"): "The graduate withdrew this application.",
    ("reject", "withdrawn"): "The graduate withdrew this application.",
    ("withdraw", "approved"): "The application has been decided; it can no longer be withdrawn.",
    ("withdraw", "rejected"): "The application has been decided; it can no longer be withdrawn.",
    ("withdraw", "withdrawn"): "The application has already been withdrawn.",
}


def _actor(role: str, student: str) -> Any:
    return user(student if role == "student" else role)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_and_refusal(world: Any, state: str, trigger: str, role: str) -> None:
    (gid,) = graduates(1)
    student = account(gid)
    row = application(gid, state)
    actor = _actor(role, student)
    since = db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0
    remark = "材料不全" if trigger == "reject" else ""
    result = fire(OUT_OF_PROVINCE, trigger, row.id, actor, remark)
    db.session.expire_all()
    after = db.session.get(OutOfProvinceApplication, row.id)
    if role not in ROLE_MAY[trigger]:
        assert not result.ok and result.reason == _("Your role may not %(action)s.",
                                                    action=str(OUT_OF_PROVINCE.transitions[trigger].label))
    elif state != "central":
        assert not result.ok and result.reason == _(SPECIFIC[(trigger, state)])
    elif role == "college_a":  # one level: the school decides; a college may not reject at the school's level
        assert not result.ok and result.reason == _("Out-of-province employment applications are decided by the school.")
    else:
        assert result.ok, result.reason
        assert after.status == TO[trigger]
        if trigger != "withdraw":
            assert after.school_decision == ("approved" if trigger == "approve_school" else "rejected")
            assert after.school_decided_by
        logged = db.session.execute(select(AuditLog.action).where(
            AuditLog.target_type == "out_of_province", AuditLog.target_id == str(row.id), AuditLog.seq > since)
        ).scalars().all()
        assert f"workflow.out_of_province.{trigger}" in logged
        return
    assert after.status == state and after.version == 1


def test_approval_locks_in_province_signing_and_tells_the_graduate(world: Any) -> None:
    (gid,) = graduates(1)
    student = account(gid)
    row = application(gid, employer_name="OFL深圳某科技公司")
    assert not status_of(gid).in_province_locked
    assert fire(OUT_OF_PROVINCE, "approve_school", row.id, user("school")).ok
    db.session.expire_all()
    assert status_of(gid).in_province_locked
    assert "省内签约已锁定" in signing_problem(db.session.get(Graduate, gid))
    note = notices(user(student).id)[-1]
    assert note.kind == "out_of_province.approve_school" and note.link == "/student/out-of-province/"
    assert "OFL深圳某科技公司" in render(note) and "审核通过" in render(note)


def test_rejection_needs_a_reason_and_tells_it(world: Any) -> None:
    (gid,) = graduates(1)
    student = account(gid)
    row = application(gid)
    with pytest.raises(WorkflowError):
        fire(OUT_OF_PROVINCE, "reject", row.id, user("school"), "  ")
    assert fire(OUT_OF_PROVINCE, "reject", row.id, user("school"), "请补充录用通知").ok
    db.session.expire_all()
    assert db.session.get(OutOfProvinceApplication, row.id).school_remark == "请补充录用通知"
    assert not status_of(gid).in_province_locked
    assert "请补充录用通知" in render(notices(user(student).id)[-1])


def test_approval_is_refused_while_an_in_province_agreement_binds(world: Any) -> None:
    (gid,) = graduates(1)
    bound = agreement(gid, "archived", kind="offline", external_number="OFL-X-1")
    row = application(gid)
    why = why_not(OUT_OF_PROVINCE, "approve_school", row, user("school"))
    assert why and "省内协议书" in why
    assert not fire(OUT_OF_PROVINCE, "approve_school", row.id, user("school")).ok
    bound.status = "terminated"
    db.session.commit()
    assert fire(OUT_OF_PROVINCE, "approve_school", row.id, user("school")).ok


def test_another_students_application_is_out_of_scope(world: Any) -> None:
    (mine, other) = graduates(2)
    student = account(mine)
    account(other)
    row = application(other)
    result = fire(OUT_OF_PROVINCE, "withdraw", row.id, user(student))
    assert not result.ok and "不在您的管理范围" in result.reason


def test_one_pending_application_per_graduate_in_the_database(world: Any) -> None:
    (gid,) = graduates(1)
    application(gid, "rejected")
    application(gid)
    with pytest.raises(IntegrityError):
        application(gid)
    db.session.rollback()
