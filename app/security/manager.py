"""GEMS's security manager: our user model, lockout and audit around FAB's login, our account views."""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app, g, has_request_context, request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from werkzeug.security import check_password_hash

from app.models.user import User
from app.security.request_cache import RequestCacheMixin
from app.services import lockout


class GemsSecurityManager(RequestCacheMixin, SecurityManager):
    user_model = User

    def __init__(self, appbuilder: Any) -> None:
        from app.security import views

        self.authdbview = views.GemsAuthDBView
        self.userdbmodelview = views.AdminUserModelView
        self.resetmypasswordview = views.ChangePasswordView
        self.resetpasswordview = views.AdminSetPasswordView
        self.userinfoeditview = views.ProfileView
        super().__init__(appbuilder)

    def auth_user_db(self, username: str, password: str) -> Optional[User]:
        """FAB's check (constant-time for unknown users) wrapped in lockout, failure counting and audit."""
        ip = (request.remote_addr or "") if has_request_context() else ""
        if lockout.locked_until(username):
            # Same work as a real check, so a locked account does not answer faster.
            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password or "x")
            g.gems_login_locked = True
            lockout.register_failure(username, ip)
            return None
        if username and self.find_user(username=username) is None:
            from app.services.student_accounts import create_on_first_login

            create_on_first_login(username, password)  # ORG-6: a student's first sign-in creates the account
        user = super().auth_user_db(username, password)
        if user is None:
            g.gems_login_locked = lockout.register_failure(username, ip)
            return None
        lockout.register_success(username)
        if user.must_change_password and has_request_context() and request.path.startswith("/api/"):
            g.gems_password_change_required = True  # no API token until the password is changed in the browser
            return None
        return user

    def register_views(self) -> None:
        super().register_views()
        if not self.is_auth_limited:
            return
        for view in self.appbuilder.baseviews:  # FAB limits only the HTML form; limit the REST login too
            if isinstance(view, SecurityApi):
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
