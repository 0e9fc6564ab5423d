"""REG-1 screens: import the registry (template, upload, progress, errors), the read-only registry, import history."""
# ruff: noqa: RUF012 - FAB views are configured through mutable class attributes
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.formatters import coded, yes_no
from app.models.org import Cohort
from app.models.registry import ImportJob, RegistryRecord
from app.scope import scope_clause
from app.security.errors import bounded_int
from app.security.pii import show_id
from app.security.redirects import own_path
from app.services import audit
from app.services.import_jobs import (
    REGISTRY_KIND,
    STATE_LABELS,
    corrected_file,
    create_job,
    job_status,
    report_file,
    start_job,
)
from app.services.registry_columns import registry_template
from app.services.registry_rules import EXCLUSION_REASONS, STUDENT_CATEGORIES
from app.timeutil import local_display
from app.validation import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
)
from app.views.base import ScopedModelView, interface

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROUTE = "/registry-import"


class RegistryRecordModelView(ScopedModelView):
    """The imported registry, read-only: school sees all, a college its subtree; ID numbers masked (X-3)."""

    datamodel = interface(RegistryRecord)
    class_permission_name = "RegistryRecords"
    route_base = "/registry"
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Student registry")
    show_title = _l("Registry record")
    label_columns = {
        "cohort": _l("Cohort"), "department": _l("Department"), "student_no": _l("Student number"),
        "id_number": _l("ID number"), "name": _l("Full name"), "gender": _l("Gender"), "birth_date": _l("Date of birth"),
        "ethnicity": _l("Ethnicity"), "political_status": _l("Political status"),
        "student_category": _l("Student category"), "origin": _l("Place of origin"),
        "origin_code": _l("Origin code"), "exam_no": _l("Examination number"), "major_code": _l("Major code"),
        "major_name": _l("Major name"), "education_level": _l("Education level"),
        "schooling_length": _l("Length of schooling"), "training_mode": _l("Training mode"),
        "training_unit": _l("Directed or entrusted unit"), "enrolment_date": _l("Enrolment date"),
        "graduation_date": _l("Graduation date"), "included": _l("Reported"),
        "exclusion_reason": _l("Reason for not reporting"), "updated_at": _l("Last imported"),
    }
    list_columns = ["student_no", "name", "gender", "id_number", "department", "major_name", "education_level",
                    "included", "exclusion_reason", "cohort"]
    show_columns = ["cohort", "department", "student_no", "id_number", "name", "gender", "birth_date", "ethnicity",
                    "political_status", "student_category", "origin", "origin_code", "exam_no", "major_code",
                    "major_name", "education_level", "schooling_length", "training_mode", "training_unit",
                    "enrolment_date", "graduation_date", "included", "exclusion_reason", "updated_at"]
    # no search or sort on the ID number (masked); student number and name are searchable.
    search_columns = ["cohort", "department", "included", "student_no", "name"]
    order_columns = ["student_no", "name"]
    base_order = ("student_no", "asc")
    formatters_columns = {
        "id_number": show_id,
        "gender": coded(GENDERS),
        "ethnicity": coded(ETHNICITIES),
        "political_status": coded(POLITICAL_STATUSES),
        "education_level": coded(EDUCATION_LEVELS),
        "schooling_length": coded(SCHOOLING_LENGTHS),
        "training_mode": coded(TRAINING_MODES),
        "student_category": coded(STUDENT_CATEGORIES),
        "included": yes_no,
        "exclusion_reason": coded(EXCLUSION_REASONS),
        "updated_at": local_display,
    }


JOB_KINDS = {REGISTRY_KIND: _l("Registry import"), "export": _l("Export")}


def _job_link(value: Any) -> Markup:
    """Registry imports link to their result page (the row is already in the session: no extra query)."""
    job = db.session.get(ImportJob, value)
    if job is None or job.kind != REGISTRY_KIND:
        return Markup("#%s") % value
    return Markup('<a href="%s">#%s</a>') % (url_for("RegistryImportView.job", job_id=value), value)


class ImportJobModelView(ScopedModelView):
    """Import history for central roles: who imported which file when, with what outcome."""

    datamodel = interface(ImportJob)
    class_permission_name = "ImportJobs"
    route_base = "/import-jobs"
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Import history")
    show_title = _l("Import record")
    label_columns = {
        "id": _l("Import no."), "created_at": _l("Started"), "finished_at": _l("Finished at"),
        "filename": _l("File"), "cohort": _l("Cohort"), "state": _l("Result"), "added": _l("Added"),
        "updated": _l("Updated"), "unchanged": _l("Unchanged"), "error_count": _l("Errors"),
        "message": _l("Message"), "total": _l("Rows"), "kind": _l("Type"),
    }
    list_columns = ["id", "kind", "created_at", "filename", "cohort", "state", "added", "updated", "unchanged",
                    "error_count"]
    show_columns = ["id", "kind", "created_at", "finished_at", "filename", "cohort", "state", "total", "added",
                    "updated", "unchanged", "error_count", "message"]
    search_columns = ["cohort", "filename"]
    order_columns = ["id", "created_at"]
    base_order = ("id", "desc")
    formatters_columns = {"id": _job_link, "state": lambda value: str(STATE_LABELS.get(value, value)),
                          "kind": lambda value: str(JOB_KINDS.get(value, value)),
                          "created_at": local_display, "finished_at": local_display}


