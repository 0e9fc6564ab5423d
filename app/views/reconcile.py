"""EMP-5 screens: upload the national system's destination export for a cohort, see the differences per graduate
with counts per kind, filter by kind, export to Excel. Runs are read through the scope rule (central roles)."""
# ruff: noqa: RUF012 - FAB views are configured through mutable class attributes
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import abort, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.models.org import Cohort
from app.security.errors import bounded_int, optional_int
from app.services import reconcile
from app.services.reconcile import KINDS, ReconcileRefused
from app.timeutil import local_display
from app.views.national import XLSX, cohorts


class ReconcileView(BaseView):
    """与全国系统核对: the upload form with recent runs, one run's differences, their export."""

    route_base = "/reconcile"
    class_permission_name = "Reconcile"
    default_view = "form"
    method_permission_name = dict.fromkeys(("form", "upload", "show", "export"), "import")
    base_permissions = ["can_import"]

    def _form(self, status: int = 200, messages: list[str] | None = None) -> Any:
        return self.render_template("national/reconcile_upload.html", title=_("Reconcile with the national system"),
                                    cohorts=cohorts(), runs=reconcile.recent_runs(g.user), kinds=KINDS,
                                    messages=messages or [], when=local_display), status

    @expose("/")
    @has_access
    def form(self) -> Any:
        return self._form()

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self) -> Any:
        try:
            upload = request.files.get("file")
            cohort_id = request.form.get("cohort", type=bounded_int)
        except RequestEntityTooLarge:
            return self._form(413, [_("The file is too large.")])
        cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
        if cohort is None:
            return self._form(400, [_("Choose the cohort the national file belongs to.")])
        if upload is None or not upload.filename:
            return self._form(400, [_("Choose the national system's destination export (.xlsx, .xls or .csv).")])
        filename = Path(upload.filename.replace("\\", "/")).name
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as fh:
            upload.save(fh)
            fh.seek(0)
            try:
                record = reconcile.run(fh, filename, cohort, g.user)
            except ReconcileRefused as exc:
                db.session.rollback()
                return self._form(400, exc.messages)
        return redirect(url_for("ReconcileView.show", run_id=record.id))

    def _run(self, run_id: int) -> Any:
        record = reconcile.visible_run(run_id, g.user)
        if record is None:
            abort(404)
        return record

    @expose("/run/<int:run_id>")
    @has_access
    def show(self, run_id: int) -> Any:
        record = self._run(run_id)
        kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
        page = max(optional_int(request.args.get("page")) or 1, 1)
        rows, total = reconcile.differences(record.id, kind, page)
        pages = max((total + reconcile.PAGE_SIZE - 1) // reconcile.PAGE_SIZE, 1)
        return self.render_template("national/reconcile_run.html", title=_("Reconciliation with the national system"),
                                    run=record, kinds=KINDS, kind=kind, rows=rows, total=total, page=min(page, pages),
                                    pages=pages, counts=record.counts, status_label=reconcile.status_label,
                                    when=local_display)

    @expose("/run/<int:run_id>/export")
    @has_access
    def export(self, run_id: int) -> Any:
        record = self._run(run_id)
        kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
        fh = tempfile.TemporaryFile()  # noqa: SIM115 - send_file streams and closes it
        reconcile.write_differences(fh, record, kind)
        fh.seek(0)
        name = _("Differences with the national system %(cohort)s.xlsx", cohort=record.cohort.name)
        return send_file(fh, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)
