"""GEMS's security manager: our user model, lockout and audit around FAB's login, our account views."""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app, g, has_request_context, request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_jwt_extended import JWTManager
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.models.user import User
from app.security import sessions
from app.security.api import GemsSecurityApi
from app.security.request_cache import RequestCacheMixin
from app.services import lockout


class GemsSecurityManager(RequestCacheMixin, SecurityManager):
    user_model = User
    security_api = GemsSecurityApi

    def __init__(self, appbuilder: Any) -> None:
        from app.security import admin_views, views

        admin_views.install(self)
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
        g.gems_authenticated_user = user  # the JWT claims loader reads its epoch from here
        if user.must_change_password and has_request_context() and request.path.startswith("/api/"):
            g.gems_password_change_required = True  # no API token until the password is changed in the browser
            return None
        return user

    def load_user(self, pk: Any) -> Optional[User]:
        """Flask-Login's loader: the user only while this browser's server-side session is alive."""
        check = sessions.session_check()
        return None if check is None else super().load_user(pk, check=check)

    def create_jwt_manager(self, app: Any) -> JWTManager:
        """FAB's JWT manager plus the epoch claim and one revocation check that also loads the user."""
        manager = super().create_jwt_manager(app)
        manager.additional_claims_loader(self._jwt_claims)
        manager.token_in_blocklist_loader(self._jwt_revoked)
        return manager

    def _jwt_claims(self, identity: Any) -> dict[str, Any]:
        user = g.get("gems_authenticated_user") or g.get("gems_jwt_user")
        if user is not None and str(user.id) == str(identity):
            epoch = user.auth_epoch
        else:
            epoch = self.session.execute(select(User.auth_epoch).where(User.id == int(identity))).scalar()
        return {sessions.EPOCH_CLAIM: epoch or 0}

    def _jwt_revoked(self, _header: dict[str, Any], payload: dict[str, Any]) -> bool:
        user = super().load_user(payload["sub"], check=sessions.token_check(payload))
        g.gems_jwt_user = user
        return user is None

    def load_user_jwt(self, _header: dict[str, Any], payload: dict[str, Any]) -> Optional[User]:
        """The user `_jwt_revoked` loaded for this token (same request), so a token costs one query."""
        user = g.pop("gems_jwt_user", None)
        if user is None or str(user.id) != str(payload["sub"]):
            user = super().load_user(payload["sub"], check=sessions.token_check(payload))
        if user is not None:
            g.user = user
        return user

    def register_views(self) -> None:
        super().register_views()
        if not self.is_auth_limited:
            return
        for view in self.appbuilder.baseviews:  # FAB limits only the HTML form; limit the REST login too
            if isinstance(view, SecurityApi):
                self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
        self._limit_captcha()

    def _limit_captcha(self) -> None:
        """Each captcha image stores a single-use nonce server-side: an anonymous client may not mint them unbounded."""
        app = current_app
        endpoint = f"{self.auth_view.endpoint}.captcha_image"
        if endpoint in app.view_functions:
            rate = app.config.get("GEMS_CAPTCHA_RATE_LIMIT", "30 per minute")
            app.view_functions[endpoint] = self.limiter.limit(rate)(app.view_functions[endpoint])
