"""Grants of the agreement_review part's screens (merged into ROLE_GRANTS by app.security.grants)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT  # noqa: F401

# the list, the history list, the record page and the exports share one permission name (app.views.review.agreement)
_REVIEW = ("can_list", "can_show", "menu_access", "can_decide", "can_notify", "can_export", "can_print")
_SCREENS = {
    "AgreementReview": _REVIEW,
    "AgreementHistory": ("menu_access",),
    "AgreementReviewApi": ("can_get", "can_decide"),
}

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {SCHOOL: dict(_SCREENS), COLLEGE: dict(_SCREENS)}
MENUS: dict[str, frozenset[str]] = {
    "AgreementReview": frozenset({COLLEGE, SCHOOL, ADMIN}),
    "AgreementHistory": frozenset({COLLEGE, SCHOOL, ADMIN}),
}
VIEW_LABELS: dict[str, Any] = {
    "AgreementReview": _l("Tripartite agreement review"),
    "AgreementHistory": _l("Ended tripartite agreements"),
    "AgreementReviewApi": _l("Tripartite agreement review (API)"),
}
