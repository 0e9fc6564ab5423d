"""Screens of the employer_portal part of tripartite agreements (issue 12): public registration, the employer's
status page and accounts, the school's registration review and verified-unit register (AGR-5, AGR-7)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

# the employer's own menu; the other employer screens (agreements, invitations, terminations) join this category
EMPLOYER_MENU = dict(category="EmployerPortal", category_label=_l("Employer services"), category_icon="fa-building")
REVIEW_MENU = dict(category="Review", category_label=_l("Review"), category_icon="fa-check-square-o")


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB, and the gate that keeps unapproved employers on their status page."""
    from app.views.employer_accounts import EmployerAccountsView
    from app.views.employer_identity import EmployerRegisterImportView
    from app.views.employer_register import EmployerSignupView
    from app.views.employer_review import EmployerRegistrationReviewView
    from app.views.employer_status import EmployerStatusView, install_gate

    appbuilder.add_view_no_menu(EmployerSignupView)
    appbuilder.add_view(EmployerStatusView, "EmployerStatus", label=_l("Unit information"), icon="fa-id-card",
                        **EMPLOYER_MENU)
    appbuilder.add_view(EmployerAccountsView, "EmployerAccounts", label=_l("Unit accounts"), icon="fa-users",
                        **EMPLOYER_MENU)
    appbuilder.add_view(EmployerRegistrationReviewView, "EmployerRegistrationReview",
                        label=_l("Employer registration review"), icon="fa-building-o", **REVIEW_MENU)
    appbuilder.add_view(EmployerRegisterImportView, "EmployerRegister", label=_l("Employer identity check"),
                        icon="fa-search", **REVIEW_MENU)
    install_gate(current_app)
