"""Bad input is the client's fault, never a 500: bounded ids everywhere, and 4xx answers in the client's language."""
from __future__ import annotations

import logging
from typing import Any, Iterable, Optional

import prison
from flask import Flask, current_app, request
from flask_appbuilder import ModelView
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.charts.views import GroupByChartView
from flask_appbuilder.security.api import SecurityApi
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

# Every id column is an SQL INTEGER (32-bit on PostgreSQL); no id, page, cohort or year can lie beyond it.
MAX_INT = 2**31 - 1
backstop_log = logging.getLogger("gems.bad_input")

MESSAGES = {
    400: _l("The request contains a value that cannot be accepted."),
    401: _l("Please sign in first."),
    403: _l("You do not have permission to do this."),
    404: _l("The page or record was not found, or it is not in your scope."),
    405: _l("This address does not accept this kind of request."),
    409: _l("The record was changed in the meantime; reload and try again."),
    413: _l("The request is too large."),
    415: _l("The request body must be JSON."),
    422: _l("The submitted data is not valid."),
    429: _l("Too many requests; wait a moment and try again."),
}
GENERIC = _l("The request could not be processed.")


def bounded_int(value: Any) -> int:
    """int() for request values that refuses what no id, page or year can be, so it never reaches SQL."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("not an integer")
    number = int(value.strip()) if isinstance(value, str) else value
    if not -MAX_INT <= number <= MAX_INT:
        raise ValueError("integer out of range")
    return number


def optional_int(value: Any) -> Optional[int]:
    """A bounded integer, or None for anything missing or malformed (filters ignore what they cannot read)."""
    try:
        return bounded_int(value)
    except (TypeError, ValueError):
        return None


def int_list(values: Iterable[Any]) -> list[int]:
    """The well-formed bounded integers among `values` (a list of ids pasted, ticked or posted)."""
    return [n for n in (optional_int(v) for v in values) if n is not None]


def json_object() -> Optional[dict[str, Any]]:
    """The request's JSON body when it is an object (a missing body counts as {}); None for `[1]`, `"x"` or junk."""
    body = request.get_json(silent=True)
    if body is None and not request.get_data(cache=True):
        return {}
    return body if isinstance(body, dict) else None


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` routes match only ids an INTEGER column can hold; anything longer is a plain 404."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: Optional[int] = None,  # noqa: A002
                 max: Optional[int] = MAX_INT, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _view_of_endpoint() -> Any:
    function = current_app.view_functions.get(request.endpoint or "")
    return getattr(function, "__self__", None)


def integer_pk(view: Any) -> bool:
    """The view's model has one integer primary key (so a pk that is not a bounded integer matches nothing)."""
    datamodel = getattr(view, "datamodel", None)
    model = getattr(datamodel, "obj", None)
    mapper = getattr(model, "__mapper__", None)
    if mapper is None or len(mapper.primary_key) != 1:
        return False
    return isinstance(mapper.primary_key[0].type, Integer)


def _has_nul() -> bool:
    """NUL is never text a person typed, and PostgreSQL refuses it in every string (a ValueError, not a 4xx)."""
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return True
    if request.mimetype == "application/x-www-form-urlencoded":
        return any("\x00" in k or "\x00" in v for k, v in request.form.items(multi=True))
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or b"\\u0000" in raw.lower()
    return False


def _fab_paging_ok() -> bool:
    """FAB's list views int() every argument whose name contains page_ or psize_ (urltools.get_page_args)."""
    for name, value in request.args.items(multi=True):
        if "page_" in name or "psize_" in name:
            number = optional_int(value)
            if number is None or number < 0:
                return False
    return True


def _guard_path(view: Any) -> None:
    """FAB's string path arguments that it int()s or indexes with: a malformed one is a plain 404."""
    args = request.view_args or {}
    function = getattr(current_app.view_functions.get(request.endpoint or ""), "__func__", None)
    if function is not None and function is ModelView.download:
        raise NotFound()  # FAB's file-column download: no GEMS model has one (and UPLOAD_FOLDER is not set)
    if args.get("group_by") is not None and isinstance(view, GroupByChartView):  # self.definitions[int(group_by)]
        index = optional_int(args["group_by"])
        if index is None or not 0 <= index < len(view.definitions):
            raise NotFound()
    if args.get("pk") is not None and integer_pk(view) and optional_int(args["pk"]) is None:
        raise NotFound()


def _guard_arguments(view: Any) -> Optional[Any]:
    """FAB's query arguments and login body that it parses without catching errors: a malformed one is a 400."""
    if isinstance(view, SecurityApi) and (request.endpoint or "").endswith(".login") and request.method == "POST":
        body = json_object() if request.is_json else None
        if body is not None and not isinstance(body.get("provider"), str):  # FAB reads payload["provider"]
            return _answer(400, _("%(name)s is required.", name="provider"))
    if isinstance(view, BaseCRUDView) and not _fab_paging_ok():
        return _answer(400, _("Page numbers and page sizes must be whole numbers."))
    if isinstance(view, ModelRestApi) and request.args.get("q"):
        try:
            prison.loads(request.args["q"])
        except Exception:  # noqa: BLE001  (prison raises ValueError, IndexError, … on malformed input)
            return _answer(400, _("The q argument is not valid rison."))
    return None


def _guard_request() -> Optional[Any]:
    """Refuse malformed input FAB would pass to int(), prison or SQL, before any view runs."""
    if _has_nul():
        return _answer(400, str(MESSAGES[400]))
    view = _view_of_endpoint()
    if view is None:
        return None
    _guard_path(view)
    return _guard_arguments(view)


def _answer(code: int, message: str) -> Any:
    from app.views.error_pages import render_error  # JSON under /api/, else a page in the app's layout

    return render_error(code, message)


def _http_error(error: HTTPException) -> Any:
    """Every 4xx in the client's language: JSON {"message"} under /api/, a short page elsewhere."""
    if error.code is None or error.code >= 500:
        return error
    response = _answer(error.code, str(MESSAGES.get(error.code, GENERIC)))
    headers = dict(error.get_headers())
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in headers:
            response.headers[name] = headers[name]
    return response


def _bad_value(error: Exception) -> Any:
    """The database refused a value the request carried (out of range, too long): 400, with the traceback logged."""
    if isinstance(error, StatementError) and not isinstance(error, DataError) and not isinstance(
            getattr(error, "orig", None), (OverflowError, ValueError, TypeError)):
        raise error
    from app.extensions import db

    db.session.rollback()
    backstop_log.error("bad input reached the database on %s %s", request.method, request.path, exc_info=error)
    return _answer(400, str(MESSAGES[400]))


def init_error_handling(app: Flask) -> None:
    """Call before any view is registered, so `<int:>` routes are built with the bounded converter."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_guard_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataError, _bad_value)
    app.register_error_handler(StatementError, _bad_value)
    app.register_error_handler(OverflowError, _bad_value)
