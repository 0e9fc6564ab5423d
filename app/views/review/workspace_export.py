"""XLS-1/XLS-3, EMP-3: a workspace's Excel export (with progress when large) and its print page, one class for every
workspace; the source review prints its sign-off sheets, the others a printable list of the chosen columns."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.registry import ImportJob
from app.security.errors import int_list
from app.security.pii import can_see_full
from app.security.redirects import safe_path
from app.services import audit
from app.services.import_jobs import job_status
from app.services.review import export, query
from app.services.review.columns import row_formatter
from app.services.review.workspace import Workspace
from app.views.review import PERMISSIONS, params

PRINT_LIMIT = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def selection(ws: Workspace) -> tuple[query.ReviewFilter, list[int] | None]:
    """The filter of the list and, for "ticked records", the ticked ids (always re-scoped by the query)."""
    source = request.form if request.method == "POST" else request.args
    f = params.filter_from(source, ws)
    if source.get("target", "selected") == "selected" and source.getlist("ids"):
        return f, int_list(source.getlist("ids"))
    return f, None


class WorkspaceExportView(BaseView):
    workspace: Workspace
    base_permissions = PERMISSIONS
    method_permission_name = {"export": "export", "export_job": "export", "export_status": "export",
                              "export_download": "export", "proofs": "export", "print_sheets": "print"}

    @property
    def ws(self) -> Workspace:
        return type(self).workspace

    def _back(self) -> str:
        return safe_path(request.form.get("back"), url_for(self.ws.endpoint("Review", "index")))

    @expose("/export", methods=["GET", "POST"])
    @has_access
    def export(self) -> Any:
        """Small exports download at once; large ones run in the background with a progress page. `set` picks a
        one-click field set of the workspace (the national file, the school's fields) instead of the columns."""
        ws = self.ws
        f, ids = selection(ws)
        cols = ws.chosen(params.settings(ws)["columns"])
        set_key = (request.values.get("set") or "")[:40] or None
        if set_key is not None and (ws.field_sets is None or set_key not in ws.field_sets.labels()):
            abort(404)
        if set_key:
            total = export.selected_count(f, g.user, ids, ws)
        else:
            total = len(ids) if ids is not None else query.count(f, g.user, ws)
        if total == 0:
            flash(_("Nothing to export: no records match."), "warning")
            return redirect(self._back())
        if total > export.SYNC_LIMIT:
            job = export.start_job(cols, f, g.user, ids, total, ws, set_key)
            return redirect(url_for(ws.endpoint("Export", "export_job"), job_id=job.id))
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - removed after sending
        handle.close()
        if set_key:
            export.write_set(handle.name, set_key, f, g.user, ids, ws=ws)
        else:
            export.write(handle.name, cols, f, g.user, ids, ws=ws)

        @after_this_request
        def _cleanup(response: Any) -> Any:
            Path(handle.name).unlink(missing_ok=True)
            return response

        return send_file(handle.name, mimetype=XLSX, as_attachment=True, download_name=export.filename(ws, set_key),
                         max_age=0)

    @expose("/proofs", methods=["GET", "POST"])
    @has_access
    def proofs(self) -> Any:
        """EMP-3: the proof files of the selection as one zip, streamed (folders per college and student)."""
        ws = self.ws
        if ws.field_sets is None or ws.field_sets.proofs is None:
            abort(404)
        f, ids = selection(ws)
        chunks = ws.field_sets.proofs(export.selected(f, g.user, ids, ws), g.user)
        response = Response(stream_with_context(chunks), mimetype="application/zip")
        name = _("Proof files %(what)s.zip", what=ws.title)
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def _own_job(self, job_id: int) -> ImportJob:
        job = db.session.get(ImportJob, job_id)
        if job is None or job.kind != export.KIND or job.created_by_id != g.user.id:
            abort(404)
        return job

    @expose("/export/<int:job_id>")
    @has_access
    def export_job(self, job_id: int) -> Any:
        job = self._own_job(job_id)
        return self.render_template(
            "review/export_job.html", title=_l("Export"), job=job, status=job_status(job),
            status_url=url_for(self.ws.endpoint("Export", "export_status"), job_id=job.id),
            download_url=url_for(self.ws.endpoint("Export", "export_download"), job_id=job.id))

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
        """XLS-3: printable pages of the selection (at most PRINT_LIMIT records); the browser prints or saves PDF."""
        ws = self.ws
        f, ids = selection(ws)
        id_stmt = query.base_select([], ws).where(*query.conditions(f, g.user, ws))
        if ids is not None:
            id_stmt = id_stmt.where(ws.model.id.in_(ids))
        if ws.per_graduate is not None:
            id_stmt = id_stmt.where(ws.model.id.isnot(None))  # a graduate with nothing registered has nothing to print
        wanted = [row.id for row in db.session.execute(
            id_stmt.order_by(*query.ordering("student_no", "asc", ws)).limit(PRINT_LIMIT + 1))]
        if len(wanted) > PRINT_LIMIT:
            flash(_("At most %(n)d sheets can be printed at once; narrow the list (for example to one major).",
                    n=PRINT_LIMIT), "warning")
            return redirect(self._back())
        return self.printed(wanted)

    def printed(self, ids: list[int]) -> Any:
        """The print page for these (scoped, ordered) ids: a list of the user's chosen columns, audited."""
        ws = self.ws
        cols = ws.chosen(params.settings(ws)["columns"])
        format_row = row_formatter(cols, can_see_full())
        rows = [format_row(row) for row in query.stream(cols, query.ReviewFilter(include_excluded=True), g.user,
                                                        ids=ids, ws=ws)] if ids else []
        audit.record(f"export.{ws.workflow.name}_print", ws.audit_type, "", rows=len(rows), ids=ids[:PRINT_LIMIT])
        db.session.commit()
        return self.render_template("review/print_list.html", title=ws.title, ws=ws, cols=cols, rows=rows)
