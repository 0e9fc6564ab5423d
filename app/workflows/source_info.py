"""SRC-7: the source-information review, declared through the shared builder: draft → 二级待审 (college) →
中心待审 (school) → 完成, or 不同意; the school may make it one level (school only)."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l

from app.models.graduate import Graduate
from app.workflows.base import FireContext
from app.workflows.review_builder import (
    CENTRAL,
    COMPLETE,
    DECISION_LABELS,
    DRAFT,
    REJECTED,
    REVIEWERS,
    SECONDARY,
    STATE_LABELS,
    LevelledWorkflow,
    decision_level,
    two_level_review,
)

STATES = dict(STATE_LABELS)


def _form_is_complete(row: Graduate, ctx: FireContext) -> Optional[str]:
    """A form is submitted only when every rule passes (SRC-3); the first problem is the refusal."""
    from app.services.source_form import submission_problems

    problems = submission_problems(row)
    if not problems:
        return None
    return str(_l("The form is not complete: %(problem)s", problem=problems[0]))


_form_is_complete.description = _l("The form passes every filling rule")  # type: ignore[attr-defined]

SOURCE_INFO = LevelledWorkflow(lambda levels: two_level_review(
    "source_info", Graduate, levels=levels, submit_guards=(_form_is_complete,), title=_l("Source information review")))

__all__ = ["CENTRAL", "COMPLETE", "DECISION_LABELS", "DRAFT", "REJECTED", "REVIEWERS", "SECONDARY", "SOURCE_INFO",
           "STATES", "decision_level"]
