"""TRM-1 … TRM-4: a termination (解约) as one declaration on the engine.

Online: the graduate or the employer requests it (explanation, liable party, evidence) → the other party agrees
(the termination letter is generated and the school informed, TRM-3) or refuses → the review steps every reviewed
workflow shares (mandatory reason on rejection) → approved: the agreement ends, leaves the plan, its number is voided
and a new one issued (TRM-2). Offline: the graduate submits the signed 解约函 straight to review. Forced: a school
account ends an entered agreement directly, never after the plan lock (TRM-4). Effects: app.services.terminations.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.termination import Termination
from app.security.roles import ADMIN, EMPLOYER, SCHOOL, STUDENT
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow
from app.workflows.destination import cohort_open
from app.workflows.review_builder import CENTRAL, SECONDARY, TRIGGER_LABELS, LevelledWorkflow, first_level, review_steps

DRAFT, AWAITING_OTHER, APPROVED = "draft", "awaiting_other", "approved"
REFUSED, REJECTED, WITHDRAWN = "refused", "rejected", "withdrawn"
PARTIES = frozenset({STUDENT, EMPLOYER})
CENTRAL_ROLES = frozenset({SCHOOL, ADMIN})

STATES = {
    DRAFT: _l("Being filled in"),
    AWAITING_OTHER: _l("Awaiting the other party"),
    SECONDARY: _l("Awaiting college review"),
    CENTRAL: _l("Awaiting school review"),
    APPROVED: _l("Terminated"),
    REFUSED: _l("Refused by the other party"),
    REJECTED: _l("Not approved"),
    WITHDRAWN: _l("Withdrawn"),
}
PENDING = (DRAFT, AWAITING_OTHER, SECONDARY, CENTRAL)  # the work list; the rest is the history list


def _described(text: Any) -> Any:
    def mark(guard: Any) -> Any:
        guard.description = text
        return guard
    return mark


plan_open = cohort_open  # the destinations' own check: the plan lock and the change deadline, share-locked


@_described(_l("The request is complete: reason, explanation, liable party"))
def request_complete(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import request_problem

    return request_problem(row)


@_described(_l("The signed termination letter is attached"))
def letter_attached(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import letter_problem

    return letter_problem(row)


@_described(_l("Only the other party answers a request"))
def other_party(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import party_of

    if party_of(ctx) == row.requested_by:
        return str(_l("You made this request; the other party must answer it."))
    return None


@_described(_l("Only the party who wrote the draft sends it"))
def author(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import party_of

    if party_of(ctx) != row.requested_by:
        return str(_l("Only the party who wrote this draft can send it."))
    return None


@_described(_l("Only the party who made the request withdraws it"))
def requester(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import party_of

    if party_of(ctx) != row.requested_by:
        return str(_l("Only the party who made the request can withdraw it."))
    return None


@_described(_l("The agreement has not ended (it can still be terminated)"))
def agreement_open(row: Termination, ctx: FireContext) -> Optional[str]:
    from app.services.terminations import agreement_problem

    return agreement_problem(row)


@_described(_l("Only entered (offline or out-of-province) agreements, not those signed online"))
def entered_agreement(row: Termination, ctx: FireContext) -> Optional[str]:
    if not row.agreement.entered:
        return str(_l("Only an entered agreement can be terminated by force; an agreement signed online is ended "
                      "through a termination request of the graduate or the employer."))
    return None


def _answered(ctx: FireContext) -> dict[str, Any]:
    return {"other_answered_at": utcnow(), "other_remark": ctx.remark or None, "updated_at": utcnow()}


def _submitted(ctx: FireContext) -> dict[str, Any]:
    return {"submitted_at": utcnow(), "updated_at": utcnow()}


def _ended(ctx: FireContext) -> dict[str, Any]:
    return {"ended_at": utcnow(), "updated_at": utcnow()}


def _forced(ctx: FireContext) -> dict[str, Any]:
    return {"forced": True, "ended_at": utcnow(), "school_decision": "approved", "school_remark": ctx.remark,
            "school_decided_at": utcnow(), "updated_at": utcnow(),
            "school_decided_by": getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None)}


def build(levels: int = 2) -> Workflow:
    """The termination workflow with one or two review levels (the school's setting)."""
    first = first_level(levels)
    transitions = [
        Transition("request", (DRAFT,), AWAITING_OTHER, PARTIES, _l("Send the request to the other party"),
                   guards=(author, plan_open, request_complete), sets=_submitted),
        Transition("submit_offline", (DRAFT,), first, frozenset({STUDENT}),
                   _l("Submit with the signed termination letter"),
                   guards=(author, plan_open, request_complete, letter_attached), sets=_submitted),
        Transition("agree", (AWAITING_OTHER,), first, PARTIES, _l("Agree to terminate"), guards=(other_party,),
                   sets=_answered),
        Transition("refuse", (AWAITING_OTHER,), REFUSED, PARTIES, _l("Refuse to terminate"), requires_reason=True,
                   guards=(other_party,), sets=_answered),
        Transition("withdraw", (DRAFT, AWAITING_OTHER), WITHDRAWN, PARTIES, _l("Withdraw the request"),
                   guards=(requester,), sets=_ended),
        *review_steps(levels, APPROVED, REJECTED, {**TRIGGER_LABELS, "approve_school": _l("Approve the termination")},
                      guards=(plan_open,), school_guards=(agreement_open,), approve_sets=_ended),
        Transition("force", (DRAFT,), APPROVED, CENTRAL_ROLES, _l("Force the termination"), requires_reason=True,
                   guards=(author, plan_open, entered_agreement, agreement_open), sets=_forced),
    ]
    refusals = {
        ("agree", APPROVED): _l("The agreement has already been terminated."),
        ("approve_school", APPROVED): _l("The agreement has already been terminated."),
        ("force", APPROVED): _l("The agreement has already been terminated."),
    }
    editable = {DRAFT: PARTIES | CENTRAL_ROLES}
    return Workflow(name="termination", title=_l("Terminations"), model=Termination, states=STATES, initial=DRAFT,
                    transitions=transitions, editable=editable, refusals=refusals)


def _effects(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    from app.services.terminations import after_termination_step

    after_termination_step(trigger, ids, ctx)


TERMINATION = LevelledWorkflow(build)
TERMINATION.variants[2].after_fire.append(_effects)

__all__ = ["APPROVED", "AWAITING_OTHER", "DRAFT", "PENDING", "REFUSED", "REJECTED", "STATES", "TERMINATION",
           "WITHDRAWN", "build"]
