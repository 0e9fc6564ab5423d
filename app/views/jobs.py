"""我的任务: a user's background jobs (imports, exports) with state, progress, duration, result file and cancel."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.jobs import state as job_state
from app.models.registry import ImportJob
from app.services.import_jobs import job_status
from app.timeutil import utcnow

PAGE_SIZE = 50
KIND_LABELS = {"registry": _l("Registry import"), "export": _l("Export")}


def _duration(job: ImportJob) -> str:
    """Seconds or minutes from start to end (or to now while it runs)."""
    if job.created_at is None:
        return ""
    seconds = int(((job.finished_at or utcnow()) - job.created_at).total_seconds())
    if seconds < 60:
        return _("%(n)d s", n=seconds)
    return _("%(m)d min %(s)d s", m=seconds // 60, s=seconds % 60)


def _own(job_id: int) -> ImportJob:
    """The signed-in user's own job, else 404 (a result file is served to the one who asked for it only)."""
    job = db.session.execute(select(ImportJob).where(
        ImportJob.id == job_id, ImportJob.created_by_id == g.user.id)).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


class JobsView(BaseView):
    """Owner-only by construction: every query filters on the signed-in user's id."""

    route_base = "/jobs"
    class_permission_name = "MyJobs"
    base_permissions = ["can_list", "can_cancel"]
    method_permission_name = {"index": "list", "download": "list", "cancel": "cancel"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        jobs = db.session.execute(select(ImportJob).where(ImportJob.created_by_id == g.user.id)
                                  .order_by(ImportJob.id.desc()).limit(PAGE_SIZE)).scalars().all()
        rows = [(job, job_status(job), _duration(job)) for job in jobs]
        return self.render_template("jobs/index.html", rows=rows, kinds=KIND_LABELS, title=_l("My jobs"), page_size=PAGE_SIZE,
                                    expired=job_state.EXPIRED, cancelling=job_state.CANCELLING)

    @expose("/<int:job_id>/download")
    @has_access
    def download(self, job_id: int) -> Any:
        job = _own(job_id)
        if job.phase == job_state.EXPIRED or not job.report_path:
            flash(_("The result file of job %(id)d is no longer kept (files are deleted after %(days)g days); "
                    "start the job again.", id=job.id,
                    days=float(current_app.config.get("GEMS_JOB_FILES_DAYS", 7))), "warning")
            return redirect(url_for("JobsView.index"))
        root = Path(current_app.instance_path).resolve()
        path = (root / job.report_path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            abort(404)
        response = send_file(path, as_attachment=True, download_name=job.filename or path.name)
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:job_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, job_id: int) -> Any:
        job = _own(job_id)
        if job.state in job_state.FINISHED:
            flash(_("Job %(id)d has already finished; there is nothing to cancel.", id=job.id), "info")
        elif job_state.request_cancel(job) == "cancelled":
            flash(_("Job %(id)d was cancelled before it started.", id=job.id), "success")
        else:
            flash(_("Job %(id)d will stop at its next step; nothing it did is kept.", id=job.id), "info")
        return redirect(url_for("JobsView.index", **({"page": request.args["page"]} if "page" in request.args
                                                      else {})))
