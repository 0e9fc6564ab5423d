"""AGR-1: a request for a new agreement number, reviewed by the school; approval voids the current number and
assigns the next unused one of the graduate's cohort (app.services.agreement_numbers)."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.agreement import NumberRequest
from app.security.roles import ADMIN, SCHOOL, STUDENT
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow

SUBMITTED, APPROVED, REJECTED, WITHDRAWN = "submitted", "approved", "rejected", "withdrawn"
SCHOOL_ROLES = frozenset({SCHOOL, ADMIN})


def _decided(decision: str) -> Any:
    def sets(ctx: FireContext) -> dict[str, Any]:
        return {"school_decision": decision, "school_remark": ctx.remark or None, "school_decided_at": utcnow(),
                "school_decided_by": getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None),
                "updated_at": utcnow()}
    return sets


def _number_available(row: NumberRequest, ctx: FireContext) -> Optional[str]:
    from app.services.agreement_numbers import reissue_problem

    return reissue_problem(row.graduate)


_number_available.description = _l(  # type: ignore[attr-defined]
    "An unused number of the graduate's cohort is in the pool")

NUMBER_REQUEST = Workflow(
    name="number_request",
    title=_l("Agreement number requests"),
    model=NumberRequest,
    states={SUBMITTED: _l("Awaiting review"), APPROVED: _l("Approved: new number issued"),
            REJECTED: _l("Not approved"), WITHDRAWN: _l("Withdrawn")},
    initial=SUBMITTED,
    transitions=[
        Transition("approve", (SUBMITTED,), APPROVED, SCHOOL_ROLES, _l("Approve and issue a new number"),
                   guards=(_number_available,), sets=_decided("approved")),
        Transition("reject", (SUBMITTED,), REJECTED, SCHOOL_ROLES, _l("Reject the request"), requires_reason=True,
                   sets=_decided("rejected")),
        Transition("withdraw", (SUBMITTED,), WITHDRAWN, frozenset({STUDENT}), _l("Withdraw the request"),
                   sets=lambda ctx: {"updated_at": utcnow()}),
    ],
    refusals={
        ("approve", APPROVED): _l("This request has already been approved."),
        ("reject", APPROVED): _l("This request has already been approved."),
        ("approve", REJECTED): _l("This request has already been rejected."),
        ("reject", REJECTED): _l("This request has already been rejected."),
    },
)


def _reissue(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    if trigger == "approve":
        from app.services.agreement_numbers import reissue_for_requests

        reissue_for_requests(ids, ctx)


NUMBER_REQUEST.after_fire.append(_reissue)
