"""AGR-7: several accounts per employer — /employer/accounts/ for an approved employer's own colleagues; the
school manages any employer's accounts from the registration review page (app.views.employer_review). Accounts are
read through the scope rule, so an employer account never sees or touches another employer's accounts."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.extensions import db
from app.services import employer_registration as registration
from app.timeutil import local_display
from app.views.employer_forms import AccountForm


def accounts_context(employer: Any, form: AccountForm | None = None) -> dict[str, Any]:
    """What the accounts panel shows: the employer's accounts (scoped) and the add form."""
    return {"employer": employer, "accounts": registration.accounts_of(employer.id, g.user),
            "account_form": form or AccountForm(formdata=None), "me": g.user.id, "when": local_display}


def add_account(view: Any, employer: Any, back: str, page: Any) -> Any:
    """Validate the add form, create the account, show its one-time password once (never stored in plain)."""
    form = AccountForm()
    if not form.validate():
        return page(form, 422)
    try:
        user, password = registration.add_account(g.user, employer, form.username.data.strip(),
                                                  form.full_name.data.strip(), form.phone.data or None)
        db.session.commit()
    except registration.Refused as exc:
        db.session.rollback()
        for key, message in exc.errors.items():
            field = getattr(form, key or "username")
            field.errors = [*field.errors, message]
        return page(form, 422)
    response = Response(view.render_template("employer/account_password.html", user=user, password=password,
                                             employer=employer, back=back, title=_("Account added")))
    response.headers["Cache-Control"] = "no-store"
    return response


def toggle_account(employer: Any, user_id: int, back: str) -> Any:
    """Disable (its sessions end at once) or re-enable one account of the employer."""
    active = request.form.get("active") == "1"
    try:
        user = registration.set_account_active(g.user, employer, user_id, active)
        db.session.commit()
    except LookupError:
        abort(404)
    except registration.Refused as exc:
        db.session.rollback()
        flash("；".join(exc.errors.values()), "warning")
        return redirect(back)
    flash(_("%(user)s is enabled again.", user=user.username) if active else
          _("%(user)s is disabled: it can no longer sign in.", user=user.username), "success")
    return redirect(back)


class EmployerAccountsView(BaseView):
    """An approved employer's accounts: add a colleague, disable or re-enable one (never one's own)."""

    route_base = "/employer/accounts"
    class_permission_name = "EmployerAccounts"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_add", "can_edit"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "add": "add", "toggle": "edit"}
    default_view = "index"

    def _employer(self) -> Any:
        employer = registration.approved_employer(g.user)
        if employer is None:
            abort(404)
        return employer

    def _page(self, form: AccountForm | None = None, status: int = 200) -> Any:
        employer = self._employer()
        return self.render_template("employer/accounts_page.html", title=_("My employer's accounts"),
                                    add_url=url_for("EmployerAccountsView.add"),
                                    toggle_endpoint="EmployerAccountsView.toggle",
                                    **accounts_context(employer, form)), status

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        return self._page()

    @expose("/add", methods=["POST"])
    @has_access
    def add(self) -> Any:
        return add_account(self, self._employer(), url_for("EmployerAccountsView.index"), self._page)

    @expose("/<int:user_id>/active", methods=["POST"])
    @has_access
    def toggle(self, user_id: int) -> Any:
        return toggle_account(self._employer(), user_id, url_for("EmployerAccountsView.index"))
