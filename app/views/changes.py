"""CHG-1/CHG-2 screens: the student's change requests (list and new), and the reviewer's list with approve/reject."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField

from app.extensions import db
from app.models.change import ChangeRequest, Evidence
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.services import change_requests as service
from app.services import source_form, uploads
from app.services.comparison import (
    KEY_FIELDS,
    KEY_FIELDS_BY_NAME,
    MISMATCH,
    NOT_COMPARED,
    compare_field,
)
from app.timeutil import local_display
from app.views.base import ScopedModelView
from app.views.student import own_graduate
from app.workflows.change_request import CHANGE_REQUEST, SUBMITTED
from app.workflows.engine import FireResult, WorkflowError, fire_many
from app.workflows.source_info import COMPLETE

MAX_REASON = 500


def evidence_rows(items: list[Evidence]) -> list[dict[str, Any]]:
    """Evidence as links: every file through /evidence/<id>, pictures also inline for a thumbnail."""
    return [{"id": e.id, "name": e.original_name, "image": e.content_type.startswith("image/"),
             "kb": max(1, e.size // 1024)} for e in items]


def request_row(item: ChangeRequest) -> dict[str, Any]:
    """A change request as the pages show it: labels instead of codes, local times, status in words."""
    return {"id": item.id, "field": service.field_label(item.field),
            "registry": service.display(item.field, item.registry_value) or _("(none)"),
            "claimed": service.display(item.field, item.claimed_value) or _("(empty)"),
            "explanation": item.explanation, "status": item.status, "status_label": service.status_label(item.status),
            "created": local_display(item.created_at), "decided": local_display(item.decided_at),
            "decided_by": item.decided_by or "", "remark": item.decision_remark or "",
            "evidence": evidence_rows(sorted(item.evidence, key=lambda e: e.id))}


# --- the student's side ----------------------------------------------------------------------------------------


def _claim_input(graduate: Graduate, key: str) -> dict[str, Any]:
    """How the claimed value is entered: a list for coded fields and majors, a date picker, or text."""
    if key == "major_code":
        return {"kind": "select", "choices": [(m.code, f"{m.code} {m.name}") for m in service.majors_for(graduate)]}
    spec = source_form.FIELDS_BY_KEY.get(key)
    if spec is not None and spec.kind == "select":
        return {"kind": "select", "choices": [(code, _(label) if isinstance(label, str) else str(label))
                                              for code, label in spec.choices or []]}
    return {"kind": "date" if spec is not None and spec.kind == "date" else "text",
            "max_length": spec.max_length if spec is not None else None}


def why_no_request(graduate: Graduate, comparisons: list[Any]) -> dict[str, str]:
    """Why the student cannot apply for any change now, and what to do instead (a dead end says where to go)."""
    if graduate.status == COMPLETE:
        return {"reason": _("Your source information has been approved by the school and is complete, so it can no "
                            "longer be changed and no change request can be made."),
                "todo": _("If a key field is still wrong, contact your college's employment office: the record can "
                          "only be corrected after the system administrator reopens it."), "link": "home"}
    if any(c.state == MISMATCH for c in comparisons):
        return {"reason": _("Every field that differs from the registry already has a request awaiting review."),
                "todo": _("Wait for the reviewer's decision; it will appear in the list below."), "link": ""}
    if all(c.state == NOT_COMPARED for c in comparisons):
        return {"reason": _("Your form has not been compared with the registry (it is not bound to a registry "
                            "record), so there is no difference to apply for."),
                "todo": _("Fill in your source information; the reviewers check it when you submit it."),
                "link": "form"}
    return {"reason": _("No key field on your form differs from the registry, so there is nothing to apply for. "
                        "A change request is needed only for a field marked “does not match”."),
            "todo": _("To correct any other field, edit your source information while it is still editable."),
            "link": "form"}


class StudentChangeRequestsView(BaseView):
    """申请异动: the signed-in student's own requests; the graduate always comes from the account, never the URL."""

    route_base = "/student/changes"
    class_permission_name = "StudentChangeRequests"
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "new": "add"}
    base_permissions: ClassVar[list[str]] = ["can_list", "can_add"]
    default_view = "index"

    def create_blueprint(self, appbuilder: Any, endpoint: str | None = None, static_folder: str | None = None) -> Any:
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.register_error_handler(RequestEntityTooLarge, self._too_large)
        return blueprint

    def _too_large(self, error: Exception) -> Any:
        """A body above MAX_CONTENT_LENGTH cannot even be read: say so on the form instead of a bare 413."""
        flash(_("The files together are larger than %(mb)d MB; upload fewer or smaller files.",
                mb=uploads.max_request_bytes() // 2**20), "danger")
        return redirect(request.url)

    @expose("/")
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html")
        items = db.session.execute(
            select(ChangeRequest).where(scope_clause(ChangeRequest, g.user), ChangeRequest.graduate_id == graduate.id)
            .options(selectinload(ChangeRequest.evidence)).order_by(ChangeRequest.id.desc())
        ).scalars().all()
        record = service.registry_of(graduate)
        comparisons = [compare_field(f, graduate, record) for f in KEY_FIELDS]
        open_fields = [c for c in comparisons
                       if c.state == MISMATCH and service.availability(graduate, c.key) is None]
        return self.render_template("changes/student_list.html", title=_("My change requests"),
                                    rows=[request_row(i) for i in items], open_fields=open_fields,
                                    why_none=None if open_fields else why_no_request(graduate, comparisons))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html")
        key = request.args.get("field", "")
        spec = KEY_FIELDS_BY_NAME.get(key)
        if spec is None:
            abort(404)
        errors: dict[str, str] = {}
        suggestion = None
        claimed = service.as_text(spec.of_graduate(graduate)) or ""
        explanation = ""
        if request.method == "POST":
            claimed = request.form.get("claimed_value", "")
            explanation = request.form.get("explanation", "")
            files, problem = self._read_files()
            try:  # with a file already refused, submit without files: every other field is still checked
                service.submit(graduate, key, claimed, explanation, [] if problem else files, g.user)
            except service.ChangeRequestInvalid as invalid:
                errors, suggestion = invalid.errors, invalid.suggestion
                if problem and "field" not in errors:
                    errors["files"] = problem
            else:
                flash(_("Your change request for %(field)s has been submitted. It can no longer be edited; "
                        "you will see the reviewer's decision here.", field=spec.label), "success")
                return redirect(url_for("StudentChangeRequestsView.index"))
        comparison = compare_field(spec, graduate, service.registry_of(graduate))
        return self.render_template(
            "changes/student_new.html", title=_("Apply for a change"), key=key, label=spec.label,
            comparison=comparison, refusal=service.availability(graduate, key), claim=_claim_input(graduate, key),
            claimed=claimed, explanation=explanation, errors=errors, suggestion=suggestion,
            max_files=uploads.MAX_FILES, max_mb=uploads.max_file_bytes() // 2**20,
            max_explanation=service.MAX_EXPLANATION,
        )

    @staticmethod
    def _read_files() -> tuple[list[service.Incoming], str | None]:
        """The posted files, each read only up to the per-file limit."""
        files, problems = [], []
        for storage in request.files.getlist("files"):
            if not storage or not storage.filename:
                continue
            try:
                files.append(service.Incoming(storage.filename, uploads.read_limited(storage.stream)))
            except uploads.UploadRefused as refused:
                problems.append(f"{uploads.clean_name(storage.filename)}: {refused.message}")
            if len(files) + len(problems) > uploads.MAX_FILES:
                return files, _("Attach at most %(n)d files.", n=uploads.MAX_FILES)
        return files, " ".join(problems) or None


# --- the reviewer's side ---------------------------------------------------------------------------------------

_COLUMNS: dict[str, Callable[[ChangeRequest], Any]] = {
    "student_no": lambda r: r.graduate.student_no,
    "student_name": lambda r: r.graduate.name,
    "college": lambda r: r.graduate.department.name if r.graduate.department else "",
    "field_label": lambda r: service.field_label(r.field),
    "registry_display": lambda r: service.display(r.field, r.registry_value),
    "claimed_display": lambda r: service.display(r.field, r.claimed_value),
    "status_label": lambda r: service.status_label(r.status),
    "created": lambda r: local_display(r.created_at),
    "decided": lambda r: local_display(r.decided_at),
    "decided_by": lambda r: r.decided_by or "",
    "decision_remark": lambda r: r.decision_remark or "",
}


class ChangeRequestInterface(SQLAInterface):
    """Adds read-only display columns computed per row (labels for codes, status in words, local times)."""

    def _get_attr_value(self, item: Any, col: str) -> Any:
        compute = _COLUMNS.get(col)
        return compute(item) if compute is not None else super()._get_attr_value(item, col)


class ChangeRequestModelView(ScopedModelView):
    """异动申请 for reviewers: read-only, with approve and reject (reason required) through the workflow engine."""

    datamodel = ChangeRequestInterface(ChangeRequest)
    class_permission_name = "ChangeRequests"
    route_base = "/changerequests"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show"]
    list_title = _l("Change requests")
    show_title = _l("Change request")
    show_template = "changes/review_show.html"
    label_columns: ClassVar[dict[str, Any]] = {
        "student_no": _l("Student number"), "student_name": _l("Full name"), "college": _l("College"),
        "field_label": _l("Field"), "registry_display": _l("Registry value"), "claimed_display": _l("Claimed value"),
        "status_label": _l("Status"), "created": _l("Submitted at"), "decided_by": _l("Decided by"),
        "decided": _l("Decided at"), "decision_remark": _l("Decision remark"), "explanation": _l("Explanation"),
        "status": _l("Status"), "created_at": _l("Submitted at"), "decided_at": _l("Decided at"),
    }
    list_columns: ClassVar[list[str]] = ["student_no", "student_name", "college", "field_label", "registry_display",
                                         "claimed_display", "status_label", "created", "decided_by", "decided",
                                         "decision_remark"]
    show_columns: ClassVar[list[str]] = ["student_no", "student_name", "college", "field_label", "registry_display",
                                         "claimed_display", "explanation", "status_label", "created", "decided_by",
                                         "decided", "decision_remark"]
    search_columns: ClassVar[list[str]] = ["status", "created_at", "decided_at"]
    search_form_extra_fields: ClassVar[dict[str, Any]] = {  # the status in words, not its code
        "status": SelectField(_l("Status"), choices=list(CHANGE_REQUEST.states.items()), widget=Select2Widget()),
    }
    order_columns: ClassVar[list[str]] = ["created_at", "decided_at"]
    base_order = ("created_at", "desc")

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: Any) -> Any:
        """FAB's show page plus the evidence and the decision buttons (posted to the scoped action_post)."""
        item = self._scoped_get(pk)
        if item is None:
            abort(404)
        widgets = self._show(item.id)
        sm = self.appbuilder.sm
        may = {name: item.status == SUBMITTED and sm.has_access(name, self.class_permission_name)
               for name in ("approve", "reject")}
        return self.render_template(self.show_template, pk=item.id, title=self.show_title, widgets=widgets,
                                    related_views=[], evidence=evidence_rows(sorted(item.evidence, key=lambda e: e.id)),
                                    may=may)

    @action("approve", _l("Approve"), _l("Apply the claimed values of the selected requests to the students' "
                                         "records?"), "fa-check", single=False)
    def approve(self, items: list[ChangeRequest]) -> Any:
        result = fire_many(CHANGE_REQUEST, "approve", [i.id for i in items], g.user)
        return self._result_page(items, result, _("Approve the change"))

    @action("reject", _l("Reject"), None, "fa-times", single=False)
    def reject(self, items: list[ChangeRequest]) -> Any:
        """First call shows the reason form; its POST (confirm=1) comes back here through the scoped action_post."""
        reason = (request.form.get("reason") or "").strip()
        error = None
        if request.form.get("confirm"):
            if not reason:
                error = _("Give the reason for the rejection; the student will see it.")
            elif len(reason) > MAX_REASON:
                error = _("The reason is limited to %(n)d characters.", n=MAX_REASON)
            else:
                try:
                    result = fire_many(CHANGE_REQUEST, "reject", [i.id for i in items], g.user, remark=reason)
                except WorkflowError as refused:
                    error = str(refused)
                else:
                    return self._result_page(items, result, _("Reject the change"))
        return self.render_template("changes/reject.html", title=_("Reject change requests"),
                                    rows=[request_row(i) | {"student": f"{i.graduate.name}（{i.graduate.student_no}）"}
                                          for i in items],
                                    reason=reason, error=error, max_reason=MAX_REASON)

    def _result_page(self, items: list[ChangeRequest], result: FireResult, title: str) -> Any:
        """One line per selected request: done, or skipped with the engine's reason."""
        by_id = {i.id: i for i in items}
        rows = []
        for outcome in result.results:
            item = by_id[outcome.id]
            rows.append({"id": item.id, "student": f"{item.graduate.name}（{item.graduate.student_no}）",
                         "field": service.field_label(item.field), "ok": outcome.ok, "reason": outcome.reason or ""})
        done = len(result.done)
        flash(_("%(done)d done, %(skipped)d skipped.", done=done, skipped=len(rows) - done),
              "success" if done == len(rows) else "warning")
        return self.render_template("changes/result.html", title=title, rows=rows)
