"""The translation helper works with and without Flask, and the package stays Flask-free at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask_babel import Babel

from app.excel.i18n import _

ROOT = Path(__file__).resolve().parents[2]


def test_plain_formatting_outside_flask() -> None:
    """From a CLI the message is formatted with its named placeholders."""
    assert _("最多 %(limit)s 行", limit=5) == "最多 5 行"
    assert _("100%") == "100%"


def test_uses_flask_babel_inside_app_context() -> None:
    """Inside an app with Babel the message goes through flask_babel.gettext."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        assert _("最多 %(limit)s 行", limit=7) == "最多 7 行"
    bare = Flask(__name__)
    with bare.app_context():
        assert _("最多 %(limit)s 行", limit=8) == "最多 8 行"


def test_import_does_not_pull_in_flask() -> None:
    """Modules of app.excel import no Flask (the parent app/__init__.py is stubbed out here)."""
    code = (
        "import sys, types; pkg = types.ModuleType('app'); pkg.__path__ = ['app']; sys.modules['app'] = pkg; "
        "import app.excel; assert 'flask' not in sys.modules, 'flask imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
