"""Messages format without Flask and go through Flask-Babel inside an app that has it."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from app.validation import check_origin
from app.validation.i18n import _


def test_plain_formatting_outside_an_app() -> None:
    """Outside an app context the Chinese msgid is formatted with its named placeholders."""
    assert _("应为%(expected)s。", expected="X") == "应为X。"
    assert _("请填写身份证号。") == "请填写身份证号。"


def test_gettext_inside_an_app_with_babel() -> None:
    """Inside an app with Babel, messages go through flask_babel.gettext (identity with no catalog)."""
    app = Flask(__name__)
    seen: list[str] = []
    Babel(app)
    with app.app_context():
        import flask_babel

        original = flask_babel.gettext

        def spy(msgid: str, **variables: object) -> str:
            seen.append(msgid)
            return original(msgid, **variables)

        flask_babel.gettext = spy  # type: ignore[assignment]
        try:
            result = check_origin("湖南省岳阳市岳阳县")
        finally:
            flask_babel.gettext = original  # type: ignore[assignment]
    assert seen and "%(suggestion)s" in seen[0]
    assert "湖南省岳阳县" in (result.message or "")


def test_app_without_babel_falls_back() -> None:
    """An app context without the Babel extension still gets formatted Chinese text."""
    with Flask(__name__).app_context():
        assert _("共%(n)s项", n=3) == "共3项"
