"""Request-level safeguards: Origin and CSRF checks on unsafe browser requests, security headers (CSP with a
per-request script nonce, no-store, no server version), forced password change."""
from __future__ import annotations

import secrets
from typing import Any, Optional
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from app.extensions import csrf
from app.security.redirects import index_path, own_path, safe_path

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
STATIC_ENDPOINTS = {"static", "appbuilder.static"}
SERVER_NAME = "GEMS"
# Scripts only from the app itself or carrying this response's nonce (never 'unsafe-inline'). Styles: files from the
# app and nonce'd <style> elements; style="" attributes stay allowed (style-src-attr) because FAB's own templates
# need them — under a strict policy Chromium reported ~540 of them on the main pages, from FAB's lib.html macros
# (hidden action/delete forms, pagination), its list/show widgets and tab bars; attributes cannot run script.
# Browsers without the CSP3 -elem/-attr directives (Safari < 15.4) fall back to style-src.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
       "style-src-elem 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
       "form-action 'self'")
# endpoints a user who must change their password may still reach
PASSWORD_CHANGE_ALLOWED = {
    "ChangePasswordView.this_form_get", "ChangePasswordView.this_form_post",
    "GemsAuthDBView.logout", "GemsAuthDBView.login", "GemsAuthDBView.captcha_image",
    "LocaleView.index", "static", "appbuilder.static",
}


def csp_nonce() -> str:
    """This response's nonce for inline <script>/<style> (FAB's templates call it through baselib.get_nonce)."""
    if "gems_csp_nonce" not in g:
        g.gems_csp_nonce = secrets.token_urlsafe(18)
    return g.gems_csp_nonce


def _host_key(scheme: str, netloc: str) -> str:
    """host[:port] in lower case without the scheme's default port, so https://a and a:443 compare equal."""
    netloc = netloc.lower().rsplit("@", 1)[-1]
    for default in ((":80",) if scheme == "http" else (":443",) if scheme == "https" else (":80", ":443")):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def _trusted_source(source: str) -> bool:
    """An Origin or Referer is trusted when it names this request's own host (any scheme, so a TLS-terminating
    proxy does not break forms) or one of GEMS_TRUSTED_ORIGINS (scheme://host[:port], compared exactly)."""
    parts = urlsplit(source.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return False  # includes Origin: null (sandboxed frames, file:// pages, cross-site redirects)
    if _host_key(parts.scheme, parts.netloc) == _host_key("", request.host):
        return True
    key = f"{parts.scheme}://{_host_key(parts.scheme, parts.netloc)}"
    for origin in current_app.config.get("GEMS_TRUSTED_ORIGINS") or ():
        trusted = urlsplit(origin.strip().rstrip("/"))
        if key == f"{trusted.scheme}://{_host_key(trusted.scheme, trusted.netloc)}":
            return True
    return False


def _origin_check() -> Optional[Any]:
    """A second line beside CSRF: a state-changing browser request must come from our own pages. The Referer is
    checked only when the Origin is absent; a request with neither (old browsers, privacy tools) is let through to
    the CSRF check, which still applies."""
    if request.method not in UNSAFE or request.path.startswith("/api/"):
        return None
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or _trusted_source(source):
        return None
    from app.views.error_pages import render_error

    return render_error(403, _("This request came from another website and was refused. "
                               "Open GEMS directly and try again."))


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
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
    if request.endpoint not in STATIC_ENDPOINTS:
        # personal data must not stay in browser or proxy caches; stricter than "signed-in users only", because
        # the login page's CSRF token and a response after a session expired are private too
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    response.headers.remove("Server")
    return response


def _hide_dev_server_version() -> None:
    """Werkzeug's dev server sends "Server: Werkzeug/x Python/y" itself; gunicorn's is set in gunicorn.conf.py."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_NAME  # type: ignore[method-assign]


def safe_back(url: Optional[str]) -> str:
    """Template filter for every rendered back link: a path on this site or the home page, never javascript:."""
    return own_path(url, index_path())


def _stale(error: Exception) -> Any:
    """An edit lost the race with another edit or a decision (Graduate's version column): say so, change nothing."""
    from app.extensions import db

    db.session.rollback()
    message = _("Someone else changed this record since you opened it; reload and try again.")
    if request.path.startswith("/api/"):
        return jsonify(message=message), 409
    flash(message, "warning")
    return redirect(own_path(request.referrer, safe_path(request.path, index_path()))), 303


def init_web_security(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    app.register_error_handler(StaleDataError, _stale)
    csrf.init_app(app)
    app.config.setdefault("GEMS_TRUSTED_ORIGINS", [])
    app.add_template_global(csp_nonce, "csp_nonce")
    app.add_template_filter(safe_back, "safe_back")
    _hide_dev_server_version()
    app.before_request(_origin_check)
    app.before_request(_csrf_check)
    app.before_request(_force_password_change)
    app.after_request(_headers)
