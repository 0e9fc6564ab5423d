"""APV-1: an out-of-province employment application, decided by the school; approval locks in-province signing
(app.services.signing) and opens the entry of the other province's agreement."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models.agreement import OutOfProvinceApplication
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


OUT_OF_PROVINCE = Workflow(
    name="out_of_province",
    title=_l("Out-of-province employment applications"),
    model=OutOfProvinceApplication,
    states={SUBMITTED: _l("Awaiting review"), APPROVED: _l("Approved"), REJECTED: _l("Not approved"),
            WITHDRAWN: _l("Withdrawn")},
    initial=SUBMITTED,
    transitions=[
        Transition("approve", (SUBMITTED,), APPROVED, SCHOOL_ROLES, _l("Approve the application"),
                   sets=_decided("approved")),
        Transition("reject", (SUBMITTED,), REJECTED, SCHOOL_ROLES, _l("Reject the application"), requires_reason=True,
                   sets=_decided("rejected")),
        Transition("withdraw", (SUBMITTED,), WITHDRAWN, frozenset({STUDENT}), _l("Withdraw the application"),
                   sets=lambda ctx: {"updated_at": utcnow()}),
    ],
    refusals={
        ("approve", APPROVED): _l("This application has already been approved."),
        ("reject", APPROVED): _l("This application has already been approved."),
    },
)


def _lock_in_province(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    if trigger == "approve":
        from app.services.signing import lock_for_applications

        lock_for_applications(ids, ctx)


OUT_OF_PROVINCE.after_fire.append(_lock_in_province)