def _visible_job(job_id: int) -> ImportJob:
    """The job if the user is its creator or holds a central role (scope), else 404."""
    user = g.user
    job = db.session.execute(select(ImportJob).where(
        ImportJob.id == job_id, ImportJob.kind == REGISTRY_KIND,
        or_(scope_clause(ImportJob, user), ImportJob.created_by_id == user.id))
    ).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


def _cohorts() -> list[Cohort]:
    """Cohorts for the upload form, newest first."""
    return list(db.session.execute(select(Cohort).order_by(Cohort.year.desc())).scalars())


class RegistryImportView(BaseView):
    """Upload a cohort's registry file and follow the import; school users (and admins) only."""

    route_base = ROUTE
    class_permission_name = "RegistryImport"
    default_view = "form"
    method_permission_name = dict.fromkeys(("form", "upload", "template", "job", "status", "report", "corrected"),
                                           "import")

    def _form(self, status: int = 200, message: str | None = None) -> Any:
        """The upload page with the recent imports and an optional message."""
        recent = db.session.execute(select(ImportJob).where(scope_clause(ImportJob, g.user),
                                                            ImportJob.kind == REGISTRY_KIND)
                                    .order_by(ImportJob.id.desc()).limit(10)).scalars().all()
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return self.render_template("registry/upload.html", cohorts=_cohorts(), recent=recent, message=message,
                                    states=STATE_LABELS, limit_mb=limit_mb, title=_("Import registry")), status

    @expose("/")
    @has_access
    def form(self) -> Any:
        """The upload page."""
        return self._form()

    @expose("/template")
    @has_access
    def template(self) -> Any:
        """Download the import template."""
        return send_file(io.BytesIO(registry_template()), mimetype=XLSX, as_attachment=True,
                         download_name=_("registry-import-template.xlsx"))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self) -> Any:
        """Store the file as a job and start the import; then show the job's page."""
        try:
            upload = request.files.get("file")
            cohort_id = request.form.get("cohort", type=bounded_int)
        except RequestEntityTooLarge:
            return self._form(413, too_large_message())
        cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
        if cohort is None:
            return self._form(400, _("Choose the cohort (graduation year) the file belongs to."))
        if upload is None or not upload.filename:
            return self._form(400, _("Choose the registry file (.xlsx, .xls, .ods or .csv) to import."))
        job = create_job(upload.stream, cohort, Path(upload.filename).name, g.user.id)
        start_job(job.id, audit.current_actor())
        return redirect(url_for("RegistryImportView.job", job_id=job.id))

    @expose("/job/<int:job_id>")
    @has_access
    def job(self, job_id: int) -> Any:
        """A job's progress, or its outcome with the errors."""
        job = _visible_job(job_id)
        errors = json.loads(job.errors_json or "[]")
        return self.render_template("registry/job.html", job=job, status=job_status(job), errors=errors,
                                    has_report=report_file(job) is not None,
                                    has_corrected=corrected_file(job) is not None, title=_("Registry import"))

    @expose("/job/<int:job_id>/status")
    @has_access
    def status(self, job_id: int) -> Any:
        """The JSON the job page polls."""
        return jsonify(job_status(_visible_job(job_id)))

    @expose("/job/<int:job_id>/report")
    @has_access
    def report(self, job_id: int) -> Any:
        """The rejected rows with their errors, for the job's creator or central roles."""
        return _download(report_file(_visible_job(job_id)), _("registry-import-%(id)d-errors.xlsx", id=job_id))

    @expose("/job/<int:job_id>/corrected")
    @has_access
    def corrected(self, job_id: int) -> Any:
        """The whole file with every suggested fix applied and marked, to check and upload again."""
        return _download(corrected_file(_visible_job(job_id)),
                         _("registry-import-%(id)d-corrected.xlsx", id=job_id))


def _download(path: Any, name: str) -> Any:
    """A job's spreadsheet as an attachment; 404 while the job has none."""
    if path is None:
        abort(404)
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)


def too_large_message() -> str:
    """What to do when a file exceeds MAX_CONTENT_LENGTH, with the limit in MB."""
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
    return _("The file is larger than the upload limit of %(mb)d MB. Split it into smaller files (for example "
             "by department) and import them one after another.", mb=int(limit))


def _too_large(error: RequestEntityTooLarge) -> Any:
    """A friendly 413 page instead of the server's bare error, whichever upload form caused it."""
    message = too_large_message()
    if request.path.startswith("/api/"):
        from app.views.error_pages import render_error

        return render_error(413, message)
    try:
        back = own_path(request.referrer, "") or None
        body = render_template("registry/too_large.html", message=message, back=back,
                               appbuilder=current_app.appbuilder)
    except Exception:  # noqa: BLE001 - never fail while reporting a failure
        body = f"<p>{escape(message)}</p>"
    return body, 413


def register_upload_limit() -> None:
    """Install the friendly 413 handler (MAX_CONTENT_LENGTH) on the app being built."""
    current_app.register_error_handler(RequestEntityTooLarge, _too_large)
