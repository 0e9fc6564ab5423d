"""EMP-2/EMP-3: the destination review — the destination workspace on the shared list, export and API, and its
record page: the destination as its code needs it, the evidence files, every version and the review log."""
from __future__ import annotations

from typing import Any

from flask import abort, g, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models.destination import VERSION_KINDS, Destination, DestinationEvidence
from app.models.graduate import Graduate
from app.models.reference import EVIDENCE_KINDS
from app.scope import scope_clause
from app.security.pii import show_id, show_phone
from app.services import destination_form as form
from app.services.review.destination import DESTINATION_REVIEW
from app.services.review.history import destination_history
from app.views.review import PERMISSIONS, options
from app.views.review.decisions import buttons, decide_posted
from app.views.review.workspace_api import WorkspaceApi
from app.views.review.workspace_export import WorkspaceExportView
from app.views.review.workspace_list import WorkspaceListView

ROUTE = "/review/destination"
PERMISSION = "DestinationReview"


def load(pk: int) -> Destination:
    """The version through the scope rule, or 404: another college's id answers exactly like a missing one."""
    row = db.session.execute(
        select(Destination).options(
            joinedload(Destination.graduate).joinedload(Graduate.department),
            joinedload(Destination.graduate).joinedload(Graduate.major),
            joinedload(Destination.graduate).joinedload(Graduate.cohort),
            joinedload(Destination.code), joinedload(Destination.employer), joinedload(Destination.job_category),
            joinedload(Destination.country),
            selectinload(Destination.evidence_links).joinedload(DestinationEvidence.evidence))
        .where(Destination.id == pk, scope_clause(Destination, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def shown_fields(row: Destination) -> list[tuple[str, str]]:
    """(label, value) of what the row's code asks for, as the reviewer reads it (names, not ids)."""
    out = []
    for field, _required in form.fields_for(form.kind_of(row)):
        value: Any = getattr(row, field.key)
        if field.key == "employer_id":
            value = f"{row.employer.name}（{row.employer.credit_code or ''}）" if row.employer else ""
        elif field.key == "job_category_id":
            value = row.job_category.name if row.job_category else ""
        elif field.key == "country_id":
            value = row.country.name if row.country else ""
        elif field.kind == "region":
            value = form.region_name(value)
        elif field.kind == "checkbox":
            value = str(_l("Yes")) if value else str(_l("No"))
        out.append((str(field.label), "" if value is None else str(value)))
        if field.key == "employer_id" and row.employer is not None:
            out += employer_facts(row.employer)
    for field in form.NUMBERS:
        out.append((str(field.label), getattr(row, field.key) or ""))
    return out


def employer_facts(employer: Any) -> list[tuple[str, str]]:
    """What a reviewer checks about the employer besides its name: nature, industry, location (单位性质/行业/所在地)."""
    return [(str(_l("Employer nature")), employer.nature.name if employer.nature else ""),
            (str(_l("Industry")), employer.industry.name if employer.industry else ""),
            (str(_l("Employer location")), form.region_name(employer.region_code) if employer.region_code else "")]


class DestinationReviewView(WorkspaceListView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = DESTINATION_REVIEW


class DestinationExportView(WorkspaceExportView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = DESTINATION_REVIEW


class DestinationDetailView(BaseView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show", "decide": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        row = load(pk)
        graduate = row.graduate
        changes, reviews = destination_history(graduate.id)
        workflow = DESTINATION_REVIEW.workflow
        return self.render_template(
            "review/destination_detail.html", title=_l("Destination"), row=row, graduate=graduate,
            fields=shown_fields(row), needed=form.evidence_for(row), evidence_kinds=EVIDENCE_KINDS,
            problems=form.submission_problems(row) if row.status not in ("complete",) else [],
            versions=form.versions(graduate), version_kinds=VERSION_KINDS, status_label=workflow.label,
            buttons=buttons(row, DESTINATION_REVIEW), reasons=options.rejection_reasons(),
            rejection=form.reason_names(row.rejection_codes), changes=changes, reviews=reviews,
            id_shown=show_id(graduate.id_number), mobile_shown=show_phone(graduate.mobile),
            list_url=url_for("DestinationReviewView.index"))

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        row = load(pk)
        return decide_posted(DESTINATION_REVIEW, pk, row.graduate.name, url_for("DestinationDetailView.detail", pk=pk))


class DestinationReviewApi(WorkspaceApi):
    workspace = DESTINATION_REVIEW

    def record(self, pk: int) -> dict[str, Any]:
        """The version's values as its code needs them, its evidence files and every version of the graduate."""
        row = load(pk)
        return {"id": row.id, "version": row.version, "status": row.status,
                "status_label": DESTINATION_REVIEW.workflow.label(row.status),
                "values": {"student_no": row.graduate.student_no, "name": row.graduate.name,
                           "code": row.code.code if row.code else None, **dict(shown_fields(row))},
                "rejection_reasons": row.rejection_codes, "rejection_text": row.rejection_text,
                "evidence": [{"id": link.evidence_id, "kind": link.kind, "name": link.evidence.original_name}
                             for link in row.evidence_links],
                "versions": [{"id": v.id, "version_no": v.version_no, "kind": v.kind, "status": v.status,
                              "current": v.is_current} for v in form.versions(row.graduate)]}
