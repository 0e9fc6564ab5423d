"""Every error page in the app's layout and the user's language, with a way back; a 500 carries the request id
that its log line names, so a user's screenshot leads to the traceback."""
from __future__ import annotations

import re
import uuid
from typing import Any, Optional

from flask import Flask, current_app, g, has_request_context, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import InternalServerError

from app.security.redirects import index_path, own_path

# An incoming X-Request-ID (set by a proxy) is kept only when it cannot carry markup, log forging or a huge value.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$")
CSRF_EXPIRED = "csrf"

TITLES = {
    400: _l("The request could not be accepted"),
    401: _l("Please sign in"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("This action is not available here"),
    409: _l("The record was changed"),
    413: _l("The upload is too large"),
    415: _l("Unsupported request"),
    422: _l("The submitted data is not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on the server"),
    CSRF_EXPIRED: _l("The form has expired"),
}
HINTS = {
    403: _l("If your work needs this page, ask the employment office's system administrator for the permission."),
    404: _l("Check the address, or open the page again from the menu."),
    405: _l("Open the page from the menu instead of typing or bookmarking its address."),
    413: _l("Choose smaller or fewer files, or split the file, and try again."),
    429: _l("Wait a minute, then try again."),
    500: _l("Your data was not changed by this request. Try again later; if it keeps happening, tell the system "
            "administrator the reference number below."),
    CSRF_EXPIRED: _l("The page was open too long or you signed in again in another tab. Go back, reload the page "
                     "and submit it again (re-enter what you typed, if it is gone)."),
}
MESSAGES = {
    500: _l("The server could not complete the request."),
    CSRF_EXPIRED: _l("For your security, the form could not be accepted because its security token has expired."),
}


def request_id() -> str:
    """This request's reference id: the proxy's X-Request-ID when it is safe, else a new random one."""
    if not has_request_context():
        return ""
    if "gems_request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.gems_request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex[:16]
    return g.gems_request_id


def _default_message(kind: Any) -> str:
    from app.security.errors import GENERIC
    from app.security.errors import MESSAGES as CLIENT_MESSAGES

    return str(MESSAGES.get(kind) or CLIENT_MESSAGES.get(kind) or GENERIC)


def _back_link() -> Optional[str]:
    """The page the user came from, when it is on this site and is not the page that failed to load (a form
    whose post failed is a fine way back)."""
    back = own_path(request.referrer, "")
    if not back or (request.method == "GET" and back.split("?", 1)[0] == request.path):
        return None
    return back


def _html(status: int, kind: Any, message: str) -> str:
    rid = request_id()
    context = dict(status=status, heading=str(TITLES.get(kind) or TITLES.get(status) or _default_message(status)),
                   message=message, hint=str(HINTS.get(kind, "")), request_id=rid if status >= 500 else None,
                   home=index_path(), back=_back_link(), title=str(TITLES.get(kind) or status))
    try:
        appbuilder = current_app.appbuilder
        return render_template("errors/error.html", base_template=appbuilder.base_template, appbuilder=appbuilder,
                               **context)
    except Exception:  # noqa: BLE001 - the layout itself may be what fails (a broken database): never fail twice
        current_app.logger.exception("error page layout failed (request id %s)", rid)
        reference = f"<p>{escape(_('Reference number'))}: <code>{escape(rid)}</code></p>" if status >= 500 else ""
        return (f'<!doctype html><html><head><meta charset="utf-8"><title>{status}</title></head><body>'
                f"<h1>{escape(context['heading'])}</h1><p>{escape(message)}</p>{reference}"
                f'<p><a href="{escape(context["home"])}">{escape(_("Back to the home page"))}</a></p></body></html>')


def render_error(status: int, message: Optional[str] = None, kind: Any = None) -> Any:
    """The response for an error: JSON {"message", "request_id"} under /api/, else a page in the app's layout."""
    kind = status if kind is None else kind
    text = str(message) if message else _default_message(kind)
    if request.path.startswith("/api/"):
        return make_response(jsonify(message=text, request_id=request_id()), status)
    return make_response(_html(status, kind, text), status, {"Content-Type": "text/html; charset=utf-8"})


def _csrf_expired(error: CSRFError) -> Any:
    return render_error(400, kind=CSRF_EXPIRED)


def _server_error(error: InternalServerError) -> Any:
    """Unhandled exceptions: roll back what the request left half done; the log line was written with the id."""
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:  # noqa: BLE001
        current_app.logger.exception("rollback after an error failed (request id %s)", request_id())
    return render_error(500)


def _log_exception(app: Flask) -> Any:
    """Replaces Flask's own "Exception on …" line with one that names the request id shown to the user."""

    def log(exc_info: Any) -> None:
        app.logger.error("Exception on %s [%s] (request id %s)", request.path, request.method, request_id(),
                         exc_info=exc_info)

    return log


def _assign_request_id() -> None:
    request_id()  # returns None: a before_request value would become the response


def _send_request_id(response: Any) -> Any:
    response.headers["X-Request-ID"] = request_id()
    return response


def init_error_pages(app: Flask) -> None:
    """Register the handlers Flask consults before the generic HTTPException one in app.security.errors."""
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
    app.log_exception = _log_exception(app)  # type: ignore[method-assign]
    app.register_error_handler(CSRFError, _csrf_expired)
    app.register_error_handler(InternalServerError, _server_error)
