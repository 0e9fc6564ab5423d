"""Login with captcha and lockout, forced and voluntary password change, profile, and the admin's account list."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import AuthDBView, SimpleFormView, UserDBModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from app.extensions import db
from app.models.user import User
from app.scope import scope_base_filters
from app.security import captcha, sessions
from app.security.admin_views import without_public_role
from app.security.errors import optional_int
from app.security.forms import ChangePasswordForm, LoginForm, NewPasswordForm, PolicyValidator, ProfileForm
from app.security.labels import permission_label, view_label
from app.security.passwords import POLICY_TEXT
from app.security.redirects import index_path, own_path
from app.services import accounts, lockout
from app.timeutil import local_display
from app.views.base import ScopedActionsMixin, ScopedRelationsMixin

CAPTCHA_FLAG = "gems_captcha_needed"
LAST_USERNAME = "gems_login_username"  # the name of the last refused attempt, shown again in the field
MAX_KEPT_USERNAME = 128  # LoginForm accepts no longer name


class GemsAuthDBView(AuthDBView):
    """FAB's DB login plus captcha after repeated failures, lockout messages and the forced password change."""

    login_template = "security/login.html"

    @expose("/login/", methods=["GET", "POST"])
    def login(self) -> Any:
        if g.user is not None and g.user.is_authenticated:
            return redirect(own_path(request.args.get("next"), index_path()))
        form = LoginForm()
        if form.validate_on_submit():
            return self._attempt(form)
        if not form.username.data:  # after a refused attempt the name is kept, so only the password is re-typed
            form.username.data = session.pop(LAST_USERNAME, "")
        return self.render_template(self.login_template, title=_("Sign in"), form=form, appbuilder=self.appbuilder,
                                    show_captcha=session.get(CAPTCHA_FLAG, False), policy=POLICY_TEXT)

    def _attempt(self, form: LoginForm) -> Any:
        next_url = own_path(request.args.get("next"), index_path())
        username = form.username.data
        session[LAST_USERNAME] = (username or "")[:MAX_KEPT_USERNAME]
        if session.get(CAPTCHA_FLAG) or lockout.captcha_required(username):
            session[CAPTCHA_FLAG] = True
            if not captcha.check(form.captcha.data):
                flash(_("The characters you entered do not match the picture. Enter the characters shown in the "
                        "new picture.") if form.captcha.data else _("Enter the characters shown in the picture."),
                      "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
        user = self.appbuilder.sm.auth_user_db(username, form.password.data)
        if not user:
            if g.get("gems_login_locked"):
                flash(_("Too many failed attempts: sign-in is locked for %(minutes)d minutes. "
                        "A reviewer or the administrator can unlock it earlier.",
                        minutes=current_app.config["GEMS_LOCKOUT_MINUTES"]), "danger")
            else:
                flash(_("Wrong user name or password."), "warning")
            if lockout.captcha_required(username):
                session[CAPTCHA_FLAG] = True
            return redirect(self.appbuilder.get_url_for_login_with(next_url))
        session.pop(CAPTCHA_FLAG, None)
        session.pop(LAST_USERNAME, None)
        login_user(user, remember=False)
        sessions.start(user)  # the server-side half of the sign-in; logout or a password change ends it
        if user.must_change_password:
            flash(_("Please set a new password before you continue."), "info")
            return redirect(url_for("ChangePasswordView.this_form_get"))
        return redirect(next_url)

    @expose("/logout/")
    def logout(self) -> Any:
        """Revoke this browser's session row first, so a copy of the cookie taken before logout is refused."""
        sessions.end_current()
        return super().logout()

    @expose("/captcha.png")
    def captcha_image(self) -> Response:
        response = Response(captcha.new_challenge(), mimetype="image/png")
        response.headers["Cache-Control"] = "no-store"
        return response


class ChangePasswordView(SimpleFormView):
    """A user changes their own password (forced at first login); the old password is required."""

    route_base = "/resetmypassword"
    class_permission_name = "ChangePassword"
    form = ChangePasswordForm
    form_title = _l("Change password")
    redirect_url = "/"

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self) -> Any:
        self._init_vars()
        form = self.form.refresh()
        if form.validate_on_submit():
            user = g.user
            if not check_password_hash(user.password or "", form.old_password.data):
                form.old_password.errors = [_("The current password is wrong.")]
            elif form.old_password.data == form.password.data:
                form.password.errors = [_("The new password must differ from the current one.")]
            else:
                accounts.set_password(user, form.password.data, must_change=False, reason="changed")
                db.session.commit()
                flash(_("Your password has been changed."), "info")
                return redirect(self.get_redirect())
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.form_template, title=self.form_title, widgets=widgets,
                                    appbuilder=self.appbuilder)


