"""TRM-1/TRM-4: each guard of the termination workflow refuses with its own message, and the buttons' why_not says
the same: the request's completeness and source information (seed 001), the letter, entered agreements only, the
agreement still open, the plan lock."""
from __future__ import annotations

from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import update

from app.extensions import db
from app.models.agreement import Agreement
from app.models.graduate import Graduate
from app.models.termination import Termination
from app.workflows import fire
from app.workflows.engine import why_not
from app.workflows.termination import TERMINATION
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import actor, agreement, graduate, termination

people, tctx = world.people, world.tctx
SOURCE = ("The source information is not complete yet: no agreement can be requested before the school has approved "
          "it (未实名认证前，不可进行协议申请和违约申请操作).")


def _refused(row: Termination, trigger: str, role: str, people: Any, remark: str = "测试理由") -> str:
    """The refusal of the engine, which must equal the disabled button's reason; nothing may have changed."""
    user = actor(role, people)
    button = why_not(TERMINATION, trigger, row, user)
    result = fire(TERMINATION, trigger, row.id, user, remark=remark)
    assert not result.ok
    assert result.reason == button
    db.session.expire_all()
    assert db.session.get(Termination, row.id).version == 1
    return result.reason


@pytest.mark.parametrize("missing,message", [
    ({"reason_id": None}, "Choose the reason for the termination."),
    ({"explanation": "  "}, "Explain the termination."),
    ({"liable_party": None}, "Say which party is liable for the termination."),
    ({"liable_party": "nobody"}, "Say which party is liable for the termination."),
])
@pytest.mark.parametrize("trigger", ["request", "submit_offline"])
def test_an_incomplete_request_is_not_sent(tctx: Any, people: Any, trigger: str, missing: dict[str, Any],
                                           message: str) -> None:
    row = termination(agreement(graduate(people), people.employer), letter=True)
    db.session.execute(update(Termination).where(Termination.id == row.id).values(**missing))
    db.session.commit()
    assert _refused(row, trigger, "graduate", people) == _(message)


@pytest.mark.parametrize("trigger", ["request", "submit_offline"])
def test_nothing_before_the_source_information_is_complete(tctx: Any, people: Any, trigger: str) -> None:
    """Seed 001: 未实名认证前，不可进行协议申请和违约申请操作 — for the graduate and the employer alike."""
    grad = graduate(people)
    row = termination(agreement(grad, people.employer), letter=True)
    db.session.execute(update(Graduate).where(Graduate.id == grad.id).values(status="central"))
    db.session.commit()
    assert _refused(row, trigger, "graduate", people) == _(SOURCE)
    if trigger == "request":
        by_employer = termination(agreement(graduate(people, status="secondary"), people.employer),
                                  requested_by="employer")
        assert _refused(by_employer, "request", "employer", people) == _(SOURCE)


@pytest.mark.parametrize("state", ["invited", "requested", "draft", "declined", "cancelled", "terminated"])
def test_only_an_accepted_agreement_that_has_not_ended(tctx: Any, people: Any, state: str) -> None:
    row = termination(agreement(graduate(people), people.employer, state))
    assert _refused(row, "request", "graduate", people) == _(
        "Only an accepted agreement that has not ended can be terminated.")


def test_the_approval_refuses_an_agreement_that_ended_meanwhile(tctx: Any, people: Any) -> None:
    """A returned agreement cancelled while its termination waits: the school's approval says so, per record."""
    deal = agreement(graduate(people), people.employer, "returned")
    row = termination(deal, "central")
    db.session.execute(update(Agreement).where(Agreement.id == deal.id).values(status="cancelled"))
    db.session.commit()
    assert _refused(row, "approve_school", "school", people) == _(
        "Only an accepted agreement that has not ended can be terminated.")


def test_offline_needs_the_signed_letter(tctx: Any, people: Any) -> None:
    """A receipt alone is not the letter."""
    row = termination(agreement(graduate(people), people.employer))
    world.attach_file(row, "receipt")
    assert _refused(row, "submit_offline", "graduate", people) == _("Attach the signed termination letter (解约函).")
    world.attach_file(row, "letter")
    assert fire(TERMINATION, "submit_offline", row.id, actor("graduate", people)).ok


@pytest.mark.parametrize("kind,allowed", [("online", False), ("offline", True), ("outside", True)])
def test_force_only_entered_agreements(tctx: Any, people: Any, kind: str, allowed: bool) -> None:
    """TRM-4: an online agreement is never forced; an offline or out-of-province one is, by the school."""
    row = termination(agreement(graduate(people), people.employer, kind=kind), requested_by="school")
    if allowed:
        result = fire(TERMINATION, "force", row.id, actor("school", people), remark="录入有误，强制解约")
        assert result.ok and result.to_state == "approved"
        db.session.expire_all()
        forced = db.session.get(Termination, row.id)
        assert forced.forced and forced.school_remark == "录入有误，强制解约" and forced.ended_at is not None
    else:
        assert _refused(row, "force", "school", people) == _(
            "Only an entered agreement can be terminated by force; an agreement signed online is ended through a "
            "termination request of the graduate or the employer.")
        db.session.expire_all()
        assert db.session.get(Agreement, row.agreement_id).status == "archived"


@pytest.mark.parametrize("trigger,state,role", [
    ("request", "draft", "graduate"), ("submit_offline", "draft", "graduate"),
    ("approve_college", "secondary", "college_a"), ("approve_school", "central", "school"),
    ("reject", "central", "school"), ("force", "draft", "school"),
])
def test_the_plan_lock_refuses_with_its_message(tctx: Any, people: Any, trigger: str, state: str, role: str) -> None:
    """After the plan lock a termination is neither sent, reviewed nor forced (TRM-4, PLAN-1)."""
    row = termination(agreement(graduate(people), people.employer, kind="offline"), state,
                      requested_by="school" if trigger == "force" else "graduate", letter=True)
    cohort = world.cohort()
    cohort.plan_locked = True
    db.session.commit()
    message = _refused(row, trigger, role, people)
    assert "锁定" in message and cohort.name in message, message
