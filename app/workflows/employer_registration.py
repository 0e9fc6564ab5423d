"""AGR-7: an employer's self-registration, approved or refused (with the reason) by the school; a refused employer
corrects its data and asks again (resubmit); approval opens its accounts (app.services.employer_registration)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.models.employer import APPROVED, EMPLOYER_STATUSES, MERGED, PENDING, REFUSED, Employer
from app.security.roles import ADMIN, EMPLOYER, SCHOOL
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow

SCHOOL_ROLES = frozenset({SCHOOL, ADMIN})
EMPLOYER_ROLES = frozenset({EMPLOYER})


def _decided(ctx: FireContext) -> dict[str, Any]:
    return {"decision_remark": ctx.remark or None, "decided_at": utcnow(), "updated_at": utcnow(),
            "decided_by": getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None)}


def _resubmitted(_ctx: FireContext) -> dict[str, Any]:
    """The last refusal's reason stays on the row (the reviewer sees what was asked for) until the next decision."""
    return {"updated_at": utcnow()}


EMPLOYER_REGISTRATION = Workflow(
    name="employer_registration",
    title=_l("Employer registrations"),
    model=Employer,
    states=dict(EMPLOYER_STATUSES),
    initial=PENDING,
    transitions=[
        Transition("approve", (PENDING, REFUSED), APPROVED, SCHOOL_ROLES, _l("Approve the registration"),
                   sets=_decided),
        Transition("refuse", (PENDING,), REFUSED, SCHOOL_ROLES, _l("Refuse the registration"), requires_reason=True,
                   sets=_decided),
        Transition("resubmit", (REFUSED,), PENDING, EMPLOYER_ROLES, _l("Ask for approval again"),
                   sets=_resubmitted),
    ],
    refusals={
        ("approve", APPROVED): _l("This employer is already approved."),
        ("refuse", APPROVED): _l("This employer is already approved."),
        ("approve", MERGED): _l("This employer was merged into another one."),
        ("refuse", MERGED): _l("This employer was merged into another one."),
        ("refuse", REFUSED): _l("This registration was already refused."),
        ("resubmit", PENDING): _l("This registration already awaits the school's approval."),
        ("resubmit", APPROVED): _l("This employer is already approved."),
        ("resubmit", MERGED): _l("This employer was merged into another one."),
    },
)


def _open_accounts(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """Approval lets the employer's accounts past the status page, refusal keeps them there; both notify the
    employer's accounts, a resubmission the school."""
    from app.services.employer_registration import after_decision

    after_decision(trigger, ids, ctx)


EMPLOYER_REGISTRATION.after_fire.append(_open_accounts)
