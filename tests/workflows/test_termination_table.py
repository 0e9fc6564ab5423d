"""TRM-1 … TRM-4 through the engine: every trigger from every state for every role, with the exact refusal; the
table is written out here from the issue, independently of the declaration it checks."""
from __future__ import annotations

import re
from typing import Any

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.audit import AuditLog
from app.models.termination import Termination
from app.workflows import fire
from app.workflows.termination import TERMINATION
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import actor, agreement, graduate, termination

people, tctx = world.people, world.tctx

ROLES = ("graduate", "employer", "other_employer", "college_a", "school", "admin")
STATES = ("draft", "awaiting_other", "secondary", "central", "approved", "refused", "rejected", "withdrawn")
TRIGGERS = ("request", "submit_offline", "agree", "refuse", "withdraw", "approve_college", "approve_school", "reject",
            "force")
PARTIES = {"graduate", "employer", "other_employer"}
ROLE_MAY = {"request": PARTIES, "submit_offline": {"graduate"}, "agree": PARTIES, "refuse": PARTIES,
            "withdraw": PARTIES, "approve_college": {"college_a"}, "approve_school": {"school", "admin"},
            "reject": {"college_a", "school", "admin"}, "force": {"school", "admin"}}
FROM = {"request": {"draft"}, "submit_offline": {"draft"}, "agree": {"awaiting_other"}, "refuse": {"awaiting_other"},
        "withdraw": {"draft", "awaiting_other"}, "approve_college": {"secondary"}, "approve_school": {"central"},
        "reject": {"secondary", "central"}, "force": {"draft"}}
TO = {"request": "awaiting_other", "submit_offline": "secondary", "agree": "secondary", "refuse": "refused",
      "withdraw": "withdrawn", "approve_college": "central", "approve_school": "approved", "reject": "rejected",
      "force": "approved"}
ENDED = "The agreement has already been terminated."
SPECIFIC = {("agree", "approved"): ENDED, ("approve_school", "approved"): ENDED, ("force", "approved"): ENDED}
# the request is the graduate's: what each guard then says to the others (msgids, compared translated)
GUARDED = {
    ("request", "employer"): "Only the party who wrote this draft can send it.",
    ("force", "school"): "Only the party who wrote this draft can send it.",
    ("force", "admin"): "Only the party who wrote this draft can send it.",
    ("agree", "graduate"): "You made this request; the other party must answer it.",
    ("refuse", "graduate"): "You made this request; the other party must answer it.",
    ("withdraw", "employer"): "Only the party who made the request can withdraw it.",
}
COLLEGE_LATE = "The college has already passed this record to the school; only the school can reject it now."
CJK = re.compile(r"[\u4e00-\u9fff]")


def logged(record_id: int, since: int) -> int:
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.seq > since, AuditLog.target_type == "termination", AuditLog.target_id == str(record_id),
        AuditLog.action.like("workflow.termination.%"))).scalar_one()


def last_seq() -> int:
    return db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0


def expected(trigger: str, state: str, role: str) -> str | None:
    """None where the step is allowed, else the translated refusal, in the engine's order of checks."""
    label = str(TERMINATION.transitions[trigger].label)
    if role not in ROLE_MAY[trigger]:
        return _("Your role may not %(action)s.", action=label)
    if role == "other_employer":
        return _("Record not found or not in your scope.")
    if state not in FROM[trigger]:
        if (trigger, state) in SPECIFIC:
            return _(SPECIFIC[(trigger, state)])
        return _("Cannot %(action)s: the record is %(state)s.", action=label, state=TERMINATION.label(state))
    if (trigger, role) in GUARDED:
        return _(GUARDED[(trigger, role)])
    if (trigger, state, role) == ("reject", "central", "college_a"):
        return _(COLLEGE_LATE)
    return None


