"""Translate validation messages through Flask-Babel when an app is active, and format them plainly when not."""

from __future__ import annotations

from typing import Any


def _(msgid: str, **variables: Any) -> str:
    """Return msgid translated (inside a Flask app with Babel) or formatted as is; named placeholders only."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is always installed in this project
        return msgid % variables if variables else msgid
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import gettext  # type: ignore[import-untyped]

        return str(gettext(msgid, **variables))
    return msgid % variables if variables else msgid


def N_(msgid: str) -> str:
    """Mark a constant for extraction (pybabel -k N_) without translating it at import time."""
    return msgid
