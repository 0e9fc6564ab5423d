"""AGR-2, the graduate's side (就业服务 → 网签协议书): answer invitations, start a request with an employer's credit
code, follow each agreement, confirm the stamped agreement. Never takes a graduate id from the URL or the form: rows
are the signed-in graduate's own, through the scope rule, so another student's ids answer 404."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import BY_EMPLOYER, Agreement
from app.scope import scope_clause
from app.services import signing_forms as forms
from app.services.agreements import live_agreement_of
from app.services.signing import signing_problem
from app.timeutil import local_display
from app.views import signing_common as common
from app.views.student import own_graduate

PERMISSION = "SigningStudentAgreements"
TRIGGERS = ("accept", "decline", "confirm_stamp", "resubmit", "cancel")
INVITATION_STATES = ("invited", "declined", "withdrawn", "expired")
DONE = {
    "accept": _l("You accepted the invitation: your college reviews the agreement next."),
    "decline": _l("You declined the invitation."),
    "confirm_stamp": _l("You confirmed the stamped agreement: the school confirms last and archives it."),
    "resubmit": _l("The agreement was resubmitted for review."),
    "cancel": _l("The agreement was cancelled."),
}


class StudentAgreementsView(BaseView):
    """One list (invitations, then agreements), one page per agreement, and the request form."""

    route_base = "/student/agreements"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {
        "index": "access", "detail": "access", "act": "access", "edit": "access", "new": "access", "send": "access"}
    default_view = "index"

    def _graduate(self) -> tuple[Any, Any]:
        graduate = own_graduate()
        if graduate is None:
            return None, self.render_template("student/no_record.html", title=_("Online agreement signing"))
        return graduate, None

    def _mine(self, graduate: Any) -> Any:
        return (Agreement.graduate_id == graduate.id) & scope_clause(Agreement, g.user)

    def _load(self, graduate: Any, agreement_id: int) -> Agreement:
        row = db.session.execute(select(Agreement).where(Agreement.id == agreement_id, self._mine(graduate))).scalar()
        if row is None:
            abort(404)
        return row

    def _start_problem(self, graduate: Any) -> Optional[str]:
        from app.services.agreements import other_live_agreement

        return signing_problem(graduate) or other_live_agreement(Agreement(graduate_id=graduate.id))

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        rows = db.session.execute(select(Agreement).where(self._mine(graduate))
                                  .order_by(Agreement.id.desc())).scalars().all()
        if common.expire_shown(rows, g.user):
            db.session.expire_all()
            rows = db.session.execute(select(Agreement).where(self._mine(graduate))
                                      .order_by(Agreement.id.desc())).scalars().all()
        invitations = [r for r in rows if r.started_by == BY_EMPLOYER and r.status in INVITATION_STATES]
        agreements = [r for r in rows if r not in invitations]
        return self.render_template(
            "signing/student_list.html", title=_("Online agreement signing"), graduate=graduate,
            invitations=invitations, agreements=agreements, live=live_agreement_of(graduate.id),
            start_problem=self._start_problem(graduate), local=local_display, **common.page_context(None, "graduate"))

    def _page(self, graduate: Any, row: Agreement, typed: Optional[dict[str, str]] = None,
              errors: Optional[dict[str, str]] = None, status: int = 200) -> Any:
        if common.expire_shown([row], g.user):
            db.session.expire_all()
            row = self._load(graduate, row.id)
        page = self.render_template(
            "signing/student_detail.html", title=_("Tripartite agreement"), graduate=graduate, row=row,
            buttons=common.buttons(row, g.user, TRIGGERS), steps=common.steps(row), levels=common.levels(row),
            terms_shown=common.terms_shown(row), edit_problem=forms.edit_problem(row, g.user),
            values=typed if typed is not None else forms.values_of(row), errors=errors or {}, with_expiry=False,
            local=local_display, **common.page_context(row, "graduate"))
        return (page, status) if status != 200 else page

    @expose("/<int:agreement_id>", methods=["GET"])
    @has_access
    def detail(self, agreement_id: int) -> Any:
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        return self._page(graduate, self._load(graduate, agreement_id))

    @expose("/<int:agreement_id>/act", methods=["POST"])
    @has_access
    def act(self, agreement_id: int) -> Any:
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        row = self._load(graduate, agreement_id)
        back = url_for("StudentAgreementsView.detail", agreement_id=row.id)
        return common.act_posted(row, TRIGGERS, DONE, back)

    @expose("/<int:agreement_id>/edit", methods=["POST"])
    @has_access
    def edit(self, agreement_id: int) -> Any:
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        row = self._load(graduate, agreement_id)
        back = url_for("StudentAgreementsView.detail", agreement_id=row.id)
        return common.edit_posted(row, _("The terms were changed; the employer was told."), back,
                                  lambda values, errors: self._page(graduate, row, values, errors, 422))

    def _form(self, graduate: Any, typed: dict[str, str], errors: dict[str, str], employer: Any = None,
              status: int = 200) -> Any:
        page = self.render_template(
            "signing/request.html", title=_("Start an agreement with an employer"), graduate=graduate,
            values=typed, errors=errors, employer=employer, start_problem=self._start_problem(graduate),
            with_expiry=False, **common.page_context(None, "graduate"))
        return (page, status) if status != 200 else page

    @expose("/new", methods=["GET"])
    @has_access
    def new(self) -> Any:
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        return self._form(graduate, {}, {})

    @expose("/new", methods=["POST"])
    @has_access
    def send(self) -> Any:
        """“Look up” shows which employer the code names; “Send” creates the request for it to confirm."""
        graduate, refusal = self._graduate()
        if refusal is not None:
            return refusal
        typed = dict(request.form.items())
        if request.form.get("action") == "check":
            errors: dict[str, str] = {}
            employer = forms.find_employer(request.form, g.user, errors)
            return self._form(graduate, typed, errors, employer, 422 if errors else 200)
        try:
            row = forms.request(graduate, request.form, g.user)
        except forms.FormRefused as refused:
            flash(refused.errors.get("form") or _("Nothing was sent: correct the fields marked in red."), "danger")
            return self._form(graduate, typed, refused.errors, None, 422)
        flash(_("Your request was sent to %(employer)s: it confirms or refuses it.", employer=row.employer.name),
              "success")
        return redirect(url_for("StudentAgreementsView.detail", agreement_id=row.id))