class AdminSetPasswordView(SimpleFormView):
    """The admin types a new password for an account; the user must change it at next login."""

    route_base = "/resetpassword"
    form = NewPasswordForm
    form_title = _l("Set a password")
    redirect_url = "/users/list/"

    def form_post(self, form: NewPasswordForm) -> Any:
        user = db.session.get(self.appbuilder.sm.user_model, optional_int(request.args.get("pk")) or 0)
        if user is None:
            flash(_("Record not found or not in your scope."), "danger")
            return None
        accounts.set_password(user, form.password.data, must_change=True, reason="set_by_admin")
        db.session.commit()
        flash(_("The password was set; %(user)s must change it at next sign-in.", user=user.username), "info")
        return None


class ProfileView(SimpleFormView):
    """ORG-5: a user keeps their own name, phone and email; the department is shown but set by the admin."""

    route_base = "/profile"
    class_permission_name = "Profile"
    form = ProfileForm
    form_title = _l("My profile")
    redirect_url = "/"

    def form_get(self, form: ProfileForm) -> None:
        user = g.user
        form.first_name.data, form.phone.data, form.email.data = user.first_name, user.phone, user.email
        form.first_name.description = _("Department: %(dept)s", dept=user.department or _("none"))

    def form_post(self, form: ProfileForm) -> None:
        user = g.user
        user.first_name, user.phone, user.email = form.first_name.data, form.phone.data or None, form.email.data
        db.session.commit()
        flash(_("Your profile has been saved."), "info")


def lock_state(user: Any) -> str:
    until = lockout.locked_until(user.username)
    return _("Locked until %(time)s", time=local_display(until, "%H:%M")) if until else ""  # Beijing time


class AccountActionsMixin:
    """Unlock and one-time password reset, shared by the admin's and the reviewers' account lists."""

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock", multiple=True)
    def unlock(self, items: Any) -> Any:
        items = items if isinstance(items, list) else [items]
        done, refused = accounts.unlock_accounts(g.user, items)
        if done:
            flash(_("Unlocked: %(names)s", names="、".join(done)), "info")
        if refused:
            flash(_("You may not manage: %(names)s", names="、".join(refused)), "warning")
        return redirect(self.get_redirect())

    @action("reset_password", _l("Reset password"),
            _l("Reset the password to a one-time value? The user must change it at next sign-in."),
            "fa-key", multiple=False)
    def reset_password(self, item: Any) -> Any:
        item = item[0] if isinstance(item, list) else item
        try:
            password = accounts.reset_password(g.user, item)
        except PermissionError:
            flash(_("You may not manage: %(names)s", names=item.username), "warning")
            return redirect(self.get_redirect())
        response = Response(render_template("security/one_time_password.html", user=item, password=password,
                                            appbuilder=self.appbuilder, back=self.get_redirect()))
        response.headers["Cache-Control"] = "no-store"
        return response


ACCOUNT_LABELS = {
    "username": _l("User Name"),
    "first_name": _l("Full name"),
    "last_name": _l("Last name"),
    "email": _l("Email"),
    "phone": _l("Mobile phone"),
    "department": _l("Department"),
    "roles": _l("Role"),
    "active": _l("Enabled"),
    "must_change_password": _l("Must change password"),
    "last_login": _l("Last login"),
    "lock_state": _l("Lock"),
    "created_on": _l("Created on"),
    "changed_on": _l("Changed on"),
    "created_by": _l("Created by"),
    "changed_by": _l("Changed by"),
    "groups": _l("User groups"),
    "conf_password": _l("Confirm password"),
    "password": _l("Password"),
    "login_count": _l("Login count"),
    "fail_login_count": _l("Failed logins"),
}
# FAB's help speaks of LDAP and OpenID, which GEMS does not use
ACCOUNT_HELP = {
    "username": _l("Staff choose a user name; a student's user name is the student number."),
    "first_name": _l("The person's full name, as shown on every screen."),
    "email": _l("Used for notices about the account."),
    "roles": _l("What the account may do; every role is described on the Roles page."),
    "active": _l("Untick to stop the account from signing in; accounts are never deleted."),
    "department": _l("A college account sees only the students of this department and its sub-units."),
}


