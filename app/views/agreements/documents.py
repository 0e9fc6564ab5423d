"""Screens of the documents part of tripartite agreements (issue 12): the printed agreement and termination letter
(A4 page and PDF) and the public verification page, plus the `document_links_of` template global that
templates/documents/_links.html uses on the other parts' pages."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB."""
    from app.views.documents_print import AgreementDocumentView, TerminationLetterView, links_of
    from app.views.documents_verify import DocumentVerifyView, limit

    appbuilder.add_view_no_menu(AgreementDocumentView)
    appbuilder.add_view_no_menu(TerminationLetterView)
    appbuilder.add_view(DocumentVerifyView, "VerifyDocument", label=_l("Verify a printed document"),
                        icon="fa-qrcode", category="Review", category_label=_l("Review"),
                        category_icon="fa-check-square-o")
    app = current_app._get_current_object()
    limit(app, appbuilder)
    app.jinja_env.globals["document_links_of"] = links_of
