"""Screens of the numbers part of tripartite agreements (issue 12): the school's pool (三方协议 → 协议书编号), the
review of number requests (审核 → 协议书编号申请审核, a shared workspace) and the graduate's page (就业服务)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# the menu category every part of the agreements issue puts its school screens in (name shared, label 三方协议)
AGREEMENTS = dict(category="Agreements", category_label=_l("Tripartite agreements"), category_icon="fa-handshake")
REVIEW = dict(category="Review", category_label=_l("Review"), category_icon="fa-check-square-o")


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB."""
    from app.views.agreement_numbers import AgreementNumbersView
    from app.views.agreement_numbers_batches import AgreementNumberBatchView
    from app.views.agreement_numbers_review import (
        NumberRequestDetailView,
        NumberRequestExportView,
        NumberRequestReviewApi,
        NumberRequestReviewView,
    )
    from app.views.agreement_numbers_student import StudentNumbersView
    from app.views.student import CATEGORY as STUDENT_SERVICES

    appbuilder.add_view(AgreementNumbersView, "AgreementNumbers", label=_l("Agreement numbers"), icon="fa-barcode",
                        **AGREEMENTS)
    appbuilder.add_view_no_menu(AgreementNumberBatchView)
    appbuilder.add_view(NumberRequestReviewView, "NumberRequestReview", label=_l("Agreement number requests"),
                        icon="fa-barcode", **REVIEW)
    appbuilder.add_view_no_menu(NumberRequestDetailView)
    appbuilder.add_view_no_menu(NumberRequestExportView)
    appbuilder.add_api(NumberRequestReviewApi)
    appbuilder.add_view(StudentNumbersView, "MyAgreementNumber", label=_l("My agreement number"), icon="fa-barcode",
                        **STUDENT_SERVICES)
