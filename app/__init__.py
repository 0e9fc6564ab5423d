"""The GEMS application factory: extensions, security manager, views, CLI."""
from __future__ import annotations

import logging
from typing import Optional

from flask import Flask


def create_app(config_class: Optional[object] = None) -> Flask:
    """Build the app; `config_class` defaults to config.Config (or ProductionConfig when GEMS_ENV=production)."""
    import config as config_module

    if config_class is None:
        import os

        config_class = (config_module.ProductionConfig if os.environ.get("GEMS_ENV") == "production"
                        else config_module.Config)
    app = Flask(__name__, instance_path=str(config_module.INSTANCE_DIR))
    app.config.from_object(config_class)
    from app.services.audit_keys import init_audit_keys

    init_audit_keys(app)  # no audit key, no start (production has no generated fallback)
    from app.security.errors import init_error_handling

    init_error_handling(app)  # before any route is built: bounded <int:> ids, 4xx in the client's language
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)

    from app import models  # noqa: F401  (one metadata for Alembic and FAB)
    from app.extensions import db, make_appbuilder, migrate
    from app.services import (
        change_audit,  # noqa: F401  (registers the session listener)
        notify_hooks,
    )
    from app.timeutil import local_display

    notify_hooks.register()
    from app.services.review import tree

    tree.register()
    app.add_template_filter(local_display, "gems_datetime")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.BASE_DIR / "migrations"), compare_type=True)
    appbuilder = make_appbuilder()
    with app.app_context():
        appbuilder.init_app(app, db.session)
        from app.security.web import init_web_security
        from app.views.registry import register_views

        init_web_security(app)
        from app.security.proxy import trust_proxies
        from app.security.sessions import init_sessions

        init_sessions(app)
        trust_proxies(app)
        from app.views.inbox import init_inbox

        init_inbox(app)
        register_views(appbuilder)
        from app.views.error_pages import init_error_pages

        init_error_pages(app)
        from app.request_log import init_request_log
        from app.views.health import init_health

        init_request_log(app)

        init_health(app)

    from app.commands import register_commands

    register_commands(app)
    return app