def test_the_declared_table_is_the_issue_s() -> None:
    """The workflow has exactly these triggers, sources and targets (two review levels)."""
    workflow = TERMINATION.variant(2)
    assert set(workflow.transitions) == set(TRIGGERS)
    for trigger, transition in workflow.transitions.items():
        assert set(transition.sources) == FROM[trigger] and transition.dest == TO[trigger], trigger
    assert {t for t, tr in workflow.transitions.items() if tr.requires_reason} == {"refuse", "reject", "force"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_trigger_state_role(tctx: Any, people: Any, trigger: str, state: str, role: str) -> None:
    """Allowed exactly as the table says (new state, version + 1, one audit row); else the exact refusal, in
    Chinese, and nothing changed. The request is the graduate's, on an entered agreement, with its letter."""
    grad = graduate(people)
    deal = agreement(grad, people.employer, "archived", kind="offline")
    row = termination(deal, state, letter=True)
    rid, since = row.id, last_seq()
    result = fire(TERMINATION, trigger, rid, actor(role, people), remark="测试理由")
    why = expected(trigger, state, role)
    db.session.expire_all()
    row = db.session.get(Termination, rid)
    if why is None:
        assert result.ok, result.reason
        assert (row.status, row.version) == (TO[trigger], 2)
        assert logged(rid, since) == 1
        ended = db.session.get(Agreement, deal.id).status == "terminated"
        assert ended == (TO[trigger] == "approved"), "only an approval ends the agreement"
    else:
        assert not result.ok
        assert result.reason == why
        assert CJK.search(result.reason), result.reason
        assert (row.status, row.version) == (state, 1)
        assert logged(rid, since) == 0
        assert db.session.get(Agreement, deal.id).status == "archived"


@pytest.mark.parametrize("trigger,state,role,to", [
    ("request", "draft", "employer", "awaiting_other"),
    ("agree", "awaiting_other", "graduate", "secondary"),
    ("refuse", "awaiting_other", "graduate", "refused"),
    ("withdraw", "awaiting_other", "employer", "withdrawn"),
    ("withdraw", "draft", "employer", "withdrawn"),
])
def test_an_employer_s_request_mirrors_the_graduate_s(tctx: Any, people: Any, trigger: str, state: str, role: str,
                                                      to: str) -> None:
    """Requested by the employer: the employer sends and withdraws it, the graduate answers it."""
    row = termination(agreement(graduate(people), people.employer), state, requested_by="employer")
    result = fire(TERMINATION, trigger, row.id, actor(role, people), remark="测试理由")
    assert result.ok and result.to_state == to, result.reason


@pytest.mark.parametrize("trigger,state,role,message", [
    ("request", "draft", "graduate", "Only the party who wrote this draft can send it."),
    ("submit_offline", "draft", "graduate", "Only the party who wrote this draft can send it."),
    ("agree", "awaiting_other", "employer", "You made this request; the other party must answer it."),
    ("withdraw", "awaiting_other", "graduate", "Only the party who made the request can withdraw it."),
])
def test_an_employer_s_request_refuses_the_graduate_its_steps(tctx: Any, people: Any, trigger: str, state: str,
                                                              role: str, message: str) -> None:
    row = termination(agreement(graduate(people), people.employer), state, requested_by="employer", letter=True)
    result = fire(TERMINATION, trigger, row.id, actor(role, people), remark="测试理由")
    assert not result.ok and result.reason == _(message)


@pytest.mark.parametrize("trigger", ["refuse", "reject", "force"])
def test_a_reason_is_required(tctx: Any, people: Any, trigger: str) -> None:
    """Refusing, rejecting and forcing without a reason are refused as a whole, in Chinese."""
    from app.workflows import WorkflowError

    state = {"refuse": "awaiting_other", "reject": "central", "force": "draft"}[trigger]
    row = termination(agreement(graduate(people), people.employer, kind="offline"), state, requested_by="school")
    who = {"refuse": "employer", "reject": "school", "force": "school"}[trigger]
    with pytest.raises(WorkflowError) as refused:
        fire(TERMINATION, trigger, row.id, actor(who, people), remark="  ")
    assert CJK.search(str(refused.value)) and "理由" in str(refused.value)
    db.session.expire_all()
    assert db.session.get(Termination, row.id).status == state


def test_one_level_sends_straight_to_the_school(tctx: Any, people: Any) -> None:
    """With the school reviewing alone, an agreed or offline request waits for the school, not a college."""
    one = TERMINATION.variant(1)
    assert "approve_college" not in one.transitions
    agreed = termination(agreement(graduate(people), people.employer), "awaiting_other")
    assert fire(one, "agree", agreed.id, actor("employer", people)).to_state == "central"
    offline = termination(agreement(graduate(people), people.employer), "draft", letter=True)
    assert fire(one, "submit_offline", offline.id, actor("graduate", people)).to_state == "central"
