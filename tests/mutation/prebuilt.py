"""Pytest plugin for `make mutation`: mutmut's fork server builds the session app once, every mutant forks a copy.

Building the app and its demo data takes seconds and each mutant runs in a fresh fork, so without this every mutant
paid for it. The fork server warms up with `pytest --collect-only` and no mutant active; this plugin builds the app
there, with the unmutated code, and hands the very same object to the `app` fixture in each forked child, whose
copy-on-write memory (the in-memory SQLite database included) dies with it. Anywhere else it does nothing.
Set GEMS_MUTATION_FULL_BUILD=1 to build the app inside every mutant (to double-check a survivor).
"""
from __future__ import annotations

import os
from typing import Any

import pytest

_PREBUILT: Any = None


def _in_fork_server_warm_up(config: Any) -> bool:
    return (
        config.option.collectonly
        and os.environ.get("MUTANT_UNDER_TEST") == ""
        and not os.environ.get("TEST_DATABASE_URL")
        and not os.environ.get("GEMS_MUTATION_FULL_BUILD")
    )


def pytest_collection_finish(session: Any) -> None:
    """In mutmut's fork server only: build the app the `app` fixture would build, once."""
    global _PREBUILT
    if _PREBUILT is not None or not _in_fork_server_warm_up(session.config):
        return
    from app import create_app
    from app.extensions import db
    from app.services.bootstrap import sync_permissions_and_roles
    from app.services.demo import load_demo
    from tests.conftest import make_config

    application = create_app(make_config("sqlite://"))
    with application.app_context():
        db.create_all()
        sync_permissions_and_roles()
        load_demo(application.config["GEMS_DEMO_GRADUATES"])
        db.session.remove()
    _PREBUILT = application


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Any:
    """Serve the prebuilt app to the session `app` fixture (a forked mutant's own copy); no teardown is needed."""
    if _PREBUILT is None or fixturedef.argname != "app" or fixturedef.scope != "session":
        return None
    fixturedef.cached_result = (_PREBUILT, fixturedef.cache_key(request), None)
    return _PREBUILT
