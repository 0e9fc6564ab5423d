"""PLAN-1 at every door: with the plan locked, the student's save, submit and change, the school's revert, each review
action one by one and in a batch, and the graduate's confirmation are refused with the lock's own message; with the
lock off the same calls go through. PLAN-4: confirm, report an error to the college, a new version needs a new word."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.notification import Notification
from app.models.user import User
from app.services import destination_form as form
from app.services import plan
from app.workflows.destination import DESTINATION, cohort_closed
from app.workflows.engine import fire_many
from tests.conftest import Browser
from tests.workflows import destination_world as world
from tests.workflows.destination_world import code, cohort, destination, graduate

student_id, dctx, student = world.student_id, world.dctx, world.student


def who(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


@pytest.fixture(autouse=True)
def no_words_left(dctx: Any) -> Any:
    """Confirmations point at destinations: remove them before the world removes its graduates."""
    yield
    from app.models.graduate import Graduate
    from app.models.plan import PlanConfirmation

    db.session.rollback()
    db.session.execute(PlanConfirmation.__table__.delete().where(PlanConfirmation.graduate_id.in_(
        select(Graduate.id).where(Graduate.student_no.like(f"{world.PREFIX}%")))))
    db.session.commit()


def lock(on: bool) -> None:
    cohort().plan_locked = on
    db.session.commit()




REVIEW = [("approve_college", "secondary", "college_a", ""), ("approve_school", "central", "school", ""),
          ("reject", "secondary", "college_a", "材料不全"), ("reopen", "complete", "admin", "更正")]


@pytest.mark.parametrize("locked", [True, False])
def test_every_review_action_and_batch(dctx: Any, student_id: int, locked: bool) -> None:
    for trigger, state, role, remark in REVIEW:
        rows = [destination(graduate(student_id, owned=False), state, "46") for _ in range(3)]
        lock(locked)
        extra = {"reasons": [_rejection_code()], "reason_text": "缺少证明"} if trigger == "reject" else None
        result = fire_many(DESTINATION, trigger, [r.id for r in rows], who(role), remark, extra=extra)
        reasons = {r.reason for r in result.results}
        if locked:
            assert reasons == {cohort_closed(cohort())} and cohort().name in reasons.pop(), trigger
            assert not result.done
        else:
            assert not result.skipped, (trigger, reasons)
        lock(False)


def _rejection_code() -> str:
    from app.models.reference import RejectionReason

    return db.session.execute(select(RejectionReason.code).where(RejectionReason.active.is_(True))
                              .order_by(RejectionReason.needs_text.desc())).scalars().first()


@pytest.mark.parametrize("locked", [True, False])
def test_student_doors(student: Browser, student_id: int, locked: bool) -> None:
    grad = graduate(student_id)
    lock(locked)
    student.post_form("/student/destination/", {"code_id": code("46").id, "action": "submit"},
                      token_from="/student/destination/")
    db.session.expire_all()
    rows = form.versions(grad)
    if locked:
        assert rows == []
    else:
        assert [r.status for r in rows] == ["secondary"]
    lock(False)


def test_change_revert_and_confirm_refused_when_locked(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "complete", "46")
    lock(True)
    message = cohort_closed(cohort())
    with pytest.raises(form.FormRefused) as refused:
        form.start_change(grad, who("school"))
    assert refused.value.errors["change"] == message
    with pytest.raises(plan.PlanRefused) as word:
        plan.answer(grad, db.session.get(User, student_id), plan.CONFIRMED)
    assert cohort().name in str(word.value)
    lock(False)
    changed = form.start_change(grad, who("school"))
    assert changed.version_no == 2
    assert plan.answer(grad, db.session.get(User, student_id), plan.CONFIRMED).status == plan.CONFIRMED


def test_confirm_and_report_an_error_reach_the_college(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    assert "gems-plan-no-entry" in student.get("/student/plan/").get_data(as_text=True)
    entry = destination(grad, "complete", "46")
    response = student.post_form("/student/plan/", {"action": "confirmed"}, token_from="/student/plan/")
    assert response.status_code == 302
    db.session.expire_all()
    assert plan.state_of(grad) == plan.CONFIRMED
    before = db.session.execute(select(Notification.id).where(Notification.user_id == who("college_a").id)
                                .order_by(Notification.id.desc())).scalars().first() or 0
    student.post_form("/student/plan/", {"action": "error", "remark": ""}, token_from="/student/plan/")
    db.session.expire_all()
    assert plan.state_of(grad) == plan.CONFIRMED  # no remark, no report
    student.post_form("/student/plan/", {"action": "error", "remark": "单位名称少了“有限公司”"},
                      token_from="/student/plan/")
    db.session.expire_all()
    assert plan.state_of(grad) == plan.ERROR
    sent = db.session.execute(select(Notification).where(Notification.id > before,
                                                         Notification.kind == plan.ERROR_KIND)).scalars().all()
    assert {n.user_id for n in sent} == {who("college_a").id}  # college_b and the school are not told
    assert grad.student_no in sent[0].params and "confirmation=error" in sent[0].link
    # a new approved version is a new entry: the earlier word no longer counts
    entry.is_current = False
    db.session.commit()
    destination(grad, "complete", "85", version_no=2, foreign_school_name="Some University")
    assert plan.state_of(grad) == plan.NONE


def test_counts_follow_the_words(dctx: Any, student_id: int) -> None:
    """Counted against what the cohort held before (other tests' graduates may share it): the four added here move
    each count by exactly their own words."""
    def tally(who_name: str) -> tuple[int, int, int, int]:
        c = plan.counts(cohort(), who(who_name))
        return c.confirmed, c.error, c.none, c.without_entry

    before, before_b = tally("school"), plan.counts(cohort(), who("college_b")).total
    listed_before = {r[0] for r in plan.unconfirmed_rows(cohort(), who("school"))}
    grads = [graduate(student_id, owned=False) for _ in range(4)]
    for g in grads[:3]:
        destination(g, "complete", "46")
    plan.answer(grads[0], who("admin"), plan.CONFIRMED)
    plan.answer(grads[1], who("admin"), plan.ERROR, "专业不对")
    after = tally("school")
    assert tuple(a - b for a, b in zip(after, before)) == (1, 1, 2, 1)
    assert plan.counts(cohort(), who("college_b")).total == before_b  # college_a's graduates: none of college_b's
    unconfirmed = {r[0] for r in plan.unconfirmed_rows(cohort(), who("school"))} - listed_before
    assert sorted(unconfirmed) == sorted(g.student_no for g in grads[1:])
