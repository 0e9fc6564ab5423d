"""Request-level safeguards: CSRF on every unsafe browser request, security headers, forced password change."""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from app.extensions import csrf

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# endpoints a user who must change their password may still reach
PASSWORD_CHANGE_ALLOWED = {
    "ChangePasswordView.this_form_get", "ChangePasswordView.this_form_post",
    "GemsAuthDBView.logout", "GemsAuthDBView.login", "GemsAuthDBView.captcha_image",
    "LocaleView.index", "static", "appbuilder.static",
}


def _csrf_check() -> None:
    """APIs take tokens only (allow_browser_login=False), so only non-API unsafe requests carry a session."""
    if request.method in UNSAFE and not request.path.startswith("/api/"):
        csrf.protect()


def _force_password_change() -> Optional[Any]:
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False) or not user.must_change_password:
        return None
    if request.endpoint in PASSWORD_CHANGE_ALLOWED:
        return None
    if request.path.startswith("/api/"):
        return jsonify(message=_("Please set a new password before you continue.")), 403
    return redirect(url_for("ChangePasswordView.this_form_get"))


def _headers(response: Any) -> Any:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def _stale(error: Exception) -> Any:
    """An edit lost the race with another edit or a decision (Graduate's version column): say so, change nothing."""
    from app.extensions import db

    db.session.rollback()
    message = _("Someone else changed this record since you opened it; reload and try again.")
    if request.path.startswith("/api/"):
        return jsonify(message=message), 409
    flash(message, "warning")
    return redirect(request.referrer or request.path), 303


def init_web_security(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    app.register_error_handler(StaleDataError, _stale)
    csrf.init_app(app)
    app.before_request(_csrf_check)
    app.before_request(_force_password_change)
    app.after_request(_headers)
