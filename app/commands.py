"""`flask --app run gems ...`: bootstrap roles and permissions, load demo data, verify the audit chain."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

gems = AppGroup("gems", help="GEMS administration commands.")


@gems.command("bootstrap")
def bootstrap() -> None:
    """Create FAB permissions for every view and give each built-in role exactly its grants (idempotent)."""
    from app.services.bootstrap import sync_permissions_and_roles

    summary = sync_permissions_and_roles()
    click.echo(f"roles synced: {summary}")


@gems.command("demo")
@click.option("--graduates", type=int, default=None, help="How many graduates to generate.")
def demo(graduates: int | None) -> None:
    """Load a realistic demo school once (refused when GEMS_ENV=production)."""
    from app.services.demo import DemoRefused, load_demo

    try:
        report = load_demo(graduates or current_app.config["GEMS_DEMO_GRADUATES"], reviews=True)
    except DemoRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(report)


def _echo_problems(result) -> None:  # noqa: ANN001
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.more:
        click.echo(f"... and {result.more} more problems", err=True)


@gems.command("audit-verify")
@click.option("--checkpoint/--no-checkpoint", default=True,
              help="After a clean verify, write a signed checkpoint of the verified head (default: yes).")
def audit_verify(checkpoint: bool) -> None:
    """Check the audit chain and its signed checkpoints; exit status 1 if any entry was edited, forged, deleted,
    reordered or truncated, or a checkpoint was edited."""
    from app.services import audit_checkpoint
    from app.services.audit import verify

    result = verify()
    _echo_problems(result)
    click.echo(f"checked {result.checked} entries: {'OK' if result.ok else 'TAMPERED'}")
    from app.services.dashboard import record_verify  # the admin's home page shows this last result

    record_verify(result.ok, result.checked, len(result.problems) + result.more)
    if result.ok and checkpoint and result.checked and audit_checkpoint.configured():
        audit_checkpoint.write(result.head_seq, result.head_hash)
    sys.exit(0 if result.ok else 1)


@gems.command("audit-checkpoint")
def audit_checkpoint_command() -> None:
    """Verify the chain, seal it under the current key (after an upgrade or a key change), write a checkpoint."""
    from app.extensions import db
    from app.services import audit_checkpoint
    from app.services.audit import seal, verify

    if not audit_checkpoint.configured():
        click.echo("set GEMS_AUDIT_CHECKPOINT_FILE or GEMS_AUDIT_SYSLOG", err=True)
        sys.exit(2)
    result = verify()
    if result.problems and not (result.unsealed and len(result.problems) == 1):
        _echo_problems(result)
        click.echo(f"checked {result.checked} entries: TAMPERED; no checkpoint written", err=True)
        sys.exit(1)
    if seal():
        db.session.commit()
        result = verify()
        if not result.ok:
            _echo_problems(result)
            sys.exit(1)
    if result.checked == 0:
        click.echo("the audit log is empty; nothing to checkpoint")
        return
    written = audit_checkpoint.write(result.head_seq, result.head_hash)
    if written is None:
        click.echo("checkpoint not written (see the log)", err=True)
        sys.exit(1)
    click.echo(f"checkpoint: seq {written.seq} hash {written.hash} key {written.key_id}")


@gems.command("import-registry")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cohort", "year", type=int, required=True, help="Graduation year of the cohort, e.g. 2026.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the Excel of rejected rows (default: FILE.errors.xlsx next to FILE).")
def import_registry(file: Path, year: int, report: Path | None) -> None:
    """Import a cohort's provincial registry (.xlsx) all-or-nothing; exit status 1 when the file is rejected."""
    from app.services.import_jobs import PHASE_LABELS, import_file

    def echo(phase: str, processed: int, total: int) -> None:
        click.echo(f"{PHASE_LABELS.get(phase, phase)}: {processed}/{total}", err=True)

    try:
        outcome, written = import_file(file, year, report, echo)
    except LookupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(outcome.summary())
    for error in outcome.listed_errors(50):
        where = f"{error['row']} {error['column']}: " if error["row"] else ""
        click.echo(f"  {where}{error['message']}", err=True)
    if written is not None:
        click.echo(f"report: {written}", err=True)
    sys.exit(0 if outcome.ok else 1)


@gems.command("backup")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The archive to write (default: instance/backups/gems-backup-<UTC time>.tar).")
def backup_command(out: Path | None) -> None:
    """Back up the database (pg_dump, or SQLite's online backup) and the files under instance/ into one archive."""
    from app.services.backup import BackupError, create

    try:
        written = create(out)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(f"backup: {written}")


@gems.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore a backup into an empty database and instance/, then check rows, files and the audit chain."""
    from app.services.audit import verify
    from app.services.backup import BackupError, restore

    try:
        report = restore(archive)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    for problem in report.problems:
        click.echo(problem, err=True)
    chain = verify()
    _echo_problems(chain)
    click.echo(f"restored {report.tables} tables, {report.rows} rows, {report.files} files; "
               f"audit chain {chain.checked} entries: {'OK' if chain.ok else 'TAMPERED'}")
    sys.exit(0 if report.ok and chain.ok else 1)


@gems.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
def worker_command(burst: bool) -> None:
    """Run background jobs from Redis (REDIS_URL) and the scheduled ones: statistics snapshots, audit checkpoints,
    expiry of old result files."""
    from app.jobs.worker import run_worker

    if not current_app.config.get("REDIS_URL"):
        click.echo("set REDIS_URL: without Redis, jobs run inside the web process and need no worker", err=True)
        sys.exit(2)
    run_worker(current_app._get_current_object(), burst=burst)


@gems.command("jobs-expire")
@click.option("--days", type=float, default=None, help="Age in days (default GEMS_JOB_FILES_DAYS).")
def jobs_expire(days: float | None) -> None:
    """Delete result files (exports, error reports) of jobs finished longer ago than the retention."""
    from app.jobs.state import expire_files

    click.echo(f"expired {expire_files(days)} job files")


def register_commands(app: Flask) -> None:
    app.cli.add_command(gems)
