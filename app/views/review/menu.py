"""Registers the workspaces beyond the source review (whose views app/views/registry.py registers itself)."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def register_review_workspaces(appbuilder: AppBuilder) -> None:
    from app.views.review.destination import (
        DestinationDetailView,
        DestinationExportView,
        DestinationReviewApi,
        DestinationReviewView,
    )

    appbuilder.add_view(DestinationReviewView, "DestinationReview", label=_l("Destination review"),
                        icon="fa-briefcase", category="Review", category_label=_l("Review"),
                        category_icon="fa-check-square-o")
    appbuilder.add_view_no_menu(DestinationDetailView)
    appbuilder.add_view_no_menu(DestinationExportView)
    appbuilder.add_api(DestinationReviewApi)
