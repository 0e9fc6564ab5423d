"""`gems backup` of a busy demo, `gems restore` into an empty database by the real command in another process: every
record and file comes back and the restored audit chain verifies; a non-empty target or a foreign file is refused."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.services import audit, backup
from tests.conftest import PG

ROOT = Path(__file__).resolve().parents[2]
TEST_KEYS = "test:gems-test-audit-key-0123456789abcdef"  # the TestConfig key: the chain was written under it


def _cli(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEMS_AUDIT_KEYS": TEST_KEYS, **env_overrides}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "run", "gems", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture()
def instance(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's instance/ moved to a temporary directory, holding one evidence file with a Chinese name."""
    folder = tmp_path / "instance"
    (folder / "evidence" / "ab").mkdir(parents=True)
    (folder / "evidence" / "ab" / ("ab" + "c" * 30)).write_bytes(b"%PDF-1.4 proof " + os.urandom(2048))
    (folder / "说明.txt").write_text("就业协议书扫描件", encoding="utf-8")
    monkeypatch.setattr(app, "instance_path", str(folder))
    return folder


@pytest.fixture()
def target(app: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of an empty database to restore into (a new file, or a new PostgreSQL database)."""
    restored = tmp_path / "restored"
    restored.mkdir()
    if not PG:
        yield {"DATABASE_URL": f"sqlite:///{restored / 'gems.db'}", "GEMS_INSTANCE_DIR": str(restored)}
        return
    name = f"gems_restore_{uuid.uuid4().hex[:8]}"
    server = make_url(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    with app.app_context():
        schema = db.session.execute(text("SELECT current_schema()")).scalar_one()
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield {"DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}", "GEMS_INSTANCE_DIR": str(restored)}
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _busy(app: Any, stop: threading.Event) -> threading.Thread:
    """A writer appending audit entries while the backup runs (PostgreSQL only: SQLite has one writer at a time)."""

    def write() -> None:
        with app.app_context():
            while not stop.is_set():
                audit.record("test.busy", "graduate", "0", note="写入中")
                db.session.commit()

    thread = threading.Thread(target=write)
    if PG:
        thread.start()
    return thread


def _ids(model: Any) -> set[int]:
    return set(db.session.execute(select(model.id)).scalars())


def test_a_busy_demo_backed_up_and_restored_into_an_empty_database_loses_nothing(
        app: Any, instance: Path, target: dict[str, str]) -> None:
    archive = instance.parent / "gems.tar"
    with app.app_context():
        graduates, entries = _ids(Graduate), _ids(AuditLog)
        stop = threading.Event()
        writer = _busy(app, stop)
        try:
            backup.create(archive)
        finally:
            stop.set()
            if writer.is_alive():
                writer.join(timeout=30)
    assert graduates and entries

    done = _cli(target, "restore", str(archive))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain" in done.stdout and "OK" in done.stdout.rsplit("audit chain", 1)[1], done.stdout

    restored_url = target["DATABASE_URL"]
    engine = create_engine(restored_url)
    try:
        with engine.connect() as conn:
            assert set(conn.execute(text("SELECT id FROM graduate")).scalars()) == graduates
            assert entries <= set(conn.execute(text("SELECT id FROM audit_log")).scalars())
    finally:
        engine.dispose()
    restored = Path(target["GEMS_INSTANCE_DIR"])
    for original in (p for p in instance.rglob("*") if p.is_file()):
        copy = restored / original.relative_to(instance)
        assert copy.read_bytes() == original.read_bytes(), original.name

    again = _cli(target, "restore", str(archive))
    assert again.returncode == 2 and "not empty" in again.stderr


def test_an_archive_that_is_not_a_gems_backup_is_refused(app: Any, instance: Path, target: dict[str, str]) -> None:
    foreign = instance.parent / "other.tar"
    import tarfile

    with tarfile.open(foreign, "w") as archive:
        archive.add(instance / "说明.txt", "说明.txt")
    done = _cli(target, "restore", str(foreign))
    assert done.returncode == 2 and "manifest.json" in done.stderr
