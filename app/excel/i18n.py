"""Translate messages through Flask-Babel inside an app, plain %-formatting from a CLI or worker."""

from __future__ import annotations

from typing import Any


def _(msg: str, **kw: Any) -> str:
    """Return ``msg`` translated when a Flask app with Babel is active, formatted with named ``kw``."""
    try:
        import flask
    except ImportError:  # pragma: no cover - Flask is a project dependency
        flask = None  # type: ignore[assignment]
    if flask is not None and flask.has_app_context() and "babel" in flask.current_app.extensions:
        from flask_babel import gettext

        return gettext(msg, **kw)
    return msg % kw if kw else msg
