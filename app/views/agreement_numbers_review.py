"""AGR-1: 协议书编号申请审核 — the number-request workspace on the shared list, export and REST door, and its record
page: the request, the graduate's numbers so far, and the school's buttons (disabled with the engine's reason)."""
from __future__ import annotations

from typing import Any

from flask import abort, g, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.agreement import NUMBER_STATES, NumberRequest
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.pii import show_id
from app.services import agreement_numbers as numbers
from app.services.review.number_request import NUMBER_REQUEST_REVIEW
from app.timeutil import local_display
from app.views.review import PERMISSIONS
from app.views.review.decisions import buttons, decide_posted
from app.views.review.workspace_api import WorkspaceApi
from app.views.review.workspace_export import WorkspaceExportView
from app.views.review.workspace_list import WorkspaceListView

ROUTE = "/review/number-request"
PERMISSION = "NumberRequestReview"
WS = NUMBER_REQUEST_REVIEW


def load(pk: int) -> NumberRequest:
    """The request through the scope rule, or 404: an id out of scope answers exactly like a missing one."""
    row = db.session.execute(
        select(NumberRequest).options(
            joinedload(NumberRequest.graduate).joinedload(Graduate.department),
            joinedload(NumberRequest.graduate).joinedload(Graduate.cohort),
            joinedload(NumberRequest.reason), joinedload(NumberRequest.old_number),
            joinedload(NumberRequest.new_number))
        .where(NumberRequest.id == pk, scope_clause(NumberRequest, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


class NumberRequestReviewView(WorkspaceListView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = WS


class NumberRequestExportView(WorkspaceExportView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = WS


class NumberRequestDetailView(BaseView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show", "decide": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        row = load(pk)
        graduate = row.graduate
        return self.render_template(
            "numbers/request_detail.html", title=_l("Agreement number request"), row=row, graduate=graduate,
            status_label=WS.workflow.label, buttons=buttons(row, WS), history=numbers.history(graduate.id),
            requests=numbers.requests_of(graduate.id), states=NUMBER_STATES, when=local_display,
            id_shown=show_id(graduate.id_number), list_url=url_for("NumberRequestReviewView.index"))

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        row = load(pk)
        return decide_posted(WS, pk, row.graduate.name, url_for("NumberRequestDetailView.detail", pk=pk))


class NumberRequestReviewApi(WorkspaceApi):
    workspace = WS

    def record(self, pk: int) -> dict[str, Any]:
        """The request, its numbers and the graduate's number history."""
        row = load(pk)
        return {"id": row.id, "version": row.version, "status": row.status,
                "status_label": WS.workflow.label(row.status),
                "values": {"student_no": row.graduate.student_no, "name": row.graduate.name,
                           "reason": row.reason.name if row.reason else None, "explanation": row.explanation,
                           "old_number": row.old_number.number if row.old_number else None,
                           "new_number": row.new_number.number if row.new_number else None,
                           "submitted_at": local_display(row.submitted_at),
                           "school_decided_at": local_display(row.school_decided_at),
                           "school_remark": row.school_remark},
                "history": [{"number": n.number, "state": n.state, "void_reason": n.void_reason}
                            for n in numbers.history(row.graduate_id)]}
