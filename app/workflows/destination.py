"""EMP-2: the destination review, from the same builder as the source information, with the destination's guards:
source information complete, the form valid for its code, the cohort's plan lock and change deadline, reasons picked
from the configurable list on rejection. An approval makes the version current (one current per graduate)."""
from __future__ import annotations

import datetime
from typing import Any, Iterable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.extensions import db
from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.workflows.base import FireContext, Workflow
from app.workflows.review_builder import (
    CENTRAL,
    COMPLETE,
    DECISION_LABELS,
    DRAFT,
    REJECTED,
    REVIEWERS,
    SECONDARY,
    LevelledWorkflow,
    decision_level,
    two_level_review,
)


def local_today() -> datetime.date:
    """The date in Asia/Shanghai: a deadline of 31 August ends at midnight there, not in UTC."""
    from zoneinfo import ZoneInfo

    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def cohort_closed(cohort: Any, today: Optional[datetime.date] = None) -> Optional[str]:
    """Why a cohort's destinations are frozen (the plan lock, then the change deadline), or None."""
    if cohort is None:
        return None
    if cohort.plan_locked:
        return str(_l("The employment plan of %(cohort)s is locked: destinations can no longer be changed or "
                      "reviewed. Only the administrator can unlock it.", cohort=cohort.name))
    deadline = cohort.effective_change_deadline
    if (today or local_today()) > deadline:
        return str(_l("The change deadline of %(cohort)s (%(date)s) has passed: destinations can no longer be "
                      "changed.", cohort=cohort.name, date=deadline.isoformat()))
    return None


def closed_cohorts(cohort_ids: Iterable[int]) -> dict[int, Optional[str]]:
    """Why each cohort is frozen as committed now (None when open), its row share-locked until the caller commits:
    a plan lock taken meanwhile waits for this transaction, one committed before is what is read (FOR SHARE is a
    no-op on SQLite, whose one writer serialises anyway). Every write to destinations checks through here."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.id).with_for_update(read=True)
                              .execution_options(populate_existing=True)).scalars()
    return {cohort.id: cohort_closed(cohort) for cohort in rows}


def cohort_open(row: Any, ctx: FireContext) -> Optional[str]:
    """The engine's guard: each cohort is locked and read once per call (the answers are kept on the context)."""
    cohort_id = row.graduate.cohort_id
    known: dict[int, Optional[str]] = ctx.__dict__.setdefault("_gems_closed_cohorts", {})
    if cohort_id not in known:
        known.update(closed_cohorts([cohort_id]))
    return known.get(cohort_id)


def _source_complete(row: Destination, ctx: FireContext) -> Optional[str]:
    from app.workflows.source_info import COMPLETE as SOURCE_COMPLETE

    if row.graduate.status != SOURCE_COMPLETE:
        return str(_l("The source information is not complete yet: a destination can be submitted only after the "
                      "school has approved the source information."))
    return None


def _form_valid(row: Destination, ctx: FireContext) -> Optional[str]:
    from app.services.destination_form import submission_problems

    problems = submission_problems(row)
    return str(_l("The destination form is not complete: %(problem)s", problem=problems[0])) if problems else None


def _reasons_picked(row: Destination, ctx: FireContext) -> Optional[str]:
    """A rejection names one or more reasons from the list (and words where the reason asks for them).

    fire() refuses an empty remark before guards run, so an empty remark means why_not() probing a button:
    the reasons are not known yet and do not disable it.
    """
    if not ctx.remark:
        return None
    from app.services.destination_form import reasons_problem

    return reasons_problem(ctx.extra.get("reasons"), ctx.extra.get("reason_text"))


def _only_current_reopens(row: Destination, ctx: FireContext) -> Optional[str]:
    if not row.is_current:
        return str(_l("Only the current destination can be reopened; earlier versions are kept as history."))
    return None


def _rejection(ctx: FireContext) -> dict[str, Any]:
    codes = ctx.extra.get("reasons") or []
    return {"rejection_reasons": ",".join(codes) or None, "rejection_text": ctx.extra.get("reason_text") or None}


cohort_open.description = _l("The cohort's plan is not locked and its change deadline has not passed")  # type: ignore[attr-defined]  # noqa: E501
cohort_open.loads = ("graduate",)  # type: ignore[attr-defined]  # the engine fetches them with the batch
_source_complete.description = _l("The graduate's source information is complete")  # type: ignore[attr-defined]
_form_valid.description = _l("The form has what the destination code needs, with its evidence")  # type: ignore[attr-defined]  # noqa: E501
_reasons_picked.description = _l("One or more reasons are picked from the list")  # type: ignore[attr-defined]
_only_current_reopens.description = _l("Only the current version can be reopened")  # type: ignore[attr-defined]


def swap_current(rows: list[tuple[int, int]]) -> None:
    """Make each (destination id, graduate id) its graduate's current version, in the caller's transaction.

    The graduate rows are locked first, so two approvals for one graduate run one after the other; the partial
    unique index (one current per graduate) stops anything that slips past.
    """
    if not rows:
        return
    graduates = sorted({graduate_id for _id, graduate_id in rows})
    db.session.execute(select(Graduate.id).where(Graduate.id.in_(graduates)).order_by(Graduate.id).with_for_update())
    new_ids = [row_id for row_id, _graduate in rows]
    db.session.execute(update(Destination).where(Destination.graduate_id.in_(graduates), Destination.is_current,
                                                 Destination.id.notin_(new_ids))
                       .values(is_current=False).execution_options(synchronize_session=False))
    db.session.execute(update(Destination).where(Destination.id.in_(new_ids)).values(is_current=True)
                       .execution_options(synchronize_session=False))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Destination) and obj.graduate_id in graduates:
            db.session.expire(obj, ["is_current"])


def make_current(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """The final approval of a change makes it the graduate's current destination, in the same transaction."""
    if trigger != "approve_school":
        return
    swap_current([tuple(row) for row in db.session.execute(select(Destination.id, Destination.graduate_id).where(
        Destination.id.in_(ids), Destination.is_current.is_(False)))])


def build(levels: int = 2) -> Workflow:
    """The destination workflow with one or two review levels (the school's setting)."""
    workflow = two_level_review(
        "destination", Destination, levels=levels, title=_l("Destination registration"),
        state_labels={DRAFT: _l("Not submitted")},
        guards=(cohort_open,), submit_guards=(_source_complete, _form_valid), reject_guards=(_reasons_picked,),
        reopen_guards=(_only_current_reopens,), reject_sets=_rejection, clears=("rejection_reasons", "rejection_text"),
    )
    workflow.after_fire.append(make_current)
    return workflow


DESTINATION = LevelledWorkflow(build)  # one or two levels: the school's setting (app.services.review.levels)

__all__ = ["CENTRAL", "COMPLETE", "DECISION_LABELS", "DESTINATION", "DRAFT", "REJECTED", "REVIEWERS", "SECONDARY",
           "build", "closed_cohorts", "cohort_closed", "cohort_open", "decision_level", "local_today", "swap_current"]
