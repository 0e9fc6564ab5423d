"""APV-1: 就业服务 → 省外就业申请 — the graduate applies for out-of-province employment (employer, credit code if
known, work location, explanation, evidence), follows the decision in words, withdraws while it waits; once approved,
enters the other province's agreement. Never takes a graduate id from the URL."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import OUTSIDE, SIGNING_MODES, OutOfProvinceApplication
from app.services import entered_agreements as entries
from app.services import uploads
from app.services.reference import division_full_name
from app.services.signing import approved_application, outside_entry_problem, source_problem, status_of
from app.timeutil import local_display
from app.views.offline_entry import incoming
from app.views.student import own_graduate
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import why_not
from app.workflows.out_of_province import APPROVED, OUT_OF_PROVINCE, REJECTED, SUBMITTED, WITHDRAWN

PERMISSION = "StudentOutOfProvince"
NEXT_STEP = {
    SUBMITTED: _l("Your application is waiting for the school's review. You may withdraw it until it is decided."),
    APPROVED: _l("The school approved your out-of-province employment: in-province signing is locked. Enter the "
                 "out-of-province agreement (its number is the other province's) so the school can archive it."),
    REJECTED: _l("The school did not approve your application; read the remark. You may apply again."),
    WITHDRAWN: _l("You withdrew this application."),
}


class StudentOutOfProvinceView(BaseView):
    """One page: the applications and the form (GET /, POST /), withdrawing (POST /<id>/withdraw)."""

    route_base = "/student/out-of-province"
    class_permission_name = PERMISSION
    base_permissions: ClassVar[list[str]] = ["can_access"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "apply": "access", "withdraw": "access"}
    default_view = "index"

    def _page(self, graduate: Any, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              status: int = 200) -> Any:
        applications = entries.applications_of(graduate)
        live_outside = next((a for a in entries.entries_of(graduate) if a.kind == OUTSIDE and a.status not in (
            "cancelled", "declined", "withdrawn", "expired", "terminated")), None)
        page = self.render_template(
            "offline/out_of_province.html", title=_("Out-of-province employment"), graduate=graduate,
            applications=applications, evidence=entries.evidence_of([a.id for a in applications]),
            values=values or {}, errors=errors or {}, refusal=entries.application_problem(graduate),
            source_problem=source_problem(graduate), signing=status_of(graduate.id), modes=SIGNING_MODES,
            approved=approved_application(graduate.id), entry_problem=outside_entry_problem(graduate),
            live_outside=live_outside, state_label=OUT_OF_PROVINCE.label, agreement_label=AGREEMENT.label,
            next_step={k: str(v) for k, v in NEXT_STEP.items()}, region_name=division_full_name,
            withdraw_why={a.id: why_not(OUT_OF_PROVINCE, "withdraw", a, g.user) for a in applications
                          if a.status == SUBMITTED},
            local_display=local_display, max_files=uploads.MAX_FILES)
        return (page, status) if status != 200 else page

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html", title=_("Out-of-province employment"))
        return self._page(graduate)

    @expose("/", methods=["POST"])
    @has_access
    def apply(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html", title=_("Out-of-province employment")), 404
        typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
        try:
            entries.apply_out_of_province(graduate, request.form, incoming(), g.user)
        except uploads.UploadRefused as refused:
            db.session.rollback()
            return self._page(graduate, typed, {"evidence": refused.message}, 422)
        except entries.FormRefused as refused:
            db.session.rollback()
            if set(refused.errors) == {"form"}:
                flash(refused.errors["form"], "warning")
                return self._page(graduate, typed, {}, 422)
            flash(_("Nothing was sent: some entries cannot be stored. Correct the fields marked in red."), "danger")
            return self._page(graduate, typed, refused.errors, 422)
        flash(_("Your application was sent to the school for review."), "success")
        return redirect(url_for("StudentOutOfProvinceView.index"), code=303)

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, pk: int) -> Any:
        graduate = own_graduate()
        row = db.session.execute(select(OutOfProvinceApplication).where(
            OutOfProvinceApplication.id == pk, OutOfProvinceApplication.graduate_id == (graduate.id if graduate else -1))
        ).scalar_one_or_none()
        if row is None:
            abort(404)
        result = entries.withdraw(row, g.user)
        flash(_("Your application was withdrawn.") if result.ok else (result.reason or _("Not possible now.")),
              "info" if result.ok else "warning")
        return redirect(url_for("StudentOutOfProvinceView.index"), code=303)
