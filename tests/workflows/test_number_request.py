"""AGR-1 number requests, table-driven: every trigger from every state for every role (done or refused with its
message); approval voids the old number with the request's reason, issues the next one and tells the student;
an empty pool refuses the approval; a rejection needs a reason; one open request per graduate in the database."""
from __future__ import annotations

import json
from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.agreement import NumberRequest
from app.models.notification import Notification
from app.services import agreement_numbers as numbers
from app.workflows import WorkflowError, fire, fire_many
from app.workflows.number_request import NUMBER_REQUEST
from tests.workflows.test_number_world import nctx, own_graduate, pool, reason, state_of, student_id, user

__all__ = ["nctx", "student_id"]
STATES = ("central", "approved", "rejected", "withdrawn")
ROLES = ("student", "school", "admin", "college_a")
MAY = {"approve_school": {"school", "admin"}, "reject": {"school", "admin"}, "withdraw": {"student"}}
FROM = {"approve_school": {"central": "approved"}, "reject": {"central": "rejected"},
        "withdraw": {"central": "withdrawn"}}


def _request(graduate: Any, status: str = "central") -> NumberRequest:
    row = NumberRequest(graduate_id=graduate.id, reason_id=reason("02").id, explanation="丢在图书馆",
                        old_number_id=numbers.current_numbers([graduate.id])[graduate.id].id, status=status)
    db.session.add(row)
    db.session.commit()
    return row


def _holder(student_id: int) -> Any:
    grad = own_graduate(student_id)
    pool(3)
    numbers.assign_one(grad)
    db.session.commit()
    return grad


def _actor(role: str, student_id: int) -> Any:
    from app.models.user import User

    return db.session.get(User, student_id) if role == "student" else user(role)


def _expected_refusal(trigger: str, state: str, role: str) -> str:
    label = str(NUMBER_REQUEST.transitions[trigger].label)
    if role not in MAY[trigger]:
        return _("Your role may not %(action)s.", action=label)
    specific = NUMBER_REQUEST.refusals.get((trigger, state))
    return str(specific) if specific else _("Cannot %(action)s: the record is %(state)s.", action=label,
                                            state=NUMBER_REQUEST.label(state))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", sorted(MAY))
def test_every_trigger_state_and_role(nctx: Any, student_id: int, trigger: str, state: str, role: str) -> None:
    grad = _holder(student_id)
    row = _request(grad, state)
    result = fire(NUMBER_REQUEST, trigger, row.id, _actor(role, student_id), remark="理由")
    db.session.expire_all()
    if role in MAY[trigger] and state in FROM[trigger]:
        assert result.ok, result.reason
        assert db.session.get(NumberRequest, row.id).status == FROM[trigger][state]
    else:
        assert not result.ok and result.reason == _expected_refusal(trigger, state, role), result.reason
        assert db.session.get(NumberRequest, row.id).status == state


def test_approval_voids_the_old_number_issues_the_next_and_tells_the_student(nctx: Any, student_id: int) -> None:
    grad = _holder(student_id)
    old = numbers.current_numbers([grad.id])[grad.id].number
    row = _request(grad)
    assert fire(NUMBER_REQUEST, "approve_school", row.id, user("school")).ok
    db.session.expire_all()
    row = db.session.get(NumberRequest, row.id)
    assert state_of(old) == ("voided", grad.id, "协议丢失")
    assert row.new_number is not None and state_of(row.new_number.number)[:2] == ("assigned", grad.id)
    assert row.old_number.number == old and row.school_decision == "approved" and row.school_decided_at
    note = db.session.execute(select(Notification).where(Notification.user_id == student_id,
                                                         Notification.kind == "number_request.approved")).scalar_one()
    assert json.loads(note.params)["number"] == row.new_number.number and note.link == "/student/numbers/"


def test_rejection_needs_a_reason_keeps_the_number_and_tells_the_student(nctx: Any, student_id: int) -> None:
    grad = _holder(student_id)
    old = numbers.current_numbers([grad.id])[grad.id].number
    row = _request(grad)
    with pytest.raises(WorkflowError):
        fire(NUMBER_REQUEST, "reject", row.id, user("school"), remark=" ")
    assert fire(NUMBER_REQUEST, "reject", row.id, user("school"), remark="协议书仍可使用").ok
    assert state_of(old)[0] == "assigned"
    note = db.session.execute(select(Notification.params).where(
        Notification.user_id == student_id, Notification.kind == "number_request.rejected")).scalar_one()
    assert "协议书仍可使用" in note


def test_an_empty_pool_refuses_the_approval_with_the_reason(nctx: Any, student_id: int) -> None:
    grad = own_graduate(student_id)
    pool(1)
    numbers.assign_one(grad)
    db.session.commit()
    row = _request(grad)
    result = fire(NUMBER_REQUEST, "approve_school", row.id, user("school"))
    assert not result.ok and "编号池中已没有" in result.reason
    from app.workflows.engine import why_not

    assert "编号池中已没有" in (why_not(NUMBER_REQUEST, "approve_school", row, user("school")) or "")


def test_a_batch_approval_beyond_the_pool_leaves_the_rest_waiting(nctx: Any, student_id: int) -> None:
    """Two requests, one free number: both pass the guard (each sees it), one gets it; the other graduate's old
    number is void and they wait for the pool — never two graduates on one number."""
    from app.models.graduate import Graduate
    from tests.workflows.test_number_world import cohort, graduates

    ids = graduates(2)
    pool(2)
    assert numbers.assign_cohort(cohort().id) == (2, 0)
    db.session.commit()
    pool(1)
    rows = [_request(db.session.get(Graduate, g)) for g in ids]
    result = fire_many(NUMBER_REQUEST, "approve_school", [r.id for r in rows], user("school"))
    assert len(result.done) == 2
    db.session.expire_all()
    new = [db.session.get(NumberRequest, r.id).new_number_id for r in rows]
    assert sorted(n is None for n in new) == [False, True]
    assert len(numbers.current_numbers(ids)) == 1


def test_the_database_allows_one_open_request_per_graduate(nctx: Any, student_id: int) -> None:
    grad = _holder(student_id)
    _request(grad)
    _request(grad, "rejected")  # decided ones may pile up
    db.session.add(NumberRequest(graduate_id=grad.id, reason_id=reason().id, status="central"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
