"""TRM-1/TRM-5: the termination review — the work list and the history list on the shared workspace (list, export,
evidence zip, print, REST door), one record page for both (the request, its evidence, every node of the review log,
buttons disabled with the engine's reason) — and TRM-4's forced termination of entered agreements."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS, ONLINE, Agreement
from app.models.graduate import Graduate
from app.models.termination import LIABLE_PARTIES, REQUESTERS, Termination
from app.scope import scope_clause
from app.security.pii import show_id, show_phone
from app.services import termination_forms as forms
from app.services.review.termination import TERMINATION_HISTORY, TERMINATION_REVIEW, review_log
from app.services.review.workspace import Workspace
from app.services.terminations import TERMINABLE
from app.timeutil import local_display
from app.views.review import PERMISSIONS
from app.views.review.decisions import buttons, decide_posted
from app.views.review.workspace_api import WorkspaceApi
from app.views.review.workspace_export import WorkspaceExportView
from app.views.review.workspace_list import WorkspaceListView
from app.views.termination_party import letter_url
from app.workflows.agreement import AGREEMENT
from app.workflows.termination import TERMINATION

ROUTE, HISTORY_ROUTE, FORCE_ROUTE = "/review/termination", "/review/termination-history", "/review/termination/force"
PERMISSION, HISTORY_PERMISSION = "TerminationReview", "TerminationHistory"
FORCE_LIMIT = 200


def load(pk: int, ws: Workspace) -> Termination:
    """The termination through the scope rule, listed by this workspace (pending or decided), or 404."""
    row = forms.load(pk, g.user)
    if row is None or not listed(pk, ws):
        abort(404)
    return row


def listed(pk: int, ws: Workspace) -> bool:
    return db.session.execute(select(Termination.id).where(Termination.id == pk, ws.live())).scalar() is not None


def record_values(row: Termination) -> list[tuple[Any, str]]:
    """(label, value) of the request as the reviewer reads it (names, not codes)."""
    agreement = row.agreement
    return [
        (_l("Agreement number"), agreement.number_text),
        (_l("Employer"), f"{agreement.employer.name}（{agreement.employer.credit_code or ''}）"),
        (_l("Kind of agreement"), str(AGREEMENT_KINDS.get(agreement.kind, agreement.kind))),
        (_l("State of the agreement"), AGREEMENT.label(agreement.status)),
        (_l("Requested by"), str(REQUESTERS.get(row.requested_by, row.requested_by))),
        (_l("Reason for the termination"), row.reason.name if row.reason else ""),
        (_l("Explanation of the termination"), row.explanation or ""),
        (_l("Liable party"), str(LIABLE_PARTIES.get(row.liable_party, row.liable_party or ""))),
        (_l("Penalty (违约金) arrangement"), row.penalty or ""),
        (_l("Offline (signed letter)"), _("Yes") if row.offline else _("No")),
        (_l("Forced by the school"), _("Yes") if row.forced else _("No")),
        (_l("Requested at"), local_display(row.created_at)),
        (_l("Other party answered at"), local_display(row.other_answered_at)),
        (_l("Other party's remark"), row.other_remark or ""),
        (_l("Ended at"), local_display(row.ended_at)),
        (_l("Verification code of the letter"), row.letter_code or ""),
    ]


class TerminationReviewView(WorkspaceListView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = TERMINATION_REVIEW

    def render_template(self, template: str, **kwargs: Any) -> Any:
        """The shared list, with the way to TRM-4's forced termination above it."""
        if template == "review/list.html":
            template = "terminations/review_list.html"
            kwargs["may_force"] = self.appbuilder.sm.has_access("can_list", "TerminationForce")
        return super().render_template(template, **kwargs)


