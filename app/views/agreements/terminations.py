"""Screens of the terminations part of tripartite agreements (issue 12): the parties' pages, the review workspaces
(work list and history), the forced termination of entered agreements."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.views.agreements.employer_portal import EMPLOYER_MENU as EMPLOYER_SERVICES  # one 单位服务 menu

REVIEW = {"category": "Review", "category_label": _l("Review"), "category_icon": "fa-check-square-o"}


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB."""
    from app.views.review.termination import (
        TerminationDetailView,
        TerminationExportView,
        TerminationForceView,
        TerminationHistoryDetailView,
        TerminationHistoryExportView,
        TerminationHistoryReviewApi,
        TerminationHistoryReviewView,
        TerminationReviewApi,
        TerminationReviewView,
    )
    from app.views.student import CATEGORY as STUDENT_SERVICES
    from app.views.termination_party import EmployerTerminationsView, StudentTerminationsView

    appbuilder.add_view(StudentTerminationsView, "MyTerminations", label=_l("Termination requests"),
                        icon="fa-chain-broken", **STUDENT_SERVICES)
    appbuilder.add_view(EmployerTerminationsView, "UnitTerminations", label=_l("Termination requests"),
                        icon="fa-chain-broken", **EMPLOYER_SERVICES)
    appbuilder.add_view(TerminationReviewView, "TerminationReview", label=_l("Termination review"),
                        icon="fa-chain-broken", **REVIEW)
    appbuilder.add_view(TerminationHistoryReviewView, "TerminationHistory", label=_l("Termination records"),
                        icon="fa-history", **REVIEW)
    appbuilder.add_view(TerminationForceView, "ForcedTermination", label=_l("Forced termination (entered agreements)"),
                        icon="fa-gavel", **REVIEW)
    for view in (TerminationDetailView, TerminationExportView, TerminationHistoryDetailView,
                 TerminationHistoryExportView):
        appbuilder.add_view_no_menu(view)
    appbuilder.add_api(TerminationReviewApi)
    appbuilder.add_api(TerminationHistoryReviewApi)
