"""Gunicorn config hooks for the deadline-rush benchmark: time every wait for the audit log's head-row lock.

Used as `gunicorn -c tests/benchmarks/bench_review_rush_hooks.py run:app`. Each worker times the statement that takes
the lock (app.services.audit._append's first UPDATE of audit_head, which blocks while another transaction holds it)
and the time from taking it to the end of that transaction (COMMIT), per request path and form action, and writes
them to $BENCH_RUSH_STATS/<pid>.json when it exits. No app code is changed.
"""
from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

_local = threading.local()
_samples: list[dict[str, Any]] = []
_lock = threading.Lock()


def _kind() -> str:
    from flask import has_request_context, request

    if not has_request_context():
        return "other"
    action = request.form.get("action", "") if request.method == "POST" else ""
    return f"{request.method} {request.path}{' ' + action if action else ''}"


def post_worker_init(worker: Any) -> None:  # gunicorn hook
    from sqlalchemy import event
    from sqlalchemy.engine import Connection, Engine

    def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        _local.t0 = time.perf_counter()

    def after(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.startswith("UPDATE audit_head SET last_seq=audit_head.last_seq"):
            now = time.perf_counter()
            conn.info["_bench_head_taken"] = now
            conn.info["_bench_head_wait"] = now - _local.t0

    def commit(conn: Connection) -> None:
        taken = conn.info.pop("_bench_head_taken", None)
        if taken is not None:
            sample = {"kind": _kind(), "wait": conn.info.pop("_bench_head_wait", 0.0),
                      "held": time.perf_counter() - taken}
            with _lock:
                _samples.append(sample)

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", commit)


def worker_exit(server: Any, worker: Any) -> None:  # gunicorn hook
    folder = os.environ.get("BENCH_RUSH_STATS")
    if folder:
        with _lock, open(os.path.join(folder, f"{os.getpid()}.json"), "w", encoding="utf-8") as out:
            json.dump(_samples, out)
