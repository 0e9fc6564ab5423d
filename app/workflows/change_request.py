"""CHG-1/CHG-2: a change request is submitted (never edited), then approved or rejected with a reason."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models.change import ChangeRequest
from app.security.roles import ADMIN, COLLEGE, SCHOOL
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow

SUBMITTED, APPROVED, REJECTED = "submitted", "approved", "rejected"
REVIEWERS = frozenset({COLLEGE, SCHOOL, ADMIN})


def _decided(ctx: FireContext) -> dict[str, Any]:
    return {"decided_at": utcnow(), "decision_remark": ctx.remark or None,
            "decided_by": getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None)}


def _approvable(row: Any, ctx: FireContext) -> str | None:
    """The student's record is still open for changes and the claimed value is still valid."""
    from app.services.change_requests import approval_problem

    return approval_problem(row, ctx)


_approvable.description = _l(  # type: ignore[attr-defined]
    "The student's record is still open for changes and the claimed value is still valid")


def _apply_on_approval(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """An approval writes the claimed value into the graduate's record, in the same transaction (CHG-2)."""
    from app.services.change_requests import apply_approved

    apply_approved(workflow, trigger, ids, ctx)


CHANGE_REQUEST = Workflow(
    name="change_request",
    title=_l("Change requests"),
    model=ChangeRequest,
    states={SUBMITTED: _l("Awaiting review"), APPROVED: _l("Approved"), REJECTED: _l("Rejected")},
    initial=SUBMITTED,
    transitions=[
        Transition("approve", (SUBMITTED,), APPROVED, REVIEWERS, _l("Approve the change"), guards=(_approvable,),
                   sets=_decided),
        Transition("reject", (SUBMITTED,), REJECTED, REVIEWERS, _l("Reject the change"), requires_reason=True,
                   sets=_decided),
    ],
    refusals={
        ("approve", APPROVED): _l("This change request has already been approved."),
        ("approve", REJECTED): _l("This change request has already been rejected."),
        ("reject", APPROVED): _l("This change request has already been approved."),
        ("reject", REJECTED): _l("This change request has already been rejected."),
    },
)
CHANGE_REQUEST.after_fire.append(_apply_on_approval)
