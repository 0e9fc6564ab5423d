"""`gems backup` / `gems restore`: one archive holding the database (pg_dump, or SQLite's online backup), the files
under instance/ (evidence, checkpoints) and a manifest of row counts and file hashes that the restore checks."""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.services import audit_checkpoint
from app.services.audit_keys import init_audit_keys

MANIFEST = "manifest.json"
FORMAT = 1
BACKUP_DIR_NAME = "backups"
_SKIP_SUFFIXES = ("-wal", "-shm", "-journal")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- what is in the database -------------------------------------------------------------------------------------


def _tables() -> list[str]:
    return sorted(name for name in inspect(db.engine).get_table_names() if name != "alembic_version")


def row_counts() -> dict[str, int]:
    """Rows per table: written into the manifest, compared after a restore."""
    counts = {name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in _tables()}
    db.session.rollback()
    return counts


def _sqlite_path() -> Optional[str]:
    """The database file of a file-backed SQLite URL (None for PostgreSQL or an in-memory database)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        return None
    return url.database or ":memory:"


# --- files -------------------------------------------------------------------------------------------------------


def _file_roots() -> dict[str, Path]:
    """Archive folder → directory: instance/, and the evidence directory when it is configured outside it."""
    roots = {"instance": Path(current_app.instance_path)}
    evidence = current_app.config.get("GEMS_EVIDENCE_DIR")
    if evidence and not Path(evidence).resolve().is_relative_to(roots["instance"].resolve()):
        roots["evidence"] = Path(evidence)
    return roots


def _files(exclude: set[Path]) -> Iterator[tuple[str, Path]]:
    for folder, root in _file_roots().items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            resolved = path.resolve()
            if not path.is_file() or resolved in exclude or path.name.endswith(_SKIP_SUFFIXES):
                continue
            if BACKUP_DIR_NAME in path.relative_to(root).parts[:1]:
                continue
            yield f"{folder}/{path.relative_to(root).as_posix()}", path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- backup ------------------------------------------------------------------------------------------------------


def _pg_env_and_url() -> tuple[dict[str, str], str]:
    """A libpq URL without the password (passed in PGPASSWORD, so it never shows in a process list)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return env, plain


def _current_schema() -> str:
    schema = db.session.execute(text("SELECT current_schema()")).scalar_one()
    db.session.rollback()
    return schema


def _dump_database(work: Path) -> str:
    """Write the database into `work`; returns the archive member name."""
    if db.engine.dialect.name == "postgresql":
        env, url = _pg_env_and_url()
        target = work / "database.pgdump"
        command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
        schema = _current_schema()
        if schema != "public":
            command.append(f"--schema={schema}")
        _run([*command, url], env)
        return target.name
    if db.engine.dialect.name != "sqlite":
        raise BackupError(f"backup of {db.engine.dialect.name} is not supported (PostgreSQL or SQLite)")
    target = work / "database.sqlite"
    raw = db.engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        with destination:
            raw.driver_connection.backup(destination)  # the online backup API: a consistent copy while others write
        destination.close()
    finally:
        raw.close()
    return target.name


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def _alembic_revision() -> Optional[str]:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database built without migrations has no revision to record
        db.session.rollback()
        return None


def _archive_name(path: Optional[Path], files: list[tuple[str, Path]]) -> Optional[str]:
    """The archive name of the audit checkpoint file, so the restore can hand it to the new database."""
    if path is None:
        return None
    return next((name for name, candidate in files if candidate.resolve() == path.resolve()), None)


