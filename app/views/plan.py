"""PLAN-1: 就业方案锁定 — per cohort, who confirmed, who reported an error, who did not (each a link to the review
list); the unconfirmed as an Excel sheet for signatures; lock (the school), unlock with a reason (the admin)."""
from __future__ import annotations

import io
from typing import Any, ClassVar, Optional
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.excel.writer import write_workbook
from app.extensions import db
from app.models.org import Cohort
from app.models.plan import CONFIRMATION_STATES, CONFIRMED, ERROR, NONE
from app.services import audit, plan
from app.services.dashboard import current_cohort
from app.timeutil import local_display

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REVIEW_LIST = "/review/destination/"


def review_link(**args: Any) -> str:
    """The destination review list filtered to what a number counts (the workspace reads these query params)."""
    return REVIEW_LIST + "?" + urlencode({k: v for k, v in args.items() if v not in (None, "")})


def chosen_cohort() -> Optional[Cohort]:
    """The cohort named by ?cohort=<id>, else the current one (cohorts are reference data every user reads)."""
    raw = request.values.get("cohort", "")
    if raw:
        row = db.session.get(Cohort, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if row is None:
            abort(404)
        return row
    return current_cohort()


def cohorts() -> list[Cohort]:
    return list(db.session.execute(select(Cohort).order_by(Cohort.year.desc())).scalars())


class PlanLockView(BaseView):
    route_base = "/plan/lock"
    class_permission_name = "PlanLock"
    base_permissions = ["can_show", "can_lock", "can_unlock", "can_export"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "show", "lock": "lock", "unlock": "unlock",
                                                         "export": "export"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        cohort = chosen_cohort()
        if cohort is None:
            abort(404)
        counts = plan.counts(cohort, g.user)
        links = {state: review_link(cohort=cohort.id, confirmation=state) for state in (CONFIRMED, ERROR, NONE)}
        return self.render_template(
            "plan/lock.html", title=_("Employment plan lock"), cohort=cohort, cohorts=cohorts(), counts=counts,
            links=links, states=CONFIRMATION_STATES, waiting=plan.awaiting_archive(cohort),
            history=plan.history(cohort), local_display=local_display,
            may_lock=self.appbuilder.sm.has_access("can_lock", self.class_permission_name),
            may_unlock=self.appbuilder.sm.has_access("can_unlock", self.class_permission_name))

    def _cohort_from_form(self) -> Cohort:
        raw = request.form.get("cohort", "")
        row = db.session.get(Cohort, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if row is None:
            abort(404)
        return row

    @expose("/lock", methods=["POST"])
    @has_access
    def lock(self) -> Any:
        cohort = self._cohort_from_form()
        counts = plan.counts(cohort, g.user)
        if counts.none + counts.error and request.form.get("acknowledge") != "1":
            flash(_("%(n)d graduate(s) have not confirmed their plan entry. Tick the box to confirm that you hold "
                    "their signed sheets, then lock.", n=counts.none + counts.error), "warning")
            return redirect(url_for("PlanLockView.index", cohort=cohort.id))
        try:
            plan.lock(cohort, g.user)
        except plan.PlanRefused as refused:
            db.session.rollback()
            flash(str(refused), "danger")
            return redirect(url_for("PlanLockView.index", cohort=cohort.id))
        flash(_("The employment plan of %(cohort)s is locked: destinations can no longer be changed.",
                cohort=cohort.name), "success")
        return redirect(url_for("PlanLockView.index", cohort=cohort.id))

    @expose("/unlock", methods=["POST"])
    @has_access
    def unlock(self) -> Any:
        cohort = self._cohort_from_form()
        try:
            plan.unlock(cohort, g.user, request.form.get("reason", ""))
        except plan.PlanRefused as refused:
            db.session.rollback()
            flash(str(refused), "danger")
            return redirect(url_for("PlanLockView.index", cohort=cohort.id))
        flash(_("The employment plan of %(cohort)s is unlocked.", cohort=cohort.name), "success")
        return redirect(url_for("PlanLockView.index", cohort=cohort.id))

    @expose("/export", methods=["GET"])
    @has_access
    def export(self) -> Any:
        """The graduates who have not confirmed, one row each with room for a signature (Chinese headers)."""
        cohort = chosen_cohort()
        if cohort is None:
            abort(404)
        buffer = io.BytesIO()
        written = write_workbook(buffer, headers=plan.EXPORT_HEADERS, rows=plan.unconfirmed_rows(cohort, g.user),
                                 title="未确认名单")
        audit.record("plan.unconfirmed_exported", "cohort", cohort.id, rows=written)
        db.session.commit()
        buffer.seek(0)
        return send_file(buffer, mimetype=XLSX, as_attachment=True,
                         download_name=f"{cohort.name}就业方案未确认名单.xlsx")
