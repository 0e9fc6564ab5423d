"""Screens of the offline part of tripartite agreements (issue 12): signing settings, entered agreements, the
out-of-province application and its review workspace."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

AGREEMENTS = dict(category="Agreements", category_label=_l("Tripartite agreements"), category_icon="fa-handshake-o")
REVIEW = dict(category="Review", category_label=_l("Review"), category_icon="fa-check-square-o")


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB (the signing service's notice and audit texts load with them)."""
    from app.services import signing  # noqa: F401  (its TEMPLATES and audit texts)
    from app.views.offline_entry import SchoolEntryView, StudentEntryView
    from app.views.offline_settings import SigningSettingsView
    from app.views.out_of_province import StudentOutOfProvinceView
    from app.views.review.out_of_province import (
        OutOfProvinceDetailView,
        OutOfProvinceExportView,
        OutOfProvinceReviewApi,
        OutOfProvinceReviewView,
    )
    from app.views.student import CATEGORY as STUDENT_SERVICES

    appbuilder.add_view(SigningSettingsView, "SigningSettings", label=_l("Signing settings"), icon="fa-sliders",
                        **AGREEMENTS)
    appbuilder.add_view(SchoolEntryView, "EnteredAgreements", label=_l("Entered agreements"), icon="fa-keyboard-o",
                        **AGREEMENTS)
    appbuilder.add_view(OutOfProvinceReviewView, "OutOfProvinceReview",
                        label=_l("Out-of-province employment applications"), icon="fa-plane", **REVIEW)
    appbuilder.add_view_no_menu(OutOfProvinceDetailView)
    appbuilder.add_view_no_menu(OutOfProvinceExportView)
    appbuilder.add_api(OutOfProvinceReviewApi)
    appbuilder.add_view(StudentOutOfProvinceView, "MyOutOfProvince", label=_l("Out-of-province employment"),
                        icon="fa-plane", **STUDENT_SERVICES)
    appbuilder.add_view(StudentEntryView, "MyEnteredAgreements", label=_l("Enter a paper agreement"),
                        icon="fa-keyboard-o", **STUDENT_SERVICES)
