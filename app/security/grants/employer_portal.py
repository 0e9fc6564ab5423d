"""Grants of the employer_portal part's screens (merged into ROLE_GRANTS by app.security.grants): the employer's
status page and accounts, the school's registration review and verified-unit register."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT  # noqa: F401

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    EMPLOYER: {
        "EmployerPortal": ("menu_access",),
        "EmployerStatus": ("can_access", "menu_access"),
        "EmployerAccounts": ("can_list", "can_add", "can_edit", "menu_access"),
    },
    SCHOOL: {
        "EmployerRegistrationReview": ("can_list", "can_show", "can_decide", "can_add", "can_edit", "menu_access"),
        "EmployerRegister": ("can_list", "can_import", "menu_access"),
    },
}
MENUS: dict[str, frozenset[str]] = {
    "EmployerPortal": frozenset({EMPLOYER}),
    "EmployerStatus": frozenset({EMPLOYER}),
    "EmployerAccounts": frozenset({EMPLOYER}),
    "EmployerRegistrationReview": frozenset({SCHOOL, ADMIN}),
    "EmployerRegister": frozenset({SCHOOL, ADMIN}),
}
VIEW_LABELS: dict[str, Any] = {
    "EmployerPortal": _l("Employer services"),
    "EmployerStatus": _l("Unit information"),
    "EmployerAccounts": _l("Unit accounts"),
    "EmployerRegistrationReview": _l("Employer registration review"),
    "EmployerRegister": _l("Employer identity check"),
    "EmployerSignupView": _l("Employer registration"),
}
