"""Extension singletons, created once and bound in create_app()."""
from __future__ import annotations

from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()


def make_appbuilder() -> AppBuilder:
    """A fresh AppBuilder for each app: FAB keeps an app's views and menu on it and skips any view class it already
    holds, so one shared across create_app calls left the second app's views unregistered (auth blueprint None)."""
    return AppBuilder(update_perms=False)