def create(out: Optional[Path] = None) -> Path:
    """Write one .tar archive (database, files, manifest) and return its path; default instance/backups/."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    if out is None:
        out = Path(current_app.instance_path) / BACKUP_DIR_NAME / f"gems-backup-{stamp}.tar"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gems-backup-") as tmp:
        work = Path(tmp)
        counts = row_counts()  # before the dump; the restore compares at least these many rows per table
        member = _dump_database(work)
        sqlite_file = _sqlite_path()
        exclude = {out.resolve()}
        if sqlite_file and sqlite_file != ":memory:":
            exclude.add(Path(sqlite_file).resolve())
        files = list(_files(exclude))
        manifest = {
            "format": FORMAT, "created_at": stamp, "dialect": db.engine.dialect.name, "database": member,
            "alembic_revision": _alembic_revision(), "rows": counts,
            "files": {name: _sha256(path) for name, path in files},
            "checkpoints": _archive_name(audit_checkpoint.checkpoint_file(), files),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = out.with_suffix(".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / MANIFEST, MANIFEST)
            archive.add(work / member, member)
            for name, path in files:
                archive.add(path, f"files/{name}")
        partial.replace(out)  # a crash never leaves a complete-looking archive behind
    return out


# --- restore -----------------------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a GEMS backup: no manifest.json in the archive") from exc
    manifest = json.load(io.TextIOWrapper(member, encoding="utf-8"))  # type: ignore[arg-type]
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _refuse_unless_empty() -> None:
    filled = [name for name in _tables()
              if db.session.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None]
    db.session.rollback()
    if filled:
        raise BackupError(f"the target database is not empty ({len(filled)} tables hold rows, e.g. {filled[0]}): "
                          "restore into an empty database")


def _restore_database(archive: tarfile.TarFile, manifest: dict[str, Any], work: Path) -> None:
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"this backup holds a {manifest['dialect']} database; the target is {dialect}")
    archive.extract(manifest["database"], work, filter="data")
    source = work / manifest["database"]
    db.session.remove()
    if dialect == "postgresql":
        env, url = _pg_env_and_url()
        if _tables():
            raise BackupError("the target database already has GEMS tables: restore into an empty database")
        db.engine.dispose()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}", str(source)], env)
        return
    target = _sqlite_path()
    db.engine.dispose()
    with sqlite3.connect(source) as backup_db, sqlite3.connect(target) as live:
        backup_db.backup(live)


def _restore_files(archive: tarfile.TarFile, manifest: dict[str, Any], report: RestoreReport) -> None:
    roots = _file_roots()
    roots.setdefault("evidence", Path(current_app.config.get("GEMS_EVIDENCE_DIR") or roots["instance"] / "evidence"))
    for name, digest in manifest["files"].items():
        folder, _sep, relative = name.partition("/")
        target = roots[folder] / relative
        if not target.resolve().is_relative_to(roots[folder].resolve()):
            report.problems.append(f"file outside its folder refused: {name}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        member = archive.extractfile(f"files/{name}")
        if member is None:
            report.problems.append(f"file missing from the archive: {name}")
            continue
        with target.open("wb") as handle:
            shutil.copyfileobj(member, handle)
        if _sha256(target) != digest:
            report.problems.append(f"file differs from the backup: {name}")
        report.files += 1


def _hand_on_checkpoints(manifest: dict[str, Any]) -> None:
    """The checkpoint file is named after the database URL: a restore into another URL gets the backup's as its own,
    so a truncation of the restored chain below a checkpoint is still found."""
    restored, own = manifest.get("checkpoints"), audit_checkpoint.checkpoint_file()
    if not restored or own is None or own.exists():
        return
    folder, _sep, relative = restored.partition("/")
    source = _file_roots().get(folder, Path(current_app.instance_path)) / relative
    if source.exists() and source.resolve() != own.resolve():
        own.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, own)


def restore(path: Path) -> RestoreReport:
    """Restore an archive into this (empty) database and instance/, then check every table's rows and every file."""
    report = RestoreReport()
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory(prefix="gems-restore-") as tmp:
        manifest = _read_manifest(archive)
        _refuse_unless_empty()
        _restore_database(archive, manifest, Path(tmp))
        _restore_files(archive, manifest, report)
        _hand_on_checkpoints(manifest)
    init_audit_keys(current_app)  # a development key file under instance/ was just restored: verify with it
    counts = row_counts()
    for table, expected in manifest["rows"].items():
        found = counts.get(table)
        if found is None:
            report.problems.append(f"table missing after restore: {table}")
        elif found < expected:
            report.problems.append(f"{table}: {found} rows restored, the backup counted {expected}")
        report.rows += found or 0
    report.tables = len(counts)
    return report
