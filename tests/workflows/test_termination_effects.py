"""TRM-2/TRM-3: what an approved (or forced) termination does — the agreement ends and leaves the plan, the graduate
is 待就业 (70) again when it was the plan entry, the old number is voided, a new one issued when the pool has one,
the graduate can sign again — and what both parties' agreement does: the letter's code and the school informed."""
from __future__ import annotations

import json
from typing import Any

from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import Agreement, AgreementNumber
from app.models.audit import AuditLog
from app.models.destination import Destination
from app.models.notification import Notification
from app.models.termination import Termination
from app.models.user import User
from app.services.agreements import live_agreement_of
from app.services.signing import signing_problem
from app.workflows import fire
from app.workflows.termination import TERMINATION
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import actor, agreement, archived, graduate, pool, termination

people, tctx = world.people, world.tctx


def _current(graduate_id: int) -> Destination:
    return db.session.execute(select(Destination).where(Destination.graduate_id == graduate_id,
                                                        Destination.is_current)).scalar_one()


def _approve(row: Termination, people: Any) -> Any:
    result = fire(TERMINATION, "approve_school", row.id, actor("school", people), remark="同意解约")
    assert result.ok, result.reason
    db.session.expire_all()
    return result


def test_approval_ends_the_plan_entry_voids_the_number_and_issues_the_next(tctx: Any, people: Any) -> None:
    grad = graduate(people)
    deal = archived(grad, people.employer)
    old_number, plan_entry = deal.number_id, deal.destination_id
    free = pool(3)
    row = termination(deal, "central")
    _approve(row, people)
    deal = db.session.get(Agreement, deal.id)
    assert deal.status == "terminated" and deal.ended_at is not None
    # out of the plan: the code-10 version is no longer current; a code-70 version is
    entry = db.session.get(Destination, plan_entry)
    assert not entry.is_current
    now = _current(grad.id)
    assert now.code.code == "70" and now.status == "complete" and now.version_no == entry.version_no + 1
    # the number: voided with the reason, the lowest unused one of the pool assigned instead
    voided = db.session.get(AgreementNumber, old_number)
    assert voided.state == "voided" and "解约" in voided.void_reason and voided.graduate_id == grad.id
    new = world.current_number(grad.id)
    assert new.number == free[0] and db.session.get(Termination, row.id).new_number_id == new.id
    # the graduate may sign again: no live agreement, online signing open, a new agreement can be made live
    assert live_agreement_of(grad.id) is None
    assert signing_problem(grad) is None
    again = agreement(grad, people.other_employer, "secondary")
    assert again.status == "secondary"


def test_an_agreement_not_yet_in_the_plan_leaves_the_destination_alone(tctx: Any, people: Any) -> None:
    """Terminated before archiving: no plan entry to leave, so no code-70 version; an empty pool issues nothing."""
    grad = graduate(people)
    deal = agreement(grad, people.employer, "stamp_employer")
    row = termination(deal, "central")
    _approve(row, people)
    assert db.session.get(Agreement, deal.id).status == "terminated"
    assert db.session.execute(select(func.count()).select_from(Destination)
                              .where(Destination.graduate_id == grad.id)).scalar_one() == 0
    assert world.current_number(grad.id) is None and db.session.get(Termination, row.id).new_number_id is None
    assert "协议书编号" in signing_problem(grad)  # no number yet: the school must issue one before online signing


def test_a_revoked_archive_is_terminated_without_a_new_version(tctx: Any, people: Any) -> None:
    """撤消存档 already took it out of the plan: the termination ends it, the destination stays what it was."""
    from app.workflows.agreement import AGREEMENT

    grad = graduate(people)
    deal = archived(grad, people.employer)
    assert fire(AGREEMENT, "revoke", deal.id, actor("school", people), remark="暂不进入方案").ok
    before = db.session.execute(select(func.count()).select_from(Destination)
                                .where(Destination.graduate_id == grad.id)).scalar_one()
    _approve(termination(db.session.get(Agreement, deal.id), "central"), people)
    assert db.session.get(Agreement, deal.id).status == "terminated"
    assert db.session.execute(select(func.count()).select_from(Destination)
                              .where(Destination.graduate_id == grad.id, Destination.is_current)).scalar_one() == 0
    assert db.session.execute(select(func.count()).select_from(Destination)
                              .where(Destination.graduate_id == grad.id)).scalar_one() == before


