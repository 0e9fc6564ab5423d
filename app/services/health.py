"""What a load balancer asks before sending traffic: database, pending migrations, Redis (when configured)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import text

from app.extensions import db

REDIS_TIMEOUT_S = 0.5


@dataclass
class Health:
    """One check per dependency; `ok` only when every required one is."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "fail", "checks": self.checks}


def _timed(check: Any) -> dict[str, Any]:
    """Run one check; a failure is reported by its exception's class only (no hosts, paths or passwords leak)."""
    started = time.perf_counter()
    try:
        result = {"ok": True, **(check() or {})}
    except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
        db.session.rollback()
        result = {"ok": False, "error": exc.__class__.__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@lru_cache(maxsize=4)
def _script_heads(directory: str) -> frozenset[str]:
    """The migration heads shipped with this code (read once per process: the files do not change under it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migrations_directory() -> str:
    import config as config_module

    return str(Path(config_module.BASE_DIR) / "migrations")


def _database() -> dict[str, Any]:
    db.session.execute(text("SELECT 1"))
    return {"dialect": db.engine.dialect.name}


def _migrations() -> dict[str, Any]:
    applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    pending = sorted(_script_heads(migrations_directory()) - applied)
    db.session.rollback()
    if pending:
        raise PendingMigrations()
    return {}


class PendingMigrations(RuntimeError):
    """The database is behind the code: `flask db upgrade` has not run."""


def _redis() -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=REDIS_TIMEOUT_S,
                                  socket_connect_timeout=REDIS_TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()
    return {}


class NoWorker(RuntimeError):
    """Jobs are waiting and no worker has beaten its heartbeat lately: `gems worker` is not running."""


def _queue() -> dict[str, Any]:
    from app.jobs.state import queue_status

    status = queue_status()
    if status["waiting"] and not status["workers"]:
        raise NoWorker()
    return status


def check() -> Health:
    """Every check, each timed; Redis only when REDIS_URL is set (`make run` has none and needs none)."""
    health = Health()
    health.checks["database"] = _timed(_database)
    health.checks["migrations"] = _timed(_migrations)
    if current_app.config.get("REDIS_URL"):
        health.checks["redis"] = _timed(_redis)
        health.checks["queue"] = _timed(_queue)
    return health
