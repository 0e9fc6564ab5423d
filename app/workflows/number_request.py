"""AGR-1: a request for a new agreement number, reviewed by the school; approval voids the current number and
assigns the next unused one of the graduate's cohort (app.services.agreement_numbers); the student hears of either
decision in the inbox."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.agreement import NumberRequest
from app.security.roles import ADMIN, SCHOOL, STUDENT
from app.services.notify import TEMPLATES
from app.timeutil import utcnow
from app.validation.i18n import N_
from app.workflows.base import FireContext, Transition, Workflow
from app.workflows.review_builder import CENTRAL, TRIGGER_LABELS, review_steps

SUBMITTED, APPROVED, REJECTED, WITHDRAWN = CENTRAL, "approved", "rejected", "withdrawn"  # one level: the school
SCHOOL_ROLES = frozenset({SCHOOL, ADMIN})

TEMPLATES.update({
    "number_request.approved": N_("Your request for a new agreement number was approved: your new number is "
                                  "%(number)s. The old number is void."),
    "number_request.approved_waiting": N_("Your request for a new agreement number was approved and the old number "
                                          "is void; the new number follows as soon as the school adds numbers to "
                                          "the pool."),
    "number_request.rejected": N_("Your request for a new agreement number was not approved: %(remark)s"),
    "agreement_number.assigned": N_("You have been given agreement number %(number)s (协议书编号)."),
})


def _number_available(row: NumberRequest, ctx: FireContext) -> Optional[str]:
    from app.services.agreement_numbers import reissue_problem

    return reissue_problem(row.graduate)


_number_available.description = _l(  # type: ignore[attr-defined]
    "An unused number of the graduate's cohort is in the pool")


def _school_only(steps: list[Transition]) -> list[Transition]:
    """One level, the school's: the shared rejection step is open to colleges too, this one is not."""
    return [replace(t, roles=SCHOOL_ROLES) if t.trigger == "reject" else t for t in steps]


NUMBER_REQUEST = Workflow(
    name="number_request",
    title=_l("Agreement number requests"),
    model=NumberRequest,
    states={SUBMITTED: _l("Awaiting review"), APPROVED: _l("Approved: new number issued"),
            REJECTED: _l("Not approved"), WITHDRAWN: _l("Withdrawn")},
    initial=SUBMITTED,
    transitions=[
        *_school_only(review_steps(1, APPROVED, REJECTED, {
            **TRIGGER_LABELS, "approve_school": _l("Approve and issue a new number"),
            "reject": _l("Reject the request")}, school_guards=(_number_available,))),
        Transition("withdraw", (SUBMITTED,), WITHDRAWN, frozenset({STUDENT}), _l("Withdraw the request"),
                   sets=lambda ctx: {"updated_at": utcnow()}),
    ],
    refusals={
        ("approve_school", APPROVED): _l("This request has already been approved."),
        ("reject", APPROVED): _l("This request has already been approved."),
        ("approve_school", REJECTED): _l("This request has already been rejected."),
        ("reject", REJECTED): _l("This request has already been rejected."),
        ("approve_school", WITHDRAWN): _l("The student has withdrawn this request."),
        ("reject", WITHDRAWN): _l("The student has withdrawn this request."),
        ("withdraw", APPROVED): _l("This request has already been approved."),
        ("withdraw", REJECTED): _l("This request has already been rejected."),
        ("withdraw", WITHDRAWN): _l("This request has already been withdrawn."),
    },
)


def _reissue(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    if trigger == "approve_school":
        from app.services.agreement_numbers import reissue_for_requests

        reissue_for_requests(ids, ctx)


def _tell_student(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    from app.services.agreement_numbers import tell_decision

    tell_decision(trigger, ids, ctx)


NUMBER_REQUEST.after_fire.append(_reissue)
NUMBER_REQUEST.after_fire.append(_tell_student)  # after the reissue: the message names the new number
