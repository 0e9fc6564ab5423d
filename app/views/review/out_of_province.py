"""APV-1: 审核 → 省外就业申请 — the out-of-province workspace on the shared list, export and API, and its record page:
the application, its evidence files, the graduate's signing state, their other applications and the review log."""
from __future__ import annotations

from typing import Any

from flask import abort, g, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.agreement import SIGNING_MODES, OutOfProvinceApplication
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.pii import show_id, show_phone
from app.services import entered_agreements as entries
from app.services.reference import division_full_name
from app.services.review.history import read
from app.services.review.out_of_province import OUT_OF_PROVINCE_REVIEW
from app.services.signing import status_of
from app.timeutil import local_display
from app.views.review import PERMISSIONS
from app.views.review.decisions import buttons, decide_posted
from app.views.review.workspace_api import WorkspaceApi
from app.views.review.workspace_export import WorkspaceExportView
from app.views.review.workspace_list import WorkspaceListView

ROUTE = "/review/out-of-province"
PERMISSION = "OutOfProvinceReview"
A = OutOfProvinceApplication


def load(pk: int) -> OutOfProvinceApplication:
    """The application through the scope rule, or 404: another college's id answers exactly like a missing one."""
    row = db.session.execute(
        select(A).options(joinedload(A.graduate).joinedload(Graduate.department),
                          joinedload(A.graduate).joinedload(Graduate.major),
                          joinedload(A.graduate).joinedload(Graduate.cohort))
        .where(A.id == pk, scope_clause(A, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def review_log(graduate_id: int) -> list[Any]:
    """Every decision on the graduate's applications, oldest first (from the audit chain)."""
    ids = select(cast(A.id, String)).where(A.graduate_id == graduate_id)
    rows = db.session.execute(select(AuditLog).where(AuditLog.target_type == "out_of_province",
                                                     AuditLog.target_id.in_(ids)).order_by(AuditLog.seq)).scalars()
    return read(list(rows), "out_of_province")[1]


class OutOfProvinceReviewView(WorkspaceListView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = OUT_OF_PROVINCE_REVIEW


class OutOfProvinceExportView(WorkspaceExportView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = OUT_OF_PROVINCE_REVIEW


class OutOfProvinceDetailView(BaseView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show", "decide": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        row = load(pk)
        graduate = row.graduate
        workflow = OUT_OF_PROVINCE_REVIEW.workflow
        others = [a for a in entries.applications_of(graduate) if a.id != row.id]
        return self.render_template(
            "offline/review_detail.html", title=_l("Out-of-province employment application"), row=row,
            graduate=graduate, status_label=workflow.label, buttons=buttons(row, OUT_OF_PROVINCE_REVIEW),
            evidence=entries.evidence_of([row.id]).get(row.id, []), region=division_full_name(row.region_code),
            signing=status_of(graduate.id), modes=SIGNING_MODES, others=others, reviews=review_log(graduate.id),
            local_display=local_display, id_shown=show_id(graduate.id_number),
            mobile_shown=show_phone(graduate.mobile), list_url=url_for("OutOfProvinceReviewView.index"))

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        row = load(pk)
        return decide_posted(OUT_OF_PROVINCE_REVIEW, pk, row.graduate.name,
                             url_for("OutOfProvinceDetailView.detail", pk=pk))


class OutOfProvinceReviewApi(WorkspaceApi):
    workspace = OUT_OF_PROVINCE_REVIEW

    def record(self, pk: int) -> dict[str, Any]:
        """The application's values, its evidence files and the graduate's signing state."""
        row = load(pk)
        signing = status_of(row.graduate_id)
        return {"id": row.id, "version": row.version, "status": row.status,
                "status_label": OUT_OF_PROVINCE_REVIEW.workflow.label(row.status),
                "values": {"student_no": row.graduate.student_no, "name": row.graduate.name,
                           "employer_name": row.employer_name, "employer_credit_code": row.employer_credit_code,
                           "region_code": row.region_code, "region": division_full_name(row.region_code),
                           "explanation": row.explanation, "school_remark": row.school_remark},
                "signing": {"mode": signing.mode, "in_province_locked": bool(signing.in_province_locked)},
                "evidence": [{"id": link.evidence_id, "name": link.evidence.original_name}
                             for link in entries.evidence_of([row.id]).get(row.id, [])]}
