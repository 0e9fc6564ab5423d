"""AGR-2 … AGR-4: the tripartite agreement as one declaration on the engine.

Online: an employer's invitation the graduate accepts (or declines; the employer may withdraw it until then), or a
graduate's request the employer confirms → college review → school review (the review steps every reviewed workflow
shares, one level if the school set one) → stamping: the employer stamps, the graduate confirms, the school confirms
last → 存档 (archived: the graduate's destination becomes code 10 with that employer). The school may revoke an
archive (撤消存档) and restore it (恢复存档). Entered agreements (offline, out of province) are filled from paper,
submitted and reviewed by the school straight into the archive. A termination (app.workflows.termination) ends any
live agreement through `terminate`. What each step does beyond the status is app.services.agreements.
"""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.agreement import ONLINE, Agreement
from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT
from app.timeutil import local_display, utcnow
from app.workflows.base import FireContext, Transition, Workflow
from app.workflows.destination import cohort_open
from app.workflows.review_builder import (
    CENTRAL,
    SECONDARY,
    TRIGGER_LABELS,
    LevelledWorkflow,
    first_level,
    review_steps,
)

INVITED, REQUESTED, DRAFT, RETURNED = "invited", "requested", "draft", "returned"
STAMP_EMPLOYER, STAMP_GRADUATE, STAMP_SCHOOL = "stamp_employer", "stamp_graduate", "stamp_school"
ARCHIVED, REVOKED = "archived", "revoked"
DECLINED, WITHDRAWN, EXPIRED, CANCELLED, TERMINATED = "declined", "withdrawn", "expired", "cancelled", "terminated"
CENTRAL_ROLES = frozenset({SCHOOL, ADMIN})
REVIEWERS = frozenset({COLLEGE, SCHOOL, ADMIN})

STATES = {
    INVITED: _l("Invited, awaiting the graduate"),
    REQUESTED: _l("Requested, awaiting the employer"),
    DRAFT: _l("Being entered"),
    SECONDARY: _l("Awaiting college review"),
    CENTRAL: _l("Awaiting school review"),
    RETURNED: _l("Returned for correction"),
    STAMP_EMPLOYER: _l("Approved, awaiting the employer's stamp"),
    STAMP_GRADUATE: _l("Stamped, awaiting the graduate's confirmation"),
    STAMP_SCHOOL: _l("Awaiting the school's confirmation"),
    ARCHIVED: _l("Archived (in the employment plan)"),
    REVOKED: _l("Archive revoked"),
    DECLINED: _l("Declined"),
    WITHDRAWN: _l("Withdrawn by the employer"),
    EXPIRED: _l("Invitation expired"),
    CANCELLED: _l("Cancelled"),
    TERMINATED: _l("Terminated"),
}
# states the record is still moving in (listed in the review workspace's work list); the others are history
ENDED = (DECLINED, WITHDRAWN, EXPIRED, CANCELLED, TERMINATED)
LABELS = {
    **TRIGGER_LABELS,
    "approve_school": _l("Approve (school)"),
    "reject": _l("Return for correction"),
}


# -- guards: each reads the row and says why not; the checks themselves live in app.services.agreements ------------

def _described(text: Any) -> Any:
    def mark(guard: Any) -> Any:
        guard.description = text
        return guard
    return mark


plan_open = cohort_open  # the destinations' own check: the plan lock and the change deadline, share-locked


@_described(_l("The graduate may sign: source information complete, signing not locked, a current agreement number"))
def may_sign(row: Agreement, ctx: FireContext) -> Optional[str]:
    from app.services.agreements import signing_problem

    return signing_problem(row.graduate, row)


@_described(_l("The invitation has not expired"))
def not_expired(row: Agreement, ctx: FireContext) -> Optional[str]:
    if row.expires_at is not None and row.expires_at < utcnow():
        return str(_l("The invitation expired on %(when)s; ask the employer for a new one.",
                      when=local_display(row.expires_at)))
    return None


@_described(_l("The invitation's answer-by time has passed"))
def past_expiry(row: Agreement, ctx: FireContext) -> Optional[str]:
    if row.expires_at is None or row.expires_at >= utcnow():
        return str(_l("The invitation has not expired yet."))
    return None


@_described(_l("Online agreements only"))
def online_only(row: Agreement, ctx: FireContext) -> Optional[str]:
    if row.kind != ONLINE:
        return str(_l("An entered agreement is approved straight into the archive, without stamping."))
    return None


@_described(_l("Entered (offline or out-of-province) agreements only"))
def entered_only(row: Agreement, ctx: FireContext) -> Optional[str]:
    if row.kind == ONLINE:
        return str(_l("An online agreement is stamped by the parties after the school's approval."))
    return None


@_described(_l("The entry is complete (and, out of province, the application is approved)"))
def entry_complete(row: Agreement, ctx: FireContext) -> Optional[str]:
    from app.services.agreements import entry_problem

    return entry_problem(row, ctx)


@_described(_l("The graduate has no other live agreement"))
def no_other_live(row: Agreement, ctx: FireContext) -> Optional[str]:
    from app.services.agreements import other_live_agreement

    return other_live_agreement(row)


def _at(column: str) -> Any:
    def sets(ctx: FireContext) -> dict[str, Any]:
        return {column: utcnow(), "updated_at": utcnow()}
    return sets


def _answered(ctx: FireContext) -> dict[str, Any]:
    return {"answered_at": utcnow(), "answer_remark": ctx.remark or None, "updated_at": utcnow()}


def _archived(ctx: FireContext) -> dict[str, Any]:
    return {"school_confirmed_at": utcnow(), "archived_at": utcnow(), "revoked_at": None, "updated_at": utcnow()}


