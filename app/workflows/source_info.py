"""SRC-7: the source-information review, one table: draft → 二级待审 (college) → 中心待审 (school) → 完成, or 不同意."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.graduate import Graduate
from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow

DRAFT, SECONDARY, CENTRAL, COMPLETE, REJECTED = "draft", "secondary", "central", "complete", "rejected"
REVIEWERS = frozenset({COLLEGE, SCHOOL, ADMIN})

STATES = {
    DRAFT: _l("Not submitted"),
    SECONDARY: _l("Awaiting college review"),
    CENTRAL: _l("College approved, awaiting school review"),
    COMPLETE: _l("School approved (complete)"),
    REJECTED: _l("Not approved"),
}


def _form_is_complete(row: Graduate, ctx: FireContext) -> Optional[str]:
    """A form is submitted only when every rule passes (SRC-3); the first problem is the refusal."""
    from app.services.source_form import submission_problems

    problems = submission_problems(row)
    if not problems:
        return None
    return str(_l("The form is not complete: %(problem)s", problem=problems[0]))


def _college_rejects_only_its_level(row: Graduate, ctx: FireContext) -> Optional[str]:
    if row.status == CENTRAL and not ctx.roles & {SCHOOL, ADMIN}:
        return str(_l("The college has already passed this record to the school; only the school can reject it now."))
    return None


_form_is_complete.description = _l("The form passes every filling rule")  # type: ignore[attr-defined]
_college_rejects_only_its_level.description = _l(  # type: ignore[attr-defined]
    "A college reviewer may reject only records still at the college level")


DECISION_LABELS = {"approved": _l("Approved"), "rejected": _l("Not approved")}


def decision_level(ctx: FireContext) -> str:
    """The review level a decision is recorded at: a college-only reviewer decides for the college, others for the
    school (so a school reviewer rejecting a 二级待审 record is a school decision)."""
    return "college" if COLLEGE in ctx.roles and not ctx.roles & {SCHOOL, ADMIN} else "school"


def _decision(decision: str, level: Optional[str] = None):  # noqa: ANN202
    def sets(ctx: FireContext) -> dict[str, Any]:
        at = level or decision_level(ctx)
        return {f"{at}_decision": decision, f"{at}_remark": ctx.remark or None, f"{at}_decided_at": utcnow(),
                f"{at}_decided_by": getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None),
                "updated_at": utcnow()}

    return sets


def _new_round(ctx: FireContext) -> dict[str, Any]:
    """A reopening clears the last round's decisions: they stay in the review log (审核记录) only."""
    return {"college_decision": None, "college_remark": None, "college_decided_at": None,
            "college_decided_by": None, "school_decision": None, "school_remark": None, "school_decided_at": None,
            "school_decided_by": None, "updated_at": utcnow()}


def _submitted(ctx: FireContext) -> dict[str, Any]:
    """A (re)submission starts a fresh round."""
    return {**_new_round(ctx), "submitted_at": utcnow()}


SOURCE_INFO = Workflow(
    name="source_info",
    model=Graduate,
    states=STATES,
    initial=DRAFT,
    transitions=[
        Transition("submit", (DRAFT, REJECTED), SECONDARY, frozenset({STUDENT}), _l("Submit for review"),
                   guards=(_form_is_complete,), sets=_submitted),
        Transition("submit_for_student", (DRAFT, REJECTED), SECONDARY, REVIEWERS, _l("Submit for the student"),
                   guards=(_form_is_complete,), sets=_submitted),
        Transition("approve_college", (SECONDARY,), CENTRAL, frozenset({COLLEGE}), _l("Approve (college)"),
                   sets=_decision("approved", "college")),
        Transition("approve_school", (CENTRAL,), COMPLETE, frozenset({SCHOOL, ADMIN}), _l("Approve (school)"),
                   sets=_decision("approved", "school")),
        Transition("reject", (SECONDARY, CENTRAL), REJECTED, REVIEWERS, _l("Reject"), requires_reason=True,
                   guards=(_college_rejects_only_its_level,), sets=_decision("rejected")),
        Transition("reopen", (COMPLETE,), DRAFT, frozenset({ADMIN}), _l("Reopen"), requires_reason=True,
                   sets=_new_round),
    ],
    editable={
        DRAFT: frozenset({STUDENT}) | REVIEWERS,
        REJECTED: frozenset({STUDENT}) | REVIEWERS,
        SECONDARY: REVIEWERS,
        CENTRAL: REVIEWERS,
    },
    refusals={
        ("submit", SECONDARY): _l("Already submitted: the record is waiting for the college's review."),
        ("submit", CENTRAL): _l("Already submitted: the college has passed it to the school."),
        ("submit", COMPLETE): _l("The record is complete and can no longer be changed."),
        ("approve_school", SECONDARY): _l("The college has not approved this record yet."),
        ("approve_college", CENTRAL): _l("The college has already approved this record."),
        ("approve_college", DRAFT): _l("The student has not submitted the form yet."),
        ("approve_school", DRAFT): _l("The student has not submitted the form yet."),
        ("approve_college", COMPLETE): _l("The record is already complete."),
        ("approve_school", COMPLETE): _l("The record is already complete."),
        ("reject", COMPLETE): _l("The record is complete; only the administrator can reopen it."),
        ("reject", DRAFT): _l("The student has not submitted the form yet."),
        ("reject", REJECTED): _l("The record has already been rejected."),
    },
)
