"""XLS-1/XLS-3: Excel export of the reviewer's list and the printable sign-off sheet (生源信息核对表)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import abort, after_this_request, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.graduate import Graduate
from app.models.registry import ImportJob
from app.security.errors import int_list
from app.security.pii import show_id, show_phone
from app.security.redirects import safe_path
from app.services import audit, source_form
from app.services.comparison import approved_claims, compare
from app.services.import_jobs import job_status
from app.services.review import columns, export, query
from app.views.review import PERMISSIONS, params
from app.workflows.source_info import SOURCE_INFO

PRINT_LIMIT = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _selection() -> tuple[query.ReviewFilter, list[int] | None]:
    """The filter of the list and, for "ticked records", the ticked ids (always re-scoped by the query)."""
    source = request.form if request.method == "POST" else request.args
    f = params.filter_from(source)
    if source.get("target", "selected") == "selected" and source.getlist("ids"):
        return f, int_list(source.getlist("ids"))
    return f, None


class SourceExportView(BaseView):
    route_base = "/review/source"
    class_permission_name = "SourceReview"
    base_permissions = PERMISSIONS
    method_permission_name = {"export": "export", "export_job": "export", "export_status": "export",
                              "export_download": "export", "print_sheets": "print"}

    @expose("/export", methods=["GET", "POST"])
    @has_access
    def export(self) -> Any:
        """Small exports download at once; large ones run in the background with a progress page."""
        f, ids = _selection()
        cols = columns.chosen(params.settings()["columns"])
        total = len(ids) if ids is not None else query.count(f, g.user)
        if total == 0:
            flash(_("Nothing to export: no records match."), "warning")
            return redirect(safe_path(request.form.get("back"), url_for("SourceReviewView.index")))
        if total > export.SYNC_LIMIT:
            job = export.start_job(cols, f, g.user, ids, total)
            return redirect(url_for("SourceExportView.export_job", job_id=job.id))
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - removed after sending
        handle.close()
        export.write(handle.name, cols, f, g.user, ids)

        @after_this_request
        def _cleanup(response: Any) -> Any:
            Path(handle.name).unlink(missing_ok=True)
            return response

        return send_file(handle.name, mimetype=XLSX, as_attachment=True,
                         download_name=_("Source information.xlsx"), max_age=0)

    def _own_job(self, job_id: int) -> ImportJob:
        job = db.session.get(ImportJob, job_id)
        if job is None or job.kind != export.KIND or job.created_by_id != g.user.id:
            abort(404)
        return job

    @expose("/export/<int:job_id>")
    @has_access
    def export_job(self, job_id: int) -> Any:
        job = self._own_job(job_id)
        return self.render_template("review/export_job.html", title=_l("Export"), job=job, status=job_status(job))

    @expose("/export/<int:job_id>/status")
    @has_access
    def export_status(self, job_id: int) -> Any:
        return jsonify(job_status(self._own_job(job_id)))

    @expose("/export/<int:job_id>/download")
    @has_access
    def export_download(self, job_id: int) -> Any:
        job = self._own_job(job_id)
        path = Path(current_app.instance_path) / (job.report_path or "")
        if job.state != "done" or not job.report_path or not path.is_file():
            abort(404)
        return send_file(path, mimetype=XLSX, as_attachment=True, download_name=job.filename, max_age=0)

    @expose("/print", methods=["GET", "POST"])
    @has_access
    def print_sheets(self) -> Any:
        """XLS-3: one A4 sheet per student for signatures; the browser prints it (or saves it as PDF)."""
        f, ids = _selection()
        id_stmt = query.base_select([]).where(*query.conditions(f, g.user))
        if ids is not None:
            id_stmt = id_stmt.where(Graduate.id.in_(ids))
        wanted = [row.id for row in db.session.execute(
            id_stmt.order_by(*query.ordering("student_no", "asc")).limit(PRINT_LIMIT + 1))]
        if len(wanted) > PRINT_LIMIT:
            flash(_("At most %(n)d sheets can be printed at once; narrow the list (for example to one major).",
                    n=PRINT_LIMIT), "warning")
            return redirect(safe_path(request.form.get("back"), url_for("SourceReviewView.index")))
        graduates = db.session.execute(
            select(Graduate).options(joinedload(Graduate.registry_record), joinedload(Graduate.department),
                                     joinedload(Graduate.major), joinedload(Graduate.cohort))
            .where(Graduate.id.in_(wanted)).order_by(Graduate.student_no)).scalars().all()
        audit.record("export.sign_off_sheet", "graduate", "", rows=len(graduates),
                     ids=[gr.id for gr in graduates][:PRINT_LIMIT])
        db.session.commit()
        approved = approved_claims([gr.id for gr in graduates])
        sheets = [(gr, source_form.values_of(gr), {c.key: c for c in compare(gr, approved=approved[gr.id])})
                  for gr in graduates]
        return self.render_template(
            "review/print.html", title=_l("Source information sign-off sheet"), sheets=sheets,
            sections=source_form.SECTIONS, fields_of=source_form.fields_of, show_id=show_id,
            show_phone=show_phone, status_label=SOURCE_INFO.label, readonly=source_form.readonly_display)
