"""Extension singletons, created once and bound in create_app()."""
from __future__ import annotations

from flask_appbuilder import AppBuilder, Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA(model_class=Model)
appbuilder = AppBuilder(update_perms=False)
migrate = Migrate()
csrf = CSRFProtect()
