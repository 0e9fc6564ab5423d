"""A job row's life beyond its task: claimed once, cancelled on request, found interrupted, its file expired."""
from __future__ import annotations

import datetime
import logging
import shutil
from pathlib import Path
from typing import Any, Optional

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.jobs.queue import queue, queued, redis_connection, rq_id
from app.models.registry import ImportJob
from app.timeutil import utcnow

log = logging.getLogger(__name__)
FINISHED = frozenset({"done", "rejected", "failed", "cancelled"})
CANCELLING = "cancelling"
EXPIRED = "expired"


class JobCancelled(Exception):
    """The owner asked to stop a running job; its task rolls back and records the cancellation."""


def claim(job_id: int) -> bool:
    """Move a queued job to running; False when another worker (or a retry) already took it."""
    table = ImportJob.__table__
    with db.engine.begin() as conn:
        taken = conn.execute(update(table).where(table.c.id == job_id, table.c.state == "queued")
                             .values(state="running")).rowcount
    return taken == 1


def request_cancel(job: ImportJob) -> str:
    """Cancel a queued job at once, or ask a running one to stop at its next progress step; returns the new state."""
    table = ImportJob.__table__
    with db.engine.begin() as conn:
        if conn.execute(update(table).where(table.c.id == job.id, table.c.state == "queued").values(
                state="cancelled", phase="finished", finished_at=utcnow())).rowcount:
            _cancel_on_queue(job)
            return "cancelled"
        conn.execute(update(table).where(table.c.id == job.id, table.c.state == "running").values(phase=CANCELLING))
    db.session.expire(job)
    return job.state


def _cancel_on_queue(job: ImportJob) -> None:
    if not queued():
        return
    from rq.job import Job

    try:
        Job.fetch(rq_id(job.kind, job.id), connection=redis_connection()).cancel()
    except Exception:  # noqa: BLE001 - gone from the queue already: the row's state is what counts
        log.info("job %s was no longer on the queue", job.id)


def _started_too_long_ago(job: ImportJob) -> bool:
    limit = float(current_app.config.get("GEMS_JOB_TIMEOUT_S", 900)) + 300
    return job.created_at is not None and (utcnow() - job.created_at).total_seconds() > limit


def interrupted(job: ImportJob) -> bool:
    """A job that will never finish: its worker died or the server stopped. Never reported as running for ever."""
    if job.state in FINISHED:
        return False
    if not queued():
        return _started_too_long_ago(job)  # in-process: a restart kills the thread; time is all there is to go on
    try:
        return _lost_on_queue(job)
    except Exception:  # noqa: BLE001 - Redis unreachable: judge by time rather than fail the page
        log.warning("cannot ask the queue about job %s", job.id)
        return _started_too_long_ago(job)


def _lost_on_queue(job: ImportJob) -> bool:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.worker import Worker

    connection = redis_connection()
    try:
        task = Job.fetch(rq_id(job.kind, job.id), connection=connection)
    except NoSuchJobError:
        return job.state == "running" or _started_too_long_ago(job)
    status = task.get_status(refresh=True)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return True
    if status == JobStatus.STARTED:
        worker = Worker.find_by_key(f"{Worker.redis_worker_namespace_prefix}{task.worker_name}",
                                    connection=connection) if task.worker_name else None
        return worker is None or _stale(worker.last_heartbeat)
    return False


def _stale(heartbeat: Optional[datetime.datetime]) -> bool:
    """A worker that has not beaten for three intervals is dead (RQ beats every few seconds while it works)."""
    if heartbeat is None:
        return True
    limit = 3 * float(current_app.config.get("GEMS_WORKER_HEARTBEAT_S", 30))
    beat = heartbeat if heartbeat.tzinfo else heartbeat.replace(tzinfo=datetime.UTC)
    return (datetime.datetime.now(datetime.UTC) - beat).total_seconds() > limit


def queue_status() -> dict[str, Any]:
    """For /healthz: jobs waiting and workers alive (beaten within three intervals)."""
    from rq.worker import Worker

    waiting = queue()
    workers = [w for w in Worker.all(queue=waiting) if not _stale(w.last_heartbeat)]
    return {"waiting": waiting.count, "workers": len(workers)}


def expire_files(days: Optional[float] = None) -> int:
    """Delete the result files of jobs finished more than `days` ago (GEMS_JOB_FILES_DAYS); returns how many."""
    days = float(current_app.config.get("GEMS_JOB_FILES_DAYS", 7) if days is None else days)
    cutoff = utcnow() - datetime.timedelta(days=days)
    old = db.session.execute(select(ImportJob).where(
        ImportJob.finished_at < cutoff, ImportJob.report_path.is_not(None))).scalars().all()
    root = Path(current_app.instance_path)
    for job in old:
        target = (root / job.report_path).resolve()
        if target.is_relative_to(root.resolve()):
            target.unlink(missing_ok=True)
        folder = root / "imports" / str(job.id)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        job.report_path, job.phase = None, EXPIRED
    db.session.commit()
    return len(old)
