"""Grants of the signing part's screens (merged into ROLE_GRANTS by app.security.grants)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT  # noqa: F401

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    EMPLOYER: {
        "EmployerPortal": ("menu_access",),
        "EmployerAgreements": ("menu_access",),
        "SigningEmployerAgreements": ("can_list", "can_show", "can_decide", "can_edit"),
        "EmployerInvite": ("menu_access",),
        "SigningEmployerInvite": ("can_add",),
    },
    STUDENT: {
        "MyAgreements": ("menu_access",),
        "SigningStudentAgreements": ("can_access",),
    },
}
# menus for the work they serve: the admin's blanket permissions do not put them in a reviewer's menu
MENUS: dict[str, frozenset[str]] = {
    "EmployerPortal": frozenset({EMPLOYER}),
    "EmployerAgreements": frozenset({EMPLOYER}),
    "EmployerInvite": frozenset({EMPLOYER}),
    "MyAgreements": frozenset({STUDENT}),
}
VIEW_LABELS: dict[str, Any] = {
    "SigningEmployerAgreements": _l("Employer: agreements and invitations"),
    "SigningEmployerInvite": _l("Employer: invite a graduate"),
    "SigningStudentAgreements": _l("Graduate: online agreement signing"),
}
