"""Grants of the offline part's screens (merged into ROLE_GRANTS by app.security.grants): the school's signing
settings and entered agreements, the out-of-province review (colleges read their own), the graduate's two pages."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT

_READ = ("can_list", "can_show", "menu_access")

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    SCHOOL: {
        "Agreements": ("menu_access",),
        "SigningSettings": ("can_list", "can_edit", "menu_access"),
        "EnteredAgreements": ("can_list", "can_add", "can_edit", "menu_access"),
        "OutOfProvinceReview": _READ + ("can_decide", "can_notify", "can_export", "can_print"),
        "OutOfProvinceReviewApi": ("can_get", "can_decide"),
    },
    COLLEGE: {
        "OutOfProvinceReview": _READ + ("can_export", "can_print"),
        "OutOfProvinceReviewApi": ("can_get",),
    },
    STUDENT: {
        "MyOutOfProvince": ("menu_access",),
        "StudentOutOfProvince": ("can_access",),
        "MyEnteredAgreements": ("menu_access",),
        "StudentEnteredAgreements": ("can_access",),
    },
}
MENUS: dict[str, frozenset[str]] = {
    "SigningSettings": frozenset({SCHOOL, ADMIN}),
    "EnteredAgreements": frozenset({SCHOOL, ADMIN}),
    "OutOfProvinceReview": frozenset({SCHOOL, ADMIN, COLLEGE}),
    "MyOutOfProvince": frozenset({STUDENT}),
    "MyEnteredAgreements": frozenset({STUDENT}),
}
VIEW_LABELS: dict[str, Any] = {
    "SigningSettings": _l("Signing settings"),
    "EnteredAgreements": _l("Entered agreements"),
    "OutOfProvinceReview": _l("Out-of-province employment applications"),
    "OutOfProvinceReviewApi": _l("Out-of-province employment applications (API)"),
    "StudentOutOfProvince": _l("Out-of-province employment"),
    "StudentEnteredAgreements": _l("Enter a paper agreement"),
    "MyOutOfProvince": _l("Out-of-province employment"),
    "MyEnteredAgreements": _l("Enter a paper agreement"),
}
