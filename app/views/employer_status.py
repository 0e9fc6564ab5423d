"""AGR-7: /employer/status/ — an employer account sees the state of its registration (awaiting approval, refused
with the school's reason, approved) and corrects its data; a refused employer asks again through the workflow. Until
the school approves, this page is all an employer account reaches (the gate below)."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models.employer import APPROVED, EMPLOYER_STATUSES, PENDING, REFUSED
from app.security.errors import optional_int
from app.services import employer_registration as registration
from app.services.reference import division_full_name
from app.timeutil import local_display
from app.views.employer_forms import EmployerDataForm
from app.workflows.employer_registration import EMPLOYER_REGISTRATION
from app.workflows.engine import fire, why_not

# what an employer account awaiting approval may still open: this page, signing out, its password and profile,
# the language, its messages (the school's decision arrives there)
OPEN_BEFORE_APPROVAL = frozenset({"EmployerStatusView", "GemsAuthDBView", "ChangePasswordView", "ProfileView",
                                  "LocaleView", "InboxView", "UtilView", "EmployerSignupView", "GemsSecurityApi"})
OPEN_ENDPOINTS = frozenset({"static", "appbuilder.static"})


def _gate() -> Optional[Any]:
    """Before every request: an employer account whose employer is not approved is sent to its status page."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False) or not registration.is_employer_account(user):
        return None
    endpoint = request.endpoint or ""
    if endpoint in OPEN_ENDPOINTS or endpoint.split(".")[0] in OPEN_BEFORE_APPROVAL:
        return None
    if registration.approved_employer(user) is not None:
        return None
    if request.path.startswith("/api/"):
        return jsonify(message=_("Your employer's registration has not been approved yet.")), 403
    return redirect(url_for("EmployerStatusView.index"))


def install_gate(app: Any) -> None:
    """Once per app (register() runs once per app)."""
    if _gate not in app.before_request_funcs.setdefault(None, []):
        app.before_request(_gate)


class EmployerStatusView(BaseView):
    """The employer's own registration: its state, the school's reason, the correction and the new request."""

    route_base = "/employer/status"
    class_permission_name = "EmployerStatus"
    base_permissions: ClassVar[list[str]] = ["can_access"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "correct": "access"}
    default_view = "index"

    def _employer(self) -> Any:
        employer = registration.employer_of(g.user)
        if employer is None:
            abort(404)
        return employer

    def _page(self, employer: Any, form: Optional[EmployerDataForm] = None, status: int = 200) -> Any:
        editable = employer.status in (PENDING, REFUSED)
        if form is None and editable:
            form = EmployerDataForm(formdata=None)
            form.offer_choices(employer.nature_id, employer.industry_id)
            form.fill_from(employer)
        resubmit_why = why_not(EMPLOYER_REGISTRATION, "resubmit", employer, g.user)
        return self.render_template(
            "employer/status.html", title=_("My employer's registration"), employer=employer, form=form,
            editable=editable, labels=EMPLOYER_STATUSES, resubmit_why=resubmit_why, approved=employer.status == APPROVED,
            region=division_full_name(employer.region_code), when=local_display,
            data_fields=EmployerDataForm.DATA_FIELDS), status

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        if registration.employer_of(g.user) is None:
            return self.render_template("employer/status.html", title=_("My employer's registration"),
                                        employer=None, labels=EMPLOYER_STATUSES)
        return self._page(self._employer())

    @expose("/correct", methods=["POST"])
    @has_access
    def correct(self) -> Any:
        """Save the corrected data; with "ask again", a refused registration goes back to the school."""
        employer = self._employer()
        if employer.status not in (PENDING, REFUSED):
            flash(_("The registration is decided; ask the school's employment office to change your data."), "warning")
            return redirect(url_for("EmployerStatusView.index"))
        form = EmployerDataForm()
        form.offer_choices(employer.nature_id, employer.industry_id)
        if not form.validate():
            return self._page(employer, form, 422)
        version = optional_int(request.form.get("version"))
        try:
            saved = registration.correct(employer.id, form.data_of(), version)
        except registration.Refused as exc:
            db.session.rollback()
            form.credit_code.errors = [*form.credit_code.errors, *exc.errors.values()]
            return self._page(employer, form, 422)
        if not saved:
            db.session.rollback()
            flash(_("Someone else changed this record since you opened it; reload and try again."), "warning")
            return redirect(url_for("EmployerStatusView.index"))
        if request.form.get("action") == "resubmit":
            result = fire(EMPLOYER_REGISTRATION, "resubmit", employer.id, g.user, commit=False)
            if not result.ok:
                db.session.rollback()
                flash(result.reason or "", "warning")
                return redirect(url_for("EmployerStatusView.index"))
            db.session.commit()
            flash(_("Your corrections were saved and the registration awaits the school's approval again."), "success")
        else:
            db.session.commit()
            flash(_("Your corrections were saved."), "success")
        return redirect(url_for("EmployerStatusView.index"))
