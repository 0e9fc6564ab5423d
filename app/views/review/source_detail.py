"""SRC-9/SRC-12/CHG-2: one record — comparison flags, evidence and change requests, history, edits, decisions."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.pii import show_id, show_phone
from app.security.roles import role_names
from app.services import audit, source_form
from app.services.comparison import compare
from app.services.review.history import history
from app.services.review.source import SOURCE
from app.timeutil import utcnow
from app.views.review import PERMISSIONS
from app.views.review.decisions import buttons, decide_posted
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.change_request import SUBMITTED as CR_SUBMITTED
from app.workflows.engine import WorkflowError, fire_many
from app.workflows.source_info import SOURCE_INFO


def load(pk: int) -> Graduate:
    """The record through the scope rule, or 404: another college's id answers exactly like a missing one."""
    graduate = db.session.execute(
        select(Graduate).options(joinedload(Graduate.registry_record), joinedload(Graduate.department),
                                 joinedload(Graduate.major), joinedload(Graduate.cohort))
        .where(Graduate.id == pk, scope_clause(Graduate, g.user))).scalar_one_or_none()
    if graduate is None:
        abort(404)
    return graduate


class SourceDetailView(BaseView):
    route_base = "/review/source"
    class_permission_name = "SourceReview"
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show", "decide": "decide", "edit": "edit", "decide_change": "decide",
                              "copy_student_values": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        graduate = load(pk)
        requests = db.session.execute(
            select(ChangeRequest).options(selectinload(ChangeRequest.evidence))
            .where(ChangeRequest.graduate_id == graduate.id).order_by(ChangeRequest.id.desc())).scalars().all()
        changes, reviews = history(graduate.id)
        editable = SOURCE_INFO.can_edit(graduate.status, role_names(g.user))
        values = source_form.values_of(graduate)
        comparisons = compare(graduate)
        return self.render_template(
            "review/detail.html", title=_l("Source information"), graduate=graduate, comparisons=comparisons,
            requests=requests, cr_label=CHANGE_REQUEST.label, cr_pending=CR_SUBMITTED, changes=changes,
            reviews=reviews, editable=editable, values=values, errors={}, sections=source_form.SECTIONS,
            fields_of=source_form.fields_of, buttons=buttons(graduate, SOURCE), status_label=SOURCE_INFO.label,
            id_shown=show_id(graduate.id_number), mobile_shown=show_phone(graduate.mobile),
            home_phone_shown=show_phone(graduate.home_phone), problems=source_form.problems(values),
            display=source_form.readonly_display(graduate),
            field_labels={c.key: c.field.label for c in comparisons})

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        graduate = load(pk)
        return decide_posted(SOURCE, pk, graduate.name, url_for("SourceDetailView.detail", pk=pk))

    @expose("/<int:pk>/edit", methods=["POST"])
    @has_access
    def edit(self, pk: int) -> Any:
        """SRC-9/SRC-12 reviewer edits: allowed in every state but complete; audited old → new per field."""
        graduate = load(pk)
        if not SOURCE_INFO.can_edit(graduate.status, role_names(g.user)):
            flash(_("The record is %(state)s and can no longer be edited.", state=SOURCE_INFO.label(graduate.status)),
                  "warning")
            return redirect(url_for("SourceDetailView.detail", pk=pk))
        if request.form.get("version", type=int) != graduate.version:
            flash(_("Someone else changed this record since you opened it; reload and try again."), "warning")
            return redirect(url_for("SourceDetailView.detail", pk=pk))
        typed, stored, errors = source_form.parse(request.form, graduate)
        if errors:
            for key, message in errors.items():
                flash(f"{source_form.FIELDS_BY_KEY[key].label}：{message}", "danger")
            return redirect(url_for("SourceDetailView.detail", pk=pk))
        changes = source_form.apply(graduate, stored)
        if changes:  # the version moves with the UPDATE (Graduate's version_id_col)
            graduate.updated_at = utcnow()
            audit.record("graduate.reviewer_edited", "graduate", graduate.id, changes=changes)
            db.session.commit()
            flash(_("Saved: %(n)d field(s) changed.", n=len(changes)), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("SourceDetailView.detail", pk=pk))

    @expose("/<int:pk>/changes/<int:request_id>", methods=["POST"])
    @has_access
    def decide_change(self, pk: int, request_id: int) -> Any:
        """CHG-2: approve (the official value takes the student's) or reject with a reason, through the engine."""
        load(pk)
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400)
        owned = db.session.execute(select(ChangeRequest.id).where(
            ChangeRequest.id == request_id, ChangeRequest.graduate_id == pk)).scalar()
        if owned is None:
            abort(404)
        try:
            result = fire_many(CHANGE_REQUEST, decision, [request_id], g.user, request.form.get("remark", "")).results[0]
        except WorkflowError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Done.") if result.ok else result.reason, "success" if result.ok else "warning")
        return redirect(url_for("SourceDetailView.detail", pk=pk, _anchor="changes"))

    @expose("/<int:pk>/copy-student-values", methods=["POST"])
    @has_access
    def copy_student_values(self, pk: int) -> Any:
        """One click: every pending change request is approved, so the official fields take the student's values."""
        load(pk)
        pending = db.session.execute(select(ChangeRequest.id).where(
            ChangeRequest.graduate_id == pk, ChangeRequest.status == CR_SUBMITTED)).scalars().all()
        if not pending:
            flash(_("There are no pending change requests to copy from."), "info")
        else:
            result = fire_many(CHANGE_REQUEST, "approve", pending, g.user)
            flash(_("%(done)d value(s) copied, %(skipped)d skipped.", done=len(result.done),
                    skipped=len(result.skipped)), "success")
            for skipped in result.skipped:
                flash(skipped.reason, "warning")
        return redirect(url_for("SourceDetailView.detail", pk=pk))
