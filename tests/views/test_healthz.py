"""/healthz answers a load balancer without a sign-in: 200 when the database is up and migrated, 503 and the failing
check otherwise, and never a host, path or password."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from app.extensions import db
from app.services.health import _script_heads, migrations_directory


@pytest.fixture()
def stamped(app: Any) -> Iterator[str]:
    """The test database at the code's head (conftest stamps it); whatever a test sets, head is put back after."""
    (head,) = _script_heads(migrations_directory())
    yield head
    with app.app_context():
        db.session.execute(text("DELETE FROM alembic_version"))
        db.session.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
        db.session.commit()


def _get(app: Any) -> Any:
    return app.test_client().get("/healthz")


def test_healthy_when_the_database_answers_and_is_migrated(app: Any, stamped: str) -> None:
    response = _get(app)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert "redis" not in body["checks"]  # not configured: not required
    assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers


def test_a_database_behind_the_code_is_unhealthy(app: Any, stamped: str) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'c10a0e0d0004'"))
        db.session.commit()
    response = _get(app)
    body = response.get_json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"] == {
        "ok": False, "error": "PendingMigrations", "ms": body["checks"]["migrations"]["ms"]}


def test_a_never_migrated_database_is_unhealthy(app: Any, stamped: str) -> None:
    with app.app_context():
        db.session.execute(text("DELETE FROM alembic_version"))
        db.session.commit()
    response = _get(app)
    assert response.status_code == 503 and not response.get_json()["checks"]["migrations"]["ok"]


def test_redis_is_checked_when_configured_and_its_address_is_not_shown(app: Any, stamped: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    up = _get(app)
    assert up.status_code == 200 and up.get_json()["checks"]["redis"]["ok"], up.get_json()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:s3cret@127.0.0.1:1/0")  # nothing listens on port 1
    down = _get(app)
    text_body = down.get_data(as_text=True)
    assert down.status_code == 503 and down.get_json()["checks"]["redis"] == {
        "ok": False, "error": "ConnectionError", "ms": down.get_json()["checks"]["redis"]["ms"]}
    assert "s3cret" not in text_body and "127.0.0.1" not in text_body
