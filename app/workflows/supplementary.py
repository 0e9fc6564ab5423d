"""REG-3: a supplementary report is a draft until a school user submits it; submitted reports are frozen."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l

from app.models.supplementary import SupplementaryReport
from app.security.roles import ADMIN, SCHOOL
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow

DRAFT, SUBMITTED = "draft", "submitted"


def _valid(row: SupplementaryReport, ctx: FireContext) -> Optional[str]:
    from app.services.supplementary import report_problems

    problems = report_problems(row)
    return str(_l("Cannot submit: %(problem)s", problem=problems[0])) if problems else None


_valid.description = _l("Every supplementary-reporting rule passes")  # type: ignore[attr-defined]

SUPPLEMENTARY = Workflow(
    name="supplementary",
    title=_l("Supplementary reporting"),
    model=SupplementaryReport,
    states={DRAFT: _l("Draft"), SUBMITTED: _l("Submitted")},
    initial=DRAFT,
    transitions=[
        Transition("submit", (DRAFT,), SUBMITTED, frozenset({SCHOOL, ADMIN}), _l("Submit the supplementary report"),
                   guards=(_valid,), sets=lambda ctx: {"submitted_at": utcnow()}),
    ],
    editable={DRAFT: frozenset({SCHOOL, ADMIN})},
    refusals={("submit", SUBMITTED): _l("Already submitted: a supplementary report cannot be changed afterwards.")},
)
