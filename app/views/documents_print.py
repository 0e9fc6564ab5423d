"""AGR-5, TRM-3: /agreements/<id>/print|pdf and /terminations/<id>/letter|letter.pdf — the printed documents,
loaded through the scope rule (404 outside it), refused with the reason until the school has approved, and sealed
(code once, hash of what is printed) as they print."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, current_app, g, make_response, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.agreement import Agreement
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.termination import Termination
from app.scope import scope_clause
from app.security.errors import optional_int
from app.security.redirects import index_path, own_path
from app.services import audit, documents
from app.views import documents_pdf
from app.views.documents_sheet import Sheet, agreement_sheet, termination_sheet

PERMISSION = "AgreementDocuments"
REFUSED_STATUS = 409  # the record exists and is the user's, but its state does not allow it yet


def _agreement_options() -> list[Any]:
    graduate = joinedload(Agreement.graduate)
    employer = joinedload(Agreement.employer)
    return [graduate.joinedload(Graduate.department), graduate.joinedload(Graduate.major),
            graduate.joinedload(Graduate.cohort), employer.joinedload(Employer.nature),
            employer.joinedload(Employer.industry), joinedload(Agreement.number), joinedload(Agreement.job_category)]


def load_agreement(pk: Any) -> Agreement:
    """The agreement through the scope rule, or 404: another employer's or college's id answers like a missing one."""
    pk = optional_int(pk)
    row = None if pk is None else db.session.execute(
        select(Agreement).options(*_agreement_options())
        .where(Agreement.id == pk, scope_clause(Agreement, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def load_termination(pk: Any) -> Termination:
    pk = optional_int(pk)
    row = None if pk is None else db.session.execute(
        select(Termination).options(joinedload(Termination.reason), joinedload(Termination.agreement))
        .where(Termination.id == pk, scope_clause(Termination, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def may_print() -> bool:
    return bool(current_app.appbuilder.sm.has_access("can_print", PERMISSION))


def links_of(row: Any) -> dict[str, Any]:
    """What documents/_links.html shows for an agreement or a termination: the links, or why not yet."""
    if isinstance(row, Termination):
        problem, code = documents.letter_problem(row), row.letter_code
        html, pdf = url_for("TerminationLetterView.letter", pk=row.id), url_for("TerminationLetterView.pdf", pk=row.id)
        label, kind = _("Print the termination letter"), "termination"
    else:
        problem, code = documents.print_problem(row), row.verification_code
        html, pdf = url_for("AgreementDocumentView.printed", pk=row.id), url_for("AgreementDocumentView.pdf",
                                                                              pk=row.id)
        label, kind = _("Print the agreement"), "agreement"
    return {"allowed": may_print(), "problem": problem, "print_url": html, "pdf_url": pdf, "label": label, "kind": kind,
            "verify_url": url_for("DocumentVerifyView.show", code=code) if code else None}


class _Printed(BaseView):
    """Shared by both documents: the refusal page, the sealing audit, the HTML and PDF responses."""

    class_permission_name = PERMISSION
    base_permissions: ClassVar[list[str]] = ["can_print"]

    def refused(self, reason: str, heading: str) -> Any:
        back = own_path(request.referrer, index_path())
        html = self.render_template("documents/refused.html", title=heading, heading=heading, reason=reason,
                                    back=back)
        return make_response(html, REFUSED_STATUS)

    def audit(self, kind: str, row_id: int, code: str, digest: str, before: Optional[str], fmt: str) -> None:
        """Who printed which document with which hash (a reprint after a change is marked)."""
        audit.record(f"{kind}.printed", kind, row_id, code=code, hash=digest, format=fmt,
                     changed=before is not None and before != digest)
        db.session.commit()

    def page(self, sheet: Sheet, pdf_url: str) -> Any:
        return self.render_template("documents/sheet.html", title=sheet.title, sheet=sheet, pdf_url=pdf_url,
                                    back=own_path(request.referrer, index_path()))

    @staticmethod
    def pdf_response(sheet: Sheet) -> Any:
        response = make_response(documents_pdf.render(sheet))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{_ascii(sheet.filename)}"'
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


class AgreementDocumentView(_Printed):
    """The tripartite agreement, printable (A4 page) and as PDF."""

    route_base = "/agreements"
    method_permission_name: ClassVar[dict[str, str]] = {"printed": "print", "pdf": "print"}

    def _sealed(self, pk: Any, fmt: str) -> Any:
        agreement = load_agreement(pk)
        problem = documents.print_problem(agreement)
        if problem:
            return self.refused(problem, _("This agreement cannot be printed yet"))
        before = agreement.content_hash
        documents.seal_agreement(agreement)
        sheet = agreement_sheet(agreement)  # before the commit expires what was loaded
        self.audit("agreement", agreement.id, sheet.code, sheet.digest, before, fmt)
        return sheet

    @expose("/<int:pk>/print")
    @has_access
    def printed(self, pk: int) -> Any:
        sheet = self._sealed(pk, "html")
        return sheet if not isinstance(sheet, Sheet) else self.page(sheet, url_for(".pdf", pk=pk))

    @expose("/<int:pk>/pdf")
    @has_access
    def pdf(self, pk: int) -> Any:
        sheet = self._sealed(pk, "pdf")
        return sheet if not isinstance(sheet, Sheet) else self.pdf_response(sheet)


class TerminationLetterView(_Printed):
    """The termination letter (解约函), printable and as PDF."""

    route_base = "/terminations"
    method_permission_name: ClassVar[dict[str, str]] = {"letter": "print", "pdf": "print"}

    def _sealed(self, pk: Any, fmt: str) -> Any:
        termination = load_termination(pk)
        problem = documents.letter_problem(termination)
        if problem:
            return self.refused(problem, _("This termination letter cannot be printed"))
        before = termination.letter_hash if termination.letter_code else None
        documents.seal_letter(termination)
        sheet = termination_sheet(termination)
        self.audit("termination", termination.id, sheet.code, sheet.digest, before, fmt)
        return sheet

    @expose("/<int:pk>/letter")
    @has_access
    def letter(self, pk: int) -> Any:
        sheet = self._sealed(pk, "html")
        return sheet if not isinstance(sheet, Sheet) else self.page(sheet, url_for(".pdf", pk=pk))

    @expose("/<int:pk>/letter.pdf")
    @has_access
    def pdf(self, pk: int) -> Any:
        sheet = self._sealed(pk, "pdf")
        return sheet if not isinstance(sheet, Sheet) else self.pdf_response(sheet)


__all__ = ["AgreementDocumentView", "PERMISSION", "TerminationLetterView", "links_of", "load_agreement",
           "load_termination"]
