"""AGR-2, the employer's side (单位专区): invite a graduate, follow its invitations and agreements, confirm or refuse a
graduate's request, withdraw or change an invitation, confirm the stamp. Only an approved employer acts; every row
is loaded through the scope rule and the employer's own id, so another employer's ids answer 404."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.services import signing_forms as forms
from app.timeutil import local_display, utcnow
from app.validation.codes import EDUCATION_LEVELS
from app.validation.idcard import mask_id
from app.views import signing_common as common
from app.workflows.agreement import INVITED, REQUESTED, STATES

TRIGGERS = ("confirm", "refuse", "withdraw", "stamp", "resubmit", "cancel")
PER_PAGE = 50
DONE = {
    "confirm": _l("You confirmed the graduate's request: the agreement goes to review."),
    "refuse": _l("You refused the graduate's request."),
    "withdraw": _l("The invitation was withdrawn."),
    "stamp": _l("You confirmed your stamp: the graduate confirms next, then the school."),
    "resubmit": _l("The agreement was resubmitted for review."),
    "cancel": _l("The agreement was cancelled."),
}
LEVELS = dict(EDUCATION_LEVELS)


def triggers_for(row: Agreement) -> tuple[str, ...]:
    """A graduate's request is answered by confirming or refusing it, not by cancelling it."""
    return tuple(t for t in TRIGGERS if not (t == "cancel" and row.status == REQUESTED))


class EmployerPages(BaseView):
    """The gate both employer screens share: an approved employer, or a page that says why not (403)."""

    def _gate(self) -> tuple[Any, Any]:
        problem = forms.employer_problem(g.user)
        if problem:
            page = self.render_template("signing/refused.html", title=_("Employer services"), message=problem)
            return None, (page, 403)
        return forms.employer_of(g.user), None


class EmployerAgreementsView(EmployerPages):
    """协议与邀约: the employer's own invitations and agreements, filterable by state, and each one's page."""

    route_base = "/employer/agreements"
    class_permission_name = "SigningEmployerAgreements"
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "detail": "show", "act": "decide",
                                                        "edit": "edit"}
    default_view = "index"

    def _mine(self, employer: Any) -> Any:
        return (Agreement.employer_id == employer.id) & scope_clause(Agreement, g.user)

    def _load(self, employer: Any, agreement_id: int) -> Agreement:
        row = db.session.execute(select(Agreement).where(Agreement.id == agreement_id, self._mine(employer))).scalar()
        if row is None:
            abort(404)
        return row

    def _expire_overdue(self, employer: Any) -> None:
        overdue = db.session.execute(select(Agreement).where(
            self._mine(employer), Agreement.status == INVITED, Agreement.expires_at < utcnow())).scalars().all()
        if common.expire_shown(overdue, g.user):
            db.session.expire_all()

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        wanted = [s for s in (request.args.get("status") or "").split(",") if s]
        unknown = [s for s in wanted if s not in STATES]
        if unknown:
            page = self.render_template("signing/refused.html", title=_("Agreements and invitations"),
                                        message=_("Unknown state: %(state)s.", state="、".join(unknown)))
            return page, 400
        self._expire_overdue(employer)
        counts = dict(db.session.execute(select(Agreement.status, func.count()).where(self._mine(employer))
                                         .group_by(Agreement.status)).all())
        query = select(Agreement).where(self._mine(employer))
        if wanted:
            query = query.where(Agreement.status.in_(wanted))
        name = " ".join((request.args.get("q") or "").split())[:64]
        if name:
            query = query.join(Graduate, Graduate.id == Agreement.graduate_id).where(Graduate.name.contains(name))
        total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        rows = db.session.execute(query.order_by(Agreement.id.desc()).offset((page - 1) * PER_PAGE)
                                  .limit(PER_PAGE)).scalars().all()
        return self.render_template(
            "signing/employer_list.html", title=_("Agreements and invitations"), employer=employer, rows=rows,
            counts=counts, states=STATES, wanted=wanted, q=name, page=page, pages=pages, total=total,
            local=local_display, **common.page_context(None, "employer"))

    def _page(self, employer: Any, row: Agreement, typed: Optional[dict[str, str]] = None,
              errors: Optional[dict[str, str]] = None, status: int = 200) -> Any:
        if common.expire_shown([row], g.user):
            db.session.expire_all()
            row = self._load(employer, row.id)
        graduate = row.graduate
        page = self.render_template(
            "signing/employer_detail.html", title=_("Agreement"), employer=employer, row=row, graduate=graduate,
            masked_id=mask_id(graduate.id_number), education=LEVELS.get(graduate.education_level, ""),
            buttons=common.buttons(row, g.user, triggers_for(row)), steps=common.steps(row), levels=common.levels(row),
            terms_shown=common.terms_shown(row), edit_problem=forms.edit_problem(row, g.user),
            values=typed if typed is not None else forms.values_of(row), errors=errors or {},
            with_expiry=row.status == INVITED, local=local_display, **common.page_context(row, "employer"))
        return (page, status) if status != 200 else page

    @expose("/<int:agreement_id>", methods=["GET"])
    @has_access
    def detail(self, agreement_id: int) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        return self._page(employer, self._load(employer, agreement_id))

    @expose("/<int:agreement_id>/act", methods=["POST"])
    @has_access
    def act(self, agreement_id: int) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        row = self._load(employer, agreement_id)
        back = url_for("EmployerAgreementsView.detail", agreement_id=row.id)
        return common.act_posted(row, triggers_for(row), DONE, back)

    @expose("/<int:agreement_id>/edit", methods=["POST"])
    @has_access
    def edit(self, agreement_id: int) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        row = self._load(employer, agreement_id)
        back = url_for("EmployerAgreementsView.detail", agreement_id=row.id)
        return common.edit_posted(row, _("The terms were changed; the graduate was told."), back,
                                  lambda values, errors: self._page(employer, row, values, errors, 422))


class EmployerInviteView(EmployerPages):
    """邀约毕业生: name and ID number of the graduate, the offer's terms and the answer-by day."""

    route_base = "/employer/invite"
    class_permission_name = "SigningEmployerInvite"
    method_permission_name: ClassVar[dict[str, str]] = {"form": "add", "send": "add"}
    default_view = "form"

    def _form(self, employer: Any, typed: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
        page = self.render_template("signing/invite.html", title=_("Invite a graduate"), employer=employer,
                                    values=typed, errors=errors, with_expiry=True,
                                    **common.page_context(None, "employer"))
        return (page, status) if status != 200 else page

    @expose("/", methods=["GET"])
    @has_access
    def form(self) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        return self._form(employer, forms.values_of(None), {})

    @expose("/", methods=["POST"])
    @has_access
    def send(self) -> Any:
        employer, refusal = self._gate()
        if refusal is not None:
            return refusal
        try:
            row = forms.invite(employer, request.form, g.user)
        except forms.FormRefused as refused:
            flash(refused.errors.get("graduate") or _("Nothing was sent: correct the fields marked in red."),
                  "danger")
            return self._form(employer, dict(request.form.items()), refused.errors, 422)
        flash(_("The invitation was sent: the graduate accepts or declines it by %(when)s.",
                when=local_display(row.expires_at)), "success")
        return redirect(url_for("EmployerAgreementsView.detail", agreement_id=row.id))
