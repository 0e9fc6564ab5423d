"""AGR-7 / AGR-5: /review/employer-registration/ — the school's review of employer registrations (pending first,
filtered by status), approved or refused (with a reason) one by one and as a batch through the engine, each row with
its identity check against the verified-unit register; the employer's page also manages its accounts."""
from __future__ import annotations

from typing import Any, ClassVar, Optional
from urllib.parse import urlencode

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.models.employer import APPROVED, EMPLOYER_STATUSES, MERGED, PENDING, REFUSED, Employer
from app.scope import scope_clause
from app.security.errors import int_list, optional_int
from app.security.pii import show_phone
from app.services.employer_register import identities_of, identity_label
from app.services.reference import division_full_name
from app.timeutil import local_display
from app.views.employer_accounts import accounts_context, add_account, toggle_account
from app.views.employer_forms import AccountForm
from app.workflows.employer_registration import EMPLOYER_REGISTRATION
from app.workflows.engine import WorkflowError, fire_many, why_not

PAGE_SIZE = 50
MAX_REMARK = 500
DECISIONS = ("approve", "refuse")
ORDER = case((Employer.status == PENDING, 0), (Employer.status == REFUSED, 1), (Employer.status == APPROVED, 2),
             else_=3)


def _listed(status: Optional[str], query: str, page: int, user: Any) -> tuple[list[Employer], int]:
    """Employers in the reviewer's scope, pending first, then refused, approved, merged; newest first within."""
    clauses = [scope_clause(Employer, user)]
    if status in EMPLOYER_STATUSES:
        clauses.append(Employer.status == status)
    text = " ".join(query.split())[:60]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(or_(Employer.name.like(f"%{escaped}%", escape="\\"), Employer.credit_code == text.upper()))
    total = db.session.execute(select(func.count()).select_from(Employer).where(*clauses)).scalar_one()
    rows = db.session.execute(select(Employer).where(*clauses)
                              .order_by(ORDER, Employer.created_at.desc(), Employer.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars().all()
    return list(rows), total


def _counts(user: Any) -> dict[str, int]:
    rows = db.session.execute(select(Employer.status, func.count()).where(scope_clause(Employer, user))
                              .group_by(Employer.status)).all()
    return dict(rows)


def _buttons(employer: Employer) -> list[tuple[str, str, Optional[str]]]:
    """(trigger, label, why it is disabled) for the record page; the engine's why_not decides."""
    return [(t, str(EMPLOYER_REGISTRATION.transitions[t].label), why_not(EMPLOYER_REGISTRATION, t, employer, g.user))
            for t in DECISIONS]


class EmployerRegistrationReviewView(BaseView):
    """用人单位注册审核: the list with batch decisions, the employer's page with its accounts."""

    route_base = "/review/employer-registration"
    class_permission_name = "EmployerRegistrationReview"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_decide", "can_add", "can_edit"]
    method_permission_name: ClassVar[dict[str, str]] = {
        "index": "list", "detail": "show", "decide": "decide", "add_account": "add", "account_active": "edit"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        status = request.args.get("status") if request.args.get("status") in EMPLOYER_STATUSES else None
        query = (request.args.get("q") or "")[:100]
        page = max(optional_int(request.args.get("page")) or 1, 1)
        rows, total = _listed(status, query, page, g.user)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        identities = identities_of(rows)
        single_why = {e.id: why_not(EMPLOYER_REGISTRATION, "approve", e, g.user) for e in rows}

        def link(**changes: Any) -> str:
            args = {"status": status, "q": query, "page": page, **changes}
            return "?" + urlencode({k: v for k, v in args.items() if v not in (None, "") and (k, v) != ("page", 1)})

        return self.render_template(
            "employer/review_list.html", title=_("Employer registrations"), rows=rows, total=total, page=min(page, pages),
            pages=pages, status=status, query=query, labels=EMPLOYER_STATUSES, counts=_counts(g.user),
            identities=identities, identity_label=identity_label, single_why=single_why, link=link, when=local_display,
            region=division_full_name, phone=show_phone,
            may_decide=self.appbuilder.sm.has_access("can_decide", self.class_permission_name))

    @expose("/decide", methods=["POST"])
    @has_access
    def decide(self) -> Any:
        """Approve or refuse the ticked registrations (or the one whose row button was pressed) through the engine."""
        decision = request.values.get("decision")
        single = optional_int(request.form.get("single"))
        ids = [single] if single is not None else int_list(request.form.getlist("ids"))
        back = request.form.get("back") or ""
        target = url_for("EmployerRegistrationReviewView.index") + (back if back.startswith("?") else "")
        if single is not None and request.form.get("from") == "detail":
            target = url_for("EmployerRegistrationReviewView.detail", employer_id=single)
        remark = (request.form.get("remark") or "").strip()
        if decision not in DECISIONS:
            flash(_("Choose an action."), "warning")
            return redirect(target)
        if not ids:
            flash(_("Tick at least one registration."), "warning")
            return redirect(target)
        if len(remark) > MAX_REMARK:
            flash(_("The reason may have at most %(n)d characters.", n=MAX_REMARK), "warning")
            return redirect(target)
        versions = {i: optional_int(request.form.get(f"version-{i}")) for i in ids}
        try:
            result = fire_many(EMPLOYER_REGISTRATION, decision, ids, g.user, remark,
                               expected_versions={i: v for i, v in versions.items() if v is not None})
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
            return redirect(target)
        label = str(EMPLOYER_REGISTRATION.transitions[decision].label)
        if result.done:
            flash(_("%(action)s: %(n)d registration(s).", action=label, n=len(result.done)), "success")
        names = dict(db.session.execute(select(Employer.id, Employer.name).where(
            Employer.id.in_([r.id for r in result.skipped]), scope_clause(Employer, g.user))).all())
        for skipped in result.skipped:
            flash(_("%(name)s was not changed: %(reason)s", name=names.get(skipped.id, f"#{skipped.id}"),
                    reason=skipped.reason), "warning")
        return redirect(target)

    def _employer(self, employer_id: int) -> Employer:
        employer = db.session.execute(select(Employer).where(
            Employer.id == employer_id, scope_clause(Employer, g.user))).scalar_one_or_none()
        if employer is None:
            abort(404)
        return employer

    def _detail(self, employer: Employer, form: Optional[AccountForm] = None, status: int = 200) -> Any:
        identity = identities_of([employer])[employer.id]
        add_why = _("A merged employer is kept only for history; add accounts to the employer it was merged "
                    "into.") if employer.status == MERGED else None
        return self.render_template(
            "employer/review_detail.html", title=employer.name, e=employer, labels=EMPLOYER_STATUSES,
            identity=identity, identity_text=identity_label(identity), buttons=_buttons(employer),
            region=division_full_name(employer.region_code), phone=show_phone, add_why=add_why,
            add_url=url_for("EmployerRegistrationReviewView.add_account", employer_id=employer.id),
            toggle_endpoint="EmployerRegistrationReviewView.account_active", toggle_args={"employer_id": employer.id},
            may_decide=self.appbuilder.sm.has_access("can_decide", self.class_permission_name),
            **accounts_context(employer, form)), status

    @expose("/<int:employer_id>", methods=["GET"])
    @has_access
    def detail(self, employer_id: int) -> Any:
        return self._detail(self._employer(employer_id))

    @expose("/<int:employer_id>/accounts/add", methods=["POST"])
    @has_access
    def add_account(self, employer_id: int) -> Any:
        employer = self._employer(employer_id)
        back = url_for("EmployerRegistrationReviewView.detail", employer_id=employer.id)
        return add_account(self, employer, back, lambda form, status: self._detail(employer, form, status))

    @expose("/<int:employer_id>/accounts/<int:user_id>/active", methods=["POST"])
    @has_access
    def account_active(self, employer_id: int, user_id: int) -> Any:
        employer = self._employer(employer_id)
        return toggle_account(employer, user_id, url_for("EmployerRegistrationReviewView.detail",
                                                         employer_id=employer.id))