def _submitted(ctx: FireContext) -> dict[str, Any]:
    return {"submitted_at": utcnow(), "updated_at": utcnow()}


def _ended(ctx: FireContext) -> dict[str, Any]:
    return {"ended_at": utcnow(), "updated_at": utcnow()}


def build(levels: int = 2) -> Workflow:
    """The agreement workflow with one or two review levels (the school's setting)."""
    first = first_level(levels)
    pending = (SECONDARY, CENTRAL) if levels == 2 else (CENTRAL,)
    student, employer, school = frozenset({STUDENT}), frozenset({EMPLOYER}), CENTRAL_ROLES
    transitions = [
        # online starts
        Transition("accept", (INVITED,), first, student, _l("Accept the invitation"),
                   guards=(plan_open, not_expired, may_sign, no_other_live), sets=_answered),
        Transition("decline", (INVITED,), DECLINED, student, _l("Decline the invitation"), sets=_answered),
        Transition("withdraw", (INVITED,), WITHDRAWN, employer, _l("Withdraw the invitation"), sets=_ended),
        Transition("expire", (INVITED,), EXPIRED, employer | student | school, _l("Mark as expired"),
                   guards=(past_expiry,), sets=_ended),
        Transition("confirm", (REQUESTED,), first, employer, _l("Confirm the graduate's request"),
                   guards=(plan_open, may_sign), sets=_answered),
        Transition("refuse", (REQUESTED,), DECLINED, employer, _l("Refuse the graduate's request"),
                   requires_reason=True, sets=_answered),
        Transition("cancel", (REQUESTED, DRAFT, RETURNED), CANCELLED, student | employer | school, _l("Cancel"),
                   sets=_ended),
        # a returned online agreement goes back to review once corrected; an entered one is submitted again
        Transition("resubmit", (RETURNED,), first, employer | student, _l("Resubmit for review"),
                   guards=(plan_open, online_only, may_sign), sets=_submitted),
        Transition("submit", (DRAFT, RETURNED), CENTRAL, student | school, _l("Submit the entry for review"),
                   guards=(plan_open, entered_only, entry_complete), sets=_submitted),
        # review: the shared steps; an online agreement goes on to stamping, an entered one is archived at once
        *review_steps(levels, STAMP_EMPLOYER, RETURNED, LABELS, guards=(plan_open,), school_guards=(online_only,)),
        Transition("approve_entry", (CENTRAL,), ARCHIVED, school, _l("Approve the entry into the plan"),
                   guards=(plan_open, entered_only), sets=_archived),
        # stamping (盖章): employer, graduate, school last
        Transition("stamp", (STAMP_EMPLOYER,), STAMP_GRADUATE, employer, _l("Confirm the stamp"),
                   sets=_at("employer_stamped_at")),
        Transition("confirm_stamp", (STAMP_GRADUATE,), STAMP_SCHOOL, student, _l("Confirm the stamped agreement"),
                   sets=_at("graduate_confirmed_at")),
        Transition("archive", (STAMP_SCHOOL,), ARCHIVED, school, _l("Confirm and archive"), guards=(plan_open,),
                   sets=_archived),
        Transition("revoke", (ARCHIVED,), REVOKED, school, _l("Revoke the archive"), requires_reason=True,
                   guards=(plan_open,), sets=_at("revoked_at")),
        Transition("restore", (REVOKED,), ARCHIVED, school, _l("Restore the archive"), guards=(plan_open,),
                   sets=_archived),
        # the end of a live agreement: fired by an approved (or forced) termination, never by a button of its own
        Transition("terminate", (*pending, RETURNED, STAMP_EMPLOYER, STAMP_GRADUATE, STAMP_SCHOOL, ARCHIVED, REVOKED),
                   TERMINATED, school, _l("End by termination"), guards=(plan_open,), sets=_ended),
    ]
    refusals = {
        ("revoke", REVOKED): _l("The archive has already been revoked."),
        ("restore", ARCHIVED): _l("The agreement is archived; only a revoked archive can be restored."),
        ("accept", EXPIRED): _l("The invitation has expired; ask the employer for a new one."),
        ("accept", WITHDRAWN): _l("The employer has withdrawn this invitation."),
    }
    for trigger in ("revoke",):
        for state in STATES:
            if state not in (ARCHIVED, REVOKED):
                refusals.setdefault((trigger, state), _l("Only an archived agreement can have its archive revoked."))
    for state in STATES:
        if state not in (REVOKED, ARCHIVED):
            refusals.setdefault(("restore", state), _l("Only a revoked archive can be restored."))
    editable = {INVITED: employer, REQUESTED: student, DRAFT: student | school, RETURNED: student | employer | school}
    states = STATES if levels == 2 else {s: label for s, label in STATES.items() if s != SECONDARY}  # no college
    return Workflow(name="agreement", title=_l("Tripartite agreements"), model=Agreement, states=states,
                    initial=INVITED, transitions=transitions, editable=editable, refusals=refusals)


def _effects(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """What a step does beyond the status, in the same transaction (destination, plan, number, notices)."""
    from app.services.agreements import after_agreement_step

    after_agreement_step(trigger, ids, ctx)


AGREEMENT = LevelledWorkflow(build)
AGREEMENT.variants[2].after_fire.append(_effects)  # the one-level variant shares this list

__all__ = ["AGREEMENT", "ARCHIVED", "CANCELLED", "DECLINED", "DRAFT", "ENDED", "EXPIRED", "INVITED", "REQUESTED",
           "RETURNED", "REVOKED", "STAMP_EMPLOYER", "STAMP_GRADUATE", "STAMP_SCHOOL", "STATES", "TERMINATED",
           "WITHDRAWN", "build"]