class TerminationExportView(WorkspaceExportView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = TERMINATION_REVIEW


class TerminationHistoryReviewView(WorkspaceListView):
    route_base = HISTORY_ROUTE
    class_permission_name = HISTORY_PERMISSION
    workspace = TERMINATION_HISTORY


class TerminationHistoryExportView(WorkspaceExportView):
    route_base = HISTORY_ROUTE
    class_permission_name = HISTORY_PERMISSION
    workspace = TERMINATION_HISTORY


class _Detail(BaseView):
    """The record page of one termination (the work list's and the history's)."""

    workspace: ClassVar[Workspace]
    other: ClassVar[str]  # the other list's record page
    base_permissions = PERMISSIONS
    method_permission_name: ClassVar[dict[str, str]] = {"detail": "show", "decide": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        ws = self.workspace
        if forms.load(pk, g.user) is not None and not listed(pk, ws):
            # decided since the page was opened (or still pending): the record page of the list that holds it now
            return redirect(url_for(self.other, pk=pk))
        row = load(pk, ws)
        graduate = row.graduate
        changes, reviews = review_log(row)
        return self.render_template(
            "terminations/review_detail.html", title=_l("Termination"), row=row, graduate=graduate,
            values=record_values(row), status_label=TERMINATION.label, buttons=buttons(row, ws),
            changes=changes, reviews=reviews, evidence_kinds=forms.EVIDENCE_KINDS, letter=letter_url(row),
            id_shown=show_id(graduate.id_number), mobile_shown=show_phone(graduate.mobile), ws=ws,
            decide_url=url_for(f"{type(self).__name__}.decide", pk=row.id),
            list_url=url_for(ws.endpoint("Review", "index")))

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        row = load(pk, self.workspace)
        back = url_for(f"{type(self).__name__}.detail", pk=pk)
        return decide_posted(self.workspace, pk, row.graduate.name, back)


class TerminationDetailView(_Detail):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = TERMINATION_REVIEW
    other = "TerminationHistoryDetailView.detail"


class TerminationHistoryDetailView(_Detail):
    other = "TerminationDetailView.detail"
    route_base = HISTORY_ROUTE
    class_permission_name = HISTORY_PERMISSION
    workspace = TERMINATION_HISTORY


def _record(row: Termination, ws: Workspace) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "status": row.status, "status_label": TERMINATION.label(row.status),
            "values": {"student_no": row.graduate.student_no, "name": row.graduate.name,
                       **{str(label): value for label, value in record_values(row)}},
            "evidence": [{"id": link.evidence_id, "kind": link.kind, "name": link.evidence.original_name}
                         for link in row.evidence_links],
            "log": [{"at": r.at, "by": r.who, "action": r.action, "from": r.from_state, "to": r.to_state,
                     "remark": r.remark} for r in review_log(row)[1]]}


class TerminationReviewApi(WorkspaceApi):
    workspace = TERMINATION_REVIEW

    def record(self, pk: int) -> dict[str, Any]:
        """The request, its evidence files and its review log."""
        return _record(load(pk, self.ws), self.ws)


class TerminationHistoryReviewApi(WorkspaceApi):
    workspace = TERMINATION_HISTORY

    def record(self, pk: int) -> dict[str, Any]:
        """The decided request, its evidence files and its review log."""
        return _record(load(pk, self.ws), self.ws)


class TerminationForceView(BaseView):
    """TRM-4 强制解约（录入协议书）: the entered agreements a school account may end at once, and the form that does."""

    route_base = FORCE_ROUTE
    class_permission_name = "TerminationForce"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_decide"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "page": "decide", "force": "decide"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        """Entered agreements that have not ended (a keyword narrows them); each opens the force form."""
        keyword = (request.args.get("q") or "").strip()[:40]
        stmt = (select(Agreement).join(Graduate, Graduate.id == Agreement.graduate_id)
                .options(joinedload(Agreement.graduate), joinedload(Agreement.employer), joinedload(Agreement.number))
                .where(scope_clause(Agreement, g.user), Agreement.kind != ONLINE, Agreement.status.in_(TERMINABLE)))
        if keyword:
            stmt = stmt.where(Graduate.student_no.startswith(keyword, autoescape=True)
                              | Graduate.name.startswith(keyword, autoescape=True)
                              | Agreement.external_number.startswith(keyword, autoescape=True))
        total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        rows = db.session.execute(stmt.order_by(Graduate.student_no).limit(FORCE_LIMIT)).scalars().all()
        return self.render_template("terminations/force_list.html", title=_l("Forced termination (entered "
                                    "agreements)"), rows=rows, total=total, limit=FORCE_LIMIT, keyword=keyword,
                                    kinds=AGREEMENT_KINDS, agreement_label=AGREEMENT.label,
                                    open_of={a.id: forms.open_termination(a.id) for a in rows})

    def _agreement(self, agreement_id: int) -> Agreement:
        agreement = forms.agreement_of(agreement_id, g.user)
        if agreement is None:
            abort(404)
        return agreement

    def _page(self, agreement: Agreement, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
        page = self.render_template(
            "terminations/force.html", title=_l("Forced termination"), agreement=agreement, values=values,
            errors=errors, why=forms.force_refusal(agreement, g.user), reasons=forms.reasons(None),
            liable_parties=LIABLE_PARTIES, kinds=AGREEMENT_KINDS, agreement_label=AGREEMENT.label,
            label=str(TERMINATION.transitions["force"].label), existing=forms.open_termination(agreement.id))
        return (page, status) if status != 200 else page

    @expose("/<int:agreement_id>", methods=["GET"])
    @has_access
    def page(self, agreement_id: int) -> Any:
        agreement = self._agreement(agreement_id)
        return self._page(agreement, {**forms.values_of(None), "remark": ""}, {})

    @expose("/<int:agreement_id>", methods=["POST"])
    @has_access
    def force(self, agreement_id: int) -> Any:
        """Create the school's termination and fire "force" with the mandatory reason; refused: nothing stays."""
        agreement = self._agreement(agreement_id)
        try:
            result = forms.force(agreement, request.form, g.user)
        except forms.FormRefused as refused:
            db.session.rollback()
            errors = {k: v for k, v in refused.errors.items() if k != "form"}
            if "form" in refused.errors:
                flash(refused.errors["form"], "danger")
            return self._page(self._agreement(agreement_id), dict(request.form.items()), errors, 422)
        flash(_("The agreement of %(name)s was terminated by force: it has left the employment plan and a new "
                "agreement number was issued where the pool had one.", name=agreement.graduate.name), "success")
        return redirect(url_for("TerminationHistoryDetailView.detail", pk=result.id))


__all__ = ["TerminationDetailView", "TerminationExportView", "TerminationForceView", "TerminationHistoryDetailView",
           "TerminationHistoryExportView", "TerminationHistoryReviewApi", "TerminationHistoryReviewView",
           "TerminationReviewApi", "TerminationReviewView"]
