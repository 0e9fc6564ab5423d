"""Jobs the worker starts on a clock: once per period across every worker (a Redis key per period decides who)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask

from app.extensions import db
from app.jobs.queue import queue, redis_connection

log = logging.getLogger(__name__)
TICK_S = 30


def audit_checkpoint() -> None:
    """Seal and checkpoint the audit chain's head (what `gems audit-checkpoint` does by hand)."""
    from app.services import audit_checkpoint as checkpoints
    from app.services.audit import verify

    if not checkpoints.configured():
        return
    result = verify()
    if result.ok and result.checked:
        checkpoints.write(result.head_seq, result.head_hash)


def statistics_snapshot() -> None:
    """Today's placement-rate snapshot for the rate's rise through the season."""
    from app.services.statistics_charts import snapshot

    snapshot()
    db.session.commit()


def expire_job_files() -> None:
    from app.jobs.state import expire_files

    expire_files()


@dataclass(frozen=True)
class Schedule:
    name: str
    period_s: int
    task: Callable[[], None]


SCHEDULES = (
    Schedule("audit-checkpoint", 3600, audit_checkpoint),
    Schedule("statistics-snapshot", 3600, statistics_snapshot),  # hourly: the day's row is replaced, never doubled
    Schedule("expire-job-files", 86400, expire_job_files),
)


def run_scheduled(name: str) -> None:
    """What the queue runs for a schedule (in the worker's app context, set up by app.jobs.queue.perform_plain)."""
    next(s for s in SCHEDULES if s.name == name).task()


def due(app: Flask, now: float | None = None) -> list[str]:
    """The schedules whose current period nobody has started yet; claims each (SET NX), so one worker enqueues it."""
    now = time.time() if now is None else now
    connection = redis_connection(app)
    started = []
    for schedule in SCHEDULES:
        period = int(now // schedule.period_s)
        if connection.set(f"gems:schedule:{schedule.name}:{period}", "1", nx=True, ex=schedule.period_s * 2):
            started.append(schedule.name)
    return started


def tick(app: Flask) -> list[str]:
    """Enqueue every due schedule; returns their names."""
    names = due(app)
    for name in names:
        queue(app).enqueue("app.jobs.queue.perform_plain", "app.jobs.scheduled:run_scheduled", (name,),
                           job_timeout=int(app.config.get("GEMS_JOB_TIMEOUT_S", 900)), result_ttl=3600)
    return names


def start_clock(app: Flask, stop: threading.Event) -> threading.Thread:
    """A thread of the worker process that ticks until `stop` is set."""

    def loop() -> None:
        while not stop.is_set():
            try:
                started = tick(app)
                if started:
                    log.info("scheduled: %s", ", ".join(started))
            except Exception:  # noqa: BLE001 - Redis away for a moment: try again next tick
                log.warning("the job clock could not reach Redis", exc_info=True)
            stop.wait(TICK_S)

    thread = threading.Thread(target=loop, name="gems-clock", daemon=True)
    thread.start()
    return thread


