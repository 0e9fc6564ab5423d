"""One declaration for every reviewed form: draft → 二级待审 (college) → 中心待审 (school) → 完成, or 不同意 with a
mandatory reason from either level; 代学生提交 by reviewers, 重新打开 by the admin with a reason. A one-level variant
(school only) sends a submission straight to the school. SRC-7 and EMP-2 are both built here, never copied."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models import workflow_setting as _setting_table  # noqa: F401  (LevelledWorkflow's setting lives there)
from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT
from app.timeutil import utcnow
from app.workflows.base import FireContext, Guard, Transition, Workflow

DRAFT, SECONDARY, CENTRAL, COMPLETE, REJECTED = "draft", "secondary", "central", "complete", "rejected"
REVIEWERS = frozenset({COLLEGE, SCHOOL, ADMIN})
LEVEL_COLUMNS = ("decision", "remark", "decided_at", "decided_by")

STATE_LABELS = {
    DRAFT: _l("Not submitted"),
    SECONDARY: _l("Awaiting college review"),
    CENTRAL: _l("College approved, awaiting school review"),
    COMPLETE: _l("School approved (complete)"),
    REJECTED: _l("Not approved"),
}
ONE_LEVEL_CENTRAL = _l("Awaiting school review")

TRIGGER_LABELS = {
    "submit": _l("Submit for review"),
    "submit_for_student": _l("Submit for the student"),
    "approve_college": _l("Approve (college)"),
    "approve_school": _l("Approve (school)"),
    "reject": _l("Reject"),
    "reopen": _l("Reopen"),
}

DECISION_LABELS = {"approved": _l("Approved"), "rejected": _l("Not approved")}


def decision_level(ctx: FireContext) -> str:
    """The review level a decision is recorded at: a college-only reviewer decides for the college, others for the
    school (so a school reviewer rejecting a 二级待审 record is a school decision)."""
    return "college" if COLLEGE in ctx.roles and not ctx.roles & {SCHOOL, ADMIN} else "school"


def _college_rejects_only_its_level(row: Any, ctx: FireContext) -> Optional[str]:
    if row.status == CENTRAL and not ctx.roles & {SCHOOL, ADMIN}:
        return str(_l("The college has already passed this record to the school; only the school can reject it now."))
    return None


_college_rejects_only_its_level.description = _l(  # type: ignore[attr-defined]
    "A college reviewer may reject only records still at the college level")

Sets = Callable[[FireContext], dict[str, Any]]


def _actor_name(ctx: FireContext) -> Optional[str]:
    return getattr(ctx.actor, "display_name", None) or getattr(ctx.actor, "username", None)


def decision_sets(decision: str, level: Optional[str] = None, extra: Optional[Sets] = None) -> Sets:
    """The columns a decision writes: `<level>_decision/_remark/_decided_at/_decided_by` and `updated_at`."""
    def sets(ctx: FireContext) -> dict[str, Any]:
        at = level or decision_level(ctx)
        values = {f"{at}_decision": decision, f"{at}_remark": ctx.remark or None, f"{at}_decided_at": utcnow(),
                  f"{at}_decided_by": _actor_name(ctx), "updated_at": utcnow()}
        return {**values, **(extra(ctx) if extra else {})}

    return sets


def round_sets(clears: Iterable[str] = ()) -> tuple[Sets, Sets]:
    """(new_round, submitted): a reopening clears the last round's decisions (and `clears`), which stay in the
    review log (审核记录) only; a (re)submission starts a fresh round."""
    extra = tuple(clears)

    def new_round(ctx: FireContext) -> dict[str, Any]:
        cleared = {f"{level}_{column}": None for level in ("college", "school") for column in LEVEL_COLUMNS}
        return {**cleared, **dict.fromkeys(extra), "updated_at": utcnow()}

    def submitted(ctx: FireContext) -> dict[str, Any]:
        return {**new_round(ctx), "submitted_at": utcnow()}

    return new_round, submitted


def base_refusals(levels: int) -> dict[tuple[str, str], Any]:
    """The specific messages for an illegal source state (SRC-7's wording, shared by every reviewed form)."""
    refusals: dict[tuple[str, str], Any] = {
        ("submit", CENTRAL): _l("Already submitted: the college has passed it to the school.") if levels == 2
        else _l("Already submitted: the record is waiting for the school's review."),
        ("submit", COMPLETE): _l("The record is complete and can no longer be changed."),
        ("approve_school", DRAFT): _l("The student has not submitted the form yet."),
        ("approve_school", COMPLETE): _l("The record is already complete."),
        ("reject", COMPLETE): _l("The record is complete; only the administrator can reopen it."),
        ("reject", DRAFT): _l("The student has not submitted the form yet."),
        ("reject", REJECTED): _l("The record has already been rejected."),
    }
    if levels == 2:
        refusals.update({
            ("submit", SECONDARY): _l("Already submitted: the record is waiting for the college's review."),
            ("approve_school", SECONDARY): _l("The college has not approved this record yet."),
            ("approve_college", CENTRAL): _l("The college has already approved this record."),
            ("approve_college", DRAFT): _l("The student has not submitted the form yet."),
            ("approve_college", COMPLETE): _l("The record is already complete."),
        })
    return refusals


def first_level(levels: int) -> str:
    """Where a submission waits first: the college (二级待审), or the school when it reviews alone."""
    return SECONDARY if levels == 2 else CENTRAL


def review_steps(
    levels: int,
    approved: str,
    rejected: str,
    labels: Mapping[str, Any],
    *,
    guards: Iterable[Guard] = (),
    school_guards: Iterable[Guard] = (),
    reject_guards: Iterable[Guard] = (),
    reject_sets: Optional[Sets] = None,
    approve_sets: Optional[Sets] = None,
) -> list[Transition]:
    """The review part every reviewed workflow shares: college approval (two levels), school approval to `approved`,
    rejection to `rejected` with a mandatory reason (a college only at its own level), each writing its level's
    decision columns. Reviewed forms, agreements and terminations all take their review from here."""
    common = tuple(guards)
    pending = (SECONDARY, CENTRAL) if levels == 2 else (CENTRAL,)
    steps = []
    if levels == 2:
        steps.append(Transition("approve_college", (SECONDARY,), CENTRAL, frozenset({COLLEGE}),
                                labels["approve_college"], guards=common, sets=decision_sets("approved", "college")))
    steps += [
        Transition("approve_school", (CENTRAL,), approved, frozenset({SCHOOL, ADMIN}), labels["approve_school"],
                   guards=common + tuple(school_guards), sets=decision_sets("approved", "school", extra=approve_sets)),
        Transition("reject", pending, rejected, REVIEWERS, labels["reject"], requires_reason=True,
                   guards=common + ((_college_rejects_only_its_level,) if levels == 2 else ()) + tuple(reject_guards),
                   sets=decision_sets("rejected", extra=reject_sets)),
    ]
    return steps


def two_level_review(
    name: str,
    model: Any,
    *,
    levels: int = 2,
    state_labels: Optional[Mapping[str, Any]] = None,
    trigger_labels: Optional[Mapping[str, Any]] = None,
    submit_guards: Iterable[Guard] = (),
    reject_guards: Iterable[Guard] = (),
    guards: Iterable[Guard] = (),
    reject_sets: Optional[Sets] = None,
    reopen_guards: Iterable[Guard] = (),
    refusals: Optional[Mapping[tuple[str, str], Any]] = None,
    clears: Iterable[str] = (),
    title: Any = None,
) -> Workflow:
    """The reviewed-form workflow for `model` (which has status, version, submitted_at, updated_at and the
    college_/school_ decision columns).

    `guards` run on every transition first (a plan lock, a deadline); `submit_guards` on both submits;
    `reject_guards` / `reopen_guards` after them on those
    transitions; `reject_sets` adds columns to a rejection; `levels=1` drops the college
    level: submit goes to the school (中心待审) and there is no college approval; `clears` are columns a new round
    empties besides the decisions (a rejection's reasons).
    """
    if levels not in (1, 2):
        raise ValueError(f"{name}: levels must be 1 or 2, not {levels}")
    common, submit_checks = tuple(guards), tuple(guards) + tuple(submit_guards)
    new_round, submitted = round_sets(clears)
    labels = {**TRIGGER_LABELS, **(trigger_labels or {})}
    states = {**STATE_LABELS, **(state_labels or {})}
    if levels == 1:
        states.pop(SECONDARY)
        states[CENTRAL] = (state_labels or {}).get(CENTRAL, ONE_LEVEL_CENTRAL)
    first = first_level(levels)
    pending = (SECONDARY, CENTRAL) if levels == 2 else (CENTRAL,)
    student_and_reviewers = frozenset({STUDENT}) | REVIEWERS
    transitions = [
        Transition("submit", (DRAFT, REJECTED), first, frozenset({STUDENT}), labels["submit"],
                   guards=submit_checks, sets=submitted),
        Transition("submit_for_student", (DRAFT, REJECTED), first, REVIEWERS, labels["submit_for_student"],
                   guards=submit_checks, sets=submitted),
    ]
    transitions += review_steps(levels, COMPLETE, REJECTED, labels, guards=common, reject_guards=reject_guards,
                                reject_sets=reject_sets)
    transitions.append(Transition("reopen", (COMPLETE,), DRAFT, frozenset({ADMIN}), labels["reopen"],
                                  requires_reason=True, guards=common + tuple(reopen_guards), sets=new_round))
    editable = {DRAFT: student_and_reviewers, REJECTED: student_and_reviewers}
    editable.update(dict.fromkeys(pending, REVIEWERS))
    return Workflow(name=name, title=title, model=model, states=states, initial=DRAFT, transitions=transitions,
                    editable=editable, refusals={**base_refusals(levels), **(refusals or {})})


class LevelledWorkflow:
    """A reviewed-form workflow whose number of levels is the school's setting (EMP-2): both variants are built
    once, share their after_fire hooks, and every attribute reads the variant the setting selects — so the engine,
    the pages, the admin's table and diagram all follow a switch without being told."""

    def __init__(self, build: Callable[[int], Workflow]) -> None:
        two, one = build(2), build(1)
        one.after_fire = two.after_fire
        self.variants = {2: two, 1: one}
        self.name = two.name

    @property
    def levels(self) -> int:
        from app.services.review.levels import levels_of

        return levels_of(self.name)

    def variant(self, levels: int) -> Workflow:
        return self.variants[levels]

    def __getattr__(self, attr: str) -> Any:
        if attr == "variants":  # not yet set (copy, pickle): never recurse
            raise AttributeError(attr)
        return getattr(self.variants[self.levels], attr)

    def __repr__(self) -> str:
        return f"<LevelledWorkflow {self.name}>"


__all__ = ["CENTRAL", "LevelledWorkflow", "COMPLETE", "DECISION_LABELS", "DRAFT", "REJECTED", "REVIEWERS", "SECONDARY",
           "TRIGGER_LABELS", "decision_level", "decision_sets", "first_level", "review_steps", "round_sets",
           "two_level_review"]
