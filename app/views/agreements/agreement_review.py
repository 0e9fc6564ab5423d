"""Screens of the agreement review part of tripartite agreements (issue 12): 审核 → 三方协议审核 and its history."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

REVIEW = dict(category="Review", category_label=_l("Review"), category_icon="fa-check-square-o")


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB; the workspaces' decisions clear the review tree's counts like the others'."""
    from app.services.review import tree
    from app.views.review.agreement import (
        AgreementDetailView,
        AgreementExportView,
        AgreementHistoryDetailView,
        AgreementHistoryExportView,
        AgreementHistoryReviewView,
        AgreementReviewApi,
        AgreementReviewView,
    )

    appbuilder.add_view(AgreementReviewView, "AgreementReview", label=_l("Tripartite agreement review"),
                        icon="fa-handshake-o", **REVIEW)
    appbuilder.add_view(AgreementHistoryReviewView, "AgreementHistory", label=_l("Ended tripartite agreements"),
                        icon="fa-archive", **REVIEW)
    for view in (AgreementDetailView, AgreementExportView, AgreementHistoryDetailView, AgreementHistoryExportView):
        appbuilder.add_view_no_menu(view)
    appbuilder.add_api(AgreementReviewApi)
    tree.register()  # tree.register() ran before this workspace was declared: hook its workflow now (idempotent)
