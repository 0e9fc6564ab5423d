"""One way to start a long task: `dispatch(kind, job_id, ...)` queues it on Redis or runs it here.

A task kind names the function that runs it (KINDS), so a worker on another machine imports it by name. Every task
is keyed by its job row: enqueueing the same job twice, or two workers picking it up, runs it once (the runner claims
the row with an UPDATE ... WHERE state = 'queued').
"""
from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import Any, Callable, Optional

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, get_locale

from app.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAME = "gems"
KINDS = {  # job kind -> "module:function(job_id, *args)"; each runs in an app context in the requester's language
    "registry": "app.services.import_jobs:run_registry_job",
    "export": "app.services.review.export:run_export_job",
}
_worker_app: Optional[Flask] = None
_worker_pid: Optional[int] = None


def redis_connection(app: Optional[Flask] = None) -> Any:
    from app.redis_client import client

    connection = client(app)
    if connection is None:
        raise RuntimeError("REDIS_URL is not set")
    return connection


def queued(app: Optional[Flask] = None) -> bool:
    """Jobs go to Redis when it is configured (and GEMS_JOBS_INLINE is not set, as in most tests)."""
    config = (app or current_app).config
    return bool(config.get("REDIS_URL")) and not config.get("GEMS_JOBS_INLINE", False)


def queue(app: Optional[Flask] = None) -> Any:
    from rq import Queue

    config = (app or current_app).config
    return Queue(config.get("GEMS_JOB_QUEUE", QUEUE_NAME), connection=redis_connection(app))


def rq_id(kind: str, job_id: int) -> str:
    """The queue's key for a job row: the queue's name first, so two deployments on one Redis never meet."""
    return f"{current_app.config.get('GEMS_JOB_QUEUE', QUEUE_NAME)}-{kind}-{job_id}"


def _function(kind: str) -> Callable[..., Any]:
    module, _sep, name = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def dispatch(kind: str, job_id: int, *args: Any) -> None:
    """Start job `job_id` of `kind`: on the queue, inline (tests, GEMS_IMPORT_SYNC) or in a thread (`make run`)."""
    if kind not in KINDS:
        raise KeyError(kind)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    locale = str(get_locale() or app.config.get("BABEL_DEFAULT_LOCALE", "zh"))
    if queued(app):
        if _on_queue_already(app, rq_id(kind, job_id)):
            return
        timeout = int(app.config.get("GEMS_JOB_TIMEOUT_S", 900))
        queue(app).enqueue(perform, kind, job_id, args, locale, job_id=rq_id(kind, job_id), job_timeout=timeout,
                           result_ttl=86400, failure_ttl=7 * 86400, description=f"{kind} #{job_id}")
        return
    if app.config.get("GEMS_IMPORT_SYNC", app.testing):
        _run_logged(kind, job_id, args)
        return
    threading.Thread(target=_in_thread, args=(app, kind, job_id, args, locale), name=f"{kind}-{job_id}",
                     daemon=True).start()


def _on_queue_already(app: Flask, key: str) -> bool:
    """A second start of the same job (a double click, a retry) while the first still waits or runs: nothing to add."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        status = Job.fetch(key, connection=redis_connection(app)).get_status()
    except NoSuchJobError:
        return False
    return status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def _run_logged(kind: str, job_id: int, args: tuple[Any, ...]) -> None:
    try:
        _function(kind)(job_id, *args)
    except Exception:  # noqa: BLE001 - the task recorded the failure on its job row, which the user sees
        log.exception("%s job %s ended with an error", kind, job_id)
        db.session.rollback()


def _in_thread(app: Flask, kind: str, job_id: int, args: tuple[Any, ...], locale: str) -> None:
    with app.app_context(), force_locale(locale):
        try:
            _run_logged(kind, job_id, args)
        finally:
            db.session.remove()


def use_app(app: Flask) -> None:
    """The worker process's app (set by `gems worker`), so a task does not build one per job."""
    global _worker_app, _worker_pid
    _worker_app, _worker_pid = app, os.getpid()


def _app() -> Flask:
    if _worker_app is None:
        if has_app_context():
            use_app(current_app._get_current_object())  # type: ignore[attr-defined]
        else:
            from app import create_app

            use_app(create_app())
    return _worker_app  # type: ignore[return-value]


def _call(target: str, args: tuple[Any, ...], locale: str) -> None:
    """Run "module:function"(*args) in a fresh app context; connections inherited over a fork are not reused."""
    app = _app()
    module, _sep, name = target.partition(":")
    with app.app_context(), force_locale(locale):
        if os.getpid() != _worker_pid:  # a work horse forked by RQ: the parent's pooled connections are not ours
            db.engine.dispose(close=False)
        try:
            getattr(importlib.import_module(module), name)(*args)
        finally:
            db.session.remove()


def perform(kind: str, job_id: int, args: tuple[Any, ...], locale: str) -> None:
    """What the RQ worker calls for a job row: the kind's task in the requester's language."""
    _call(KINDS[kind], (job_id, *args), locale)


def perform_plain(target: str, args: tuple[Any, ...], locale: str = "zh") -> None:
    """What the RQ worker calls for a scheduled task (no job row)."""
    _call(target, args, locale)
