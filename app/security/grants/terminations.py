"""Grants of the terminations part's screens (merged into ROLE_GRANTS by app.security.grants)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT

_REVIEW = ("can_list", "can_show", "menu_access", "can_decide", "can_notify", "can_export", "can_print")
_API = ("can_get", "can_decide")
_REVIEWERS = {
    "TerminationReview": _REVIEW,  # 审核 → 解约审核: pending requests only (TRM-1)
    "TerminationReviewApi": _API,
    "TerminationHistory": _REVIEW,  # 审核 → 解约记录: the decided ones
    "TerminationHistoryReviewApi": _API,
}

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    SCHOOL: {**_REVIEWERS, "ForcedTermination": ("menu_access",), "TerminationForce": ("can_list", "can_decide")},
    COLLEGE: dict(_REVIEWERS),
    STUDENT: {"MyTerminations": ("menu_access",), "StudentTerminations": ("can_access",)},
    EMPLOYER: {"EmployerPortal": ("menu_access",), "UnitTerminations": ("menu_access",),
               "EmployerTerminations": ("can_access",)},
}
MENUS: dict[str, frozenset[str]] = {
    "MyTerminations": frozenset({STUDENT}),
    "UnitTerminations": frozenset({EMPLOYER}),
    "ForcedTermination": frozenset({SCHOOL, ADMIN}),
}
VIEW_LABELS: dict[str, Any] = {
    "StudentTerminations": _l("Termination requests (graduate)"),
    "EmployerTerminations": _l("Termination requests (employer)"),
    "TerminationReviewApi": _l("Termination review (API)"),
    "TerminationHistoryReviewApi": _l("Termination records (API)"),
    "TerminationForce": _l("Forced termination"),
}