class AdminUserModelView(ScopedRelationsMixin, ScopedActionsMixin, AccountActionsMixin, UserDBModelView):
    """The system admin's account list: every account, department, roles, lock and reset actions."""

    class_permission_name = "Users"
    list_title = _l("Accounts")
    show_title = _l("Account")
    add_title = _l("Add account")
    edit_title = _l("Edit account")
    label_columns = ACCOUNT_LABELS
    description_columns = ACCOUNT_HELP
    list_columns = ["username", "first_name", "department", "roles", "active", "must_change_password",
                    "last_login", "lock_state"]
    show_columns = ["username", "first_name", "email", "phone", "department", "roles", "active",
                    "must_change_password", "last_login", "login_count", "fail_login_count", "created_on"]
    add_columns = ["username", "first_name", "email", "phone", "department", "roles", "active",
                   "password", "conf_password"]
    edit_columns = ["first_name", "email", "phone", "department", "roles", "active"]
    search_columns = ["username", "first_name", "department", "roles", "active"]
    order_columns = ["username", "first_name", "last_login"]
    base_filters = scope_base_filters()  # admin-only today, scoped anyway so a future grant cannot leak
    formatters_columns = {"lock_state": lambda v: v}
    # FAB's own validator reads a "groups" field these forms do not have (KeyError: 'groups' on a post with no role)
    validators_columns = {"roles": [DataRequired(message=_l("Select at least one role."))]}
    add_form_extra_fields = {
        "password": PasswordField(_l("Initial password"), description=POLICY_TEXT,
                                  validators=[DataRequired(), PolicyValidator()]),
        "conf_password": PasswordField(_l("Confirm password"),
                                       validators=[EqualTo("password", message=_l("Passwords must match"))]),
    }

    def pre_add(self, item: Any) -> None:
        item.last_name = item.last_name or ""
        item.must_change_password = True  # an initial password is changed at first login
        super().pre_add(item)

    def __init__(self, **kwargs: Any) -> None:
        self._scope_relations()
        without_public_role(self)
        super().__init__(**kwargs)

    @expose("/permissions/<int:pk>")
    @has_access
    def permissions(self, pk: int) -> Any:
        """ORG-3: what this account may do, from all its roles."""
        user = self.datamodel.get(pk, self._base_filters)
        if user is None:
            return redirect(self.get_redirect())
        grants: dict[str, set[str]] = {}
        for role in user.roles:
            for pv in role.permissions:
                grants.setdefault(view_label(pv.view_menu.name), set()).add(permission_label(pv.permission.name))
        return self.render_template("security/permissions.html", user=user,
                                    grants=sorted((k, sorted(v)) for k, v in grants.items()),
                                    appbuilder=self.appbuilder)


class StaffAccountModelView(ScopedRelationsMixin, ScopedActionsMixin, AccountActionsMixin, UserDBModelView):
    """Reviewers' account list (school: all, college: its own department): unlock and reset, nothing else."""

    route_base = "/accounts"
    datamodel = SQLAInterface(User)
    class_permission_name = "StaffAccounts"
    list_title = _l("Accounts and locks")
    show_title = _l("Account")
    label_columns = ACCOUNT_LABELS
    base_permissions = ["can_list", "can_show"]
    list_columns = ["username", "first_name", "department", "roles", "active", "must_change_password",
                    "lock_state"]
    show_columns = ["username", "first_name", "department", "roles", "active", "must_change_password",
                    "last_login", "lock_state"]
    search_columns = ["username", "first_name", "department", "active"]
    order_columns = ["username", "first_name"]
    base_filters = scope_base_filters()

    def __init__(self, **kwargs: Any) -> None:
        self._scope_relations()
        without_public_role(self)
        super().__init__(**kwargs)
