"""Alembic owns every table: `flask db upgrade` on an empty database, then `flask db check` finds nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG

ROOT = Path(__file__).resolve().parent.parent


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.run([flask, "--app", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture()
def empty_db(tmp_path: Any) -> Any:
    """A database with no tables: a new SQLite file, or a new PostgreSQL schema."""
    if not PG:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"gems_mig_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_upgrade_check_bootstrap_and_append_only(empty_db: str, tmp_path: Any) -> None:
    """upgrade builds the schema, check is clean, bootstrap works, and the database refuses audit edits."""
    env = {**os.environ, "DATABASE_URL": empty_db, "GEMS_INSTANCE_DIR": str(tmp_path), "FLASK_DEBUG": "0"}
    for args in (("db", "upgrade"), ("db", "check"), ("gems", "bootstrap"), ("gems", "audit-verify")):
        done = _flask(env, *args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from audit_log")).scalar_one() > 0
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("update audit_log set action = 'forged'"))
    engine.dispose()


def test_demo_command_seeds_a_school_mid_season(empty_db: str, tmp_path: Any) -> None:
    """`make run`'s demo goes through the real engine: every review state occurs and the audit chain verifies."""
    env = {**os.environ, "DATABASE_URL": empty_db, "GEMS_INSTANCE_DIR": str(tmp_path), "FLASK_DEBUG": "0"}
    for args in (("db", "upgrade"), ("gems", "bootstrap"), ("gems", "demo", "--graduates", "300"),
                 ("gems", "demo"), ("gems", "audit-verify")):
        done = _flask(env, *args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        states = dict(conn.execute(text("select status, count(*) from graduate group by status")).all())
        assert set(states) == {"draft", "secondary", "central", "complete", "rejected"}, states
        assert sum(states.values()) == 300  # the second `gems demo` added nothing
        rejected = conn.execute(text("select college_remark from graduate where status = 'rejected'")).scalars()
        assert set(rejected) == {"生源地与户籍证明不一致，请核对后重新提交。"}
    engine.dispose()
