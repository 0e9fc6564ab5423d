"""Fixtures: one app per test session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), users per role."""
from __future__ import annotations

import itertools
import os
import re
import uuid
from typing import Any, Iterator

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

import config

PG = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
DEMO_PASSWORD = config.TestConfig.GEMS_DEMO_PASSWORD

# Hypothesis draws the same examples on every run and keeps no example database, so a failure reproduces exactly;
# HYPOTHESIS_PROFILE=explore searches afresh (random, with a database) when hunting for new counter-examples.
settings.register_profile("gems", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gems"))


def pytest_terminal_summary(terminalreporter: Any, config: Any) -> None:
    """Print the order seed even under -q (pytest-randomly's own header line is hidden then), to rerun an order."""
    seed = getattr(config.option, "randomly_seed", None)
    if seed is not None and config.pluginmanager.has_plugin("randomly"):
        terminalreporter.write_line(f"random order: rerun with -p randomly --randomly-seed={seed}")


def pg_schema_options(schema: str) -> dict[str, Any]:
    return {"pool_pre_ping": True, "connect_args": {"options": f"-csearch_path={schema}"}}


@pytest.fixture(scope="session")
def db_url() -> Iterator[str]:
    """The database for this run; on PostgreSQL a fresh schema, dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    if not PG:
        yield url
        return
    schema = f"gems_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable under CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    os.environ["GEMS_TEST_SCHEMA"] = schema
    yield url
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def make_config(url: str, **overrides: Any) -> type:
    attrs: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": url, **overrides}
    schema = os.environ.get("GEMS_TEST_SCHEMA")
    if url.startswith("postgresql") and schema:
        attrs["SQLALCHEMY_ENGINE_OPTIONS"] = pg_schema_options(schema)
    return type("RunConfig", (config.TestConfig,), attrs)


@pytest.fixture(scope="session")
def app(db_url: str) -> Iterator[Any]:
    from flask_migrate import stamp

    from app import create_app
    from app.extensions import db
    from app.services.bootstrap import sync_permissions_and_roles
    from app.services.demo import load_demo

    application = create_app(make_config(db_url))
    with application.app_context():
        db.create_all()
        stamp()  # the tables are the migrations' head (tests/test_migrations.py proves it): say so, as `db upgrade` does
        sync_permissions_and_roles()
        load_demo(application.config["GEMS_DEMO_GRADUATES"])
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture()
def ctx(app: Any) -> Iterator[Any]:
    """An app context whose session is cleaned up after the test."""
    from app.extensions import db

    with app.test_request_context():
        yield app
        db.session.rollback()
        db.session.remove()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf token in page"
    return match.group(1)


_ADDRESSES = itertools.count(1)


class Browser:
    """A test client that behaves like a browser: it reads CSRF tokens from pages before posting."""

    def __init__(self, client: Any) -> None:
        self.client = client
        # each simulated browser has its own address, as real users do, so the login rate limit stays per client
        # (a counter, not `random`: pytest-randomly reseeds random before every test, which would give every test's
        # browsers the same addresses and let the sign-in rate limit of one test refuse the next)
        n = next(_ADDRESSES)
        client.environ_base["REMOTE_ADDR"] = f"10.{2 + n // 62500 % 248}.{n // 250 % 250}.{1 + n % 250}"

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def token(self, url: str = "/login/") -> str:
        return csrf_token(self.client.get(url).get_data(as_text=True))

    def post_form(self, url: str, data: dict[str, Any], token_from: str | None = None, **kw: Any) -> Any:
        data = {"csrf_token": self.token(token_from or url), **data}
        return self.client.post(url, data=data, **kw)

    def login(self, username: str, password: str = DEMO_PASSWORD, captcha: str | None = None, **kw: Any) -> Any:
        data = {"username": username, "password": password}
        if captcha is not None:
            data["captcha"] = captcha
        return self.post_form("/login/", data, **kw)

    def solve_captcha(self) -> str:
        """Load a captcha image and read its answer from the session (only stored when TESTING)."""
        self.client.get("/captcha.png")
        with self.client.session_transaction() as session:
            return session["_test_captcha_answer"]

    def logout(self) -> None:
        self.client.get("/logout/")

    def login_proven(self, username: str, password: str = DEMO_PASSWORD) -> Any:
        """Sign in and prove it worked (a refused sign-in also answers 302): see assert_signed_in."""
        response = self.login(username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert_signed_in(self, username)
        return response


def assert_signed_in(b: Browser, username: str) -> None:
    """The session belongs to `username`: a page that needs sign-in answers 200 and greets the account by its name
    from the database (an account that must change its password can only reach the change form)."""
    from app.extensions import db
    from app.models.user import User

    with b.client.application.app_context():
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        first_name, must_change = user.first_name, user.must_change_password
    if must_change:
        page = b.get("/resetmypassword/form")
        assert page.status_code == 200 and 'name="old_password"' in page.get_data(as_text=True), page.status_code
        return
    page = b.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, f"{username} is not signed in: / answered {page.status_code}"
    assert f"欢迎您，{first_name}。" in html, f"the home page does not greet {username} ({first_name})"


@pytest.fixture()
def browser(app: Any) -> Browser:
    return Browser(app.test_client())


@pytest.fixture()
def as_role(app: Any):  # noqa: ANN201
    """as_role('college_a') -> a logged-in Browser."""

    def login(username: str, password: str = DEMO_PASSWORD) -> Browser:
        b = Browser(app.test_client())
        b.login_proven(username, password)
        return b

    return login


@pytest.fixture()
def restore_preferences(app: Any) -> Iterator[None]:
    """Tests that save a reviewer's columns put every user's preferences back, so later tests see the defaults."""
    from app.extensions import db
    from app.models.preference import UserPreference

    table = UserPreference.__table__
    with app.app_context():
        saved = [dict(row._mapping) for row in db.session.execute(table.select())]
    yield
    with app.app_context():
        db.session.execute(table.delete())
        if saved:
            db.session.execute(table.insert(), saved)
        db.session.commit()
