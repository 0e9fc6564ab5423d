"""`flask --app run gems worker`: run queued jobs and the clock's scheduled ones, beating a heartbeat /healthz reads."""
from __future__ import annotations

import threading

from flask import Flask

from app.jobs.queue import queue, redis_connection, use_app
from app.jobs.scheduled import start_clock


def run_worker(app: Flask, burst: bool = False, clock: bool = True, fork: bool = True) -> bool:
    """Work the queue (forking a work horse per job, so a crash takes one job, not the worker); `burst` stops when
    the queue is empty; `fork=False` runs jobs in this process (tests on an in-memory database). Returns whether
    any job was worked."""
    from rq import SimpleWorker, Worker

    use_app(app)
    heartbeat = int(app.config.get("GEMS_WORKER_HEARTBEAT_S", 30))
    worker = (Worker if fork else SimpleWorker)([queue(app)], connection=redis_connection(app), job_monitoring_interval=heartbeat,
                    worker_ttl=max(3 * heartbeat, 60))
    stop = threading.Event()
    if clock and not burst:
        start_clock(app, stop)
    try:
        return worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
    finally:
        stop.set()