def test_force_ends_an_entered_plan_entry(tctx: Any, people: Any) -> None:
    """TRM-4 has the same effects as an approval: out of the plan (70), number voided, the next one issued."""
    grad = graduate(people)
    deal = archived(grad, people.employer, kind="offline")
    free = pool(1)
    row = termination(deal, requested_by="school", complete=False)
    result = fire(TERMINATION, "force", row.id, actor("school", people), remark="录入协议有误")
    assert result.ok, result.reason
    db.session.expire_all()
    assert db.session.get(Agreement, deal.id).status == "terminated"
    assert _current(grad.id).code.code == "70"
    assert world.current_number(grad.id).number == free[0]


def test_both_parties_agreeing_issues_the_letter_and_informs_the_school(tctx: Any, people: Any) -> None:
    """TRM-3: the letter's verification code and content hash, and a notice to every school reviewer."""
    grad = graduate(people)
    row = termination(archived(grad, people.employer), "draft")
    since = db.session.execute(select(func.max(Notification.id))).scalar() or 0
    assert fire(TERMINATION, "request", row.id, actor("graduate", people)).ok
    told = db.session.execute(select(Notification.user_id, Notification.kind).where(Notification.id > since)).all()
    assert (people.employer_user, "termination.request") in told  # the other party hears of the request
    assert fire(TERMINATION, "agree", row.id, actor("employer", people), remark="同意").ok
    db.session.expire_all()
    agreed = db.session.get(Termination, row.id)
    assert agreed.letter_code and len(agreed.letter_hash) == 64 and agreed.status == "secondary"
    school = db.session.execute(select(User.id).where(User.username == "school")).scalar_one()
    kinds = db.session.execute(select(Notification.kind).where(Notification.id > since,
                                                               Notification.user_id == school)).scalars().all()
    assert "termination.agree" in kinds


def test_every_node_is_logged_with_who_when_from_to_and_remark(tctx: Any, people: Any) -> None:
    """TRM-1: request → agree → college → school, each an audit row the record page shows."""
    from app.services.review.termination import review_log

    grad = graduate(people)
    row = termination(archived(grad, people.employer), "draft")
    since = db.session.execute(select(func.max(AuditLog.seq))).scalar_one()
    steps = [("request", "graduate", ""), ("agree", "employer", "同意"), ("approve_college", "college_a", "属实"),
             ("approve_school", "school", "同意解约")]
    for trigger, role, remark in steps:
        g.user = actor(role, people)  # the request's user is who the audit row names
        assert fire(TERMINATION, trigger, row.id, g.user, remark=remark).ok, trigger
    entries = db.session.execute(select(AuditLog).where(AuditLog.seq > since, AuditLog.target_type == "termination",
                                                        AuditLog.target_id == str(row.id),
                                                        AuditLog.action.like("workflow.%"))
                                 .order_by(AuditLog.seq)).scalars().all()
    assert [e.action for e in entries] == [f"workflow.termination.{t}" for t, _r, _m in steps]
    assert [json.loads(e.detail)["from"] for e in entries] == ["draft", "awaiting_other", "secondary", "central"]
    assert [json.loads(e.detail)["remark"] for e in entries] == [m for _t, _r, m in steps]
    _changes, log = review_log(db.session.get(Termination, row.id))
    assert [r.to_state for r in log] == [TERMINATION.label(s) for s in ("awaiting_other", "secondary", "central",
                                                                        "approved")]
    assert [r.who for r in log] == [actor(role, people).username for _t, role, _m in steps]
    assert all(r.at for r in log) and log[-1].remark == "同意解约"
    # the agreement's own log names the termination that ended it
    ended = db.session.execute(select(AuditLog).where(AuditLog.seq > since,
                                                      AuditLog.action == "workflow.agreement.terminate",
                                                      AuditLog.target_id == str(row.agreement_id))).scalar_one()
    assert json.loads(ended.detail)["termination"] == [row.id]
