"""Issue 4 "Scale": the deadline rush — 500 students at once sign in, open their form, save it, then submit it, against
the production server (gunicorn -w 4 --threads 4, GEMS_ENV=production) on PostgreSQL.

Usage: python tests/benchmarks/bench_review_rush.py [students, default 500] [ramp seconds, default 0]
Bench-only server settings: GEMS_AUTH_RATE_LIMIT raised (every virtual student comes from 127.0.0.1),
GEMS_PASSWORD_HASH=pbkdf2:sha256:1000 (cheap hashes for the 500 accounts). ProductionConfig always sets
SESSION_COOKIE_SECURE, so the load generator keeps the cookies itself (a cookie jar would not send a Secure cookie
over http). Goals: 0 errors, all submitted (二级待审, one workflow audit row each), p95 <= 500 ms per request type.
Figures go to .bench-cache/review.json (section "rush"), including the time spent waiting for the audit head lock.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402

PASSWORD = "Rush@2026pass"
WORKERS, THREADS = 4, 4
TYPES = ("GET /login/", "POST /login/", "GET /student/source/", "POST save", "GET form after save", "POST submit",
         "GET form after submit")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


def create_students(app: Any, count: int) -> list[dict[str, Any]]:
    """`count` bound student accounts (must_change_password False) with draft forms pre-filled from the registry;
    returns what each virtual student posts (the stored form plus the archive and contact parts)."""
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models.graduate import Graduate
    from app.models.user import User
    from app.security.roles import STUDENT
    from app.services.accounts import hash_password
    from app.services.source_form import submission_problems, values_of

    with app.app_context():
        st = rd.structure()
        role = app.appbuilder.sm.find_role(STUDENT)
        rows = list(rd.graduate_rows(count, st, ["draft"], first=500_000, complete=False, region="430621"))
        users = [{"username": r[0], "first_name": r[6], "last_name": "", "email": f"{r[0]}@rush.gems.invalid",
                  "active": True, "password": hash_password(PASSWORD), "must_change_password": False,
                  "department_id": r[2]} for r in rows]
        db.session.execute(insert(User.__table__), users)
        ids = dict(db.session.execute(select(User.username, User.id).where(
            User.username.in_([u["username"] for u in users]))).all())
        db.session.execute(insert(User.__table__.metadata.tables["ab_user_role"]),
                           [{"user_id": ids[r[0]], "role_id": role.id} for r in rows])
        db.session.commit()
        rd.insert_graduates(rd.graduate_rows(count, st, ["draft"], first=500_000, complete=False, region="430621",
                                             users=[ids[r[0]] for r in rows]))
        students = []
        graduates = db.session.execute(select(Graduate).where(Graduate.user_id.in_(list(ids.values())))).scalars()
        for n, graduate in enumerate(graduates):
            form = {k: v for k, v in values_of(graduate).items() if k not in ("id_number", "student_no")}
            form.update(rd.COMPLETE_FORM, mobile=f"138{n:08d}", email=f"s{n}@rush.example.cn")
            students.append({"username": graduate.student_no, "graduate_id": graduate.id, "form": form})
            if n == 0:  # fail early if the generated form would not pass the submit guard
                for key, value in form.items():
                    setattr(graduate, key, value or None)
                assert not submission_problems(graduate), submission_problems(graduate)
                db.session.rollback()
        db.session.remove()
    assert len(students) == count
    return students


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(schema: str, stats: str, instance: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "GEMS_ENV": "production", "SECRET_KEY": "rush-bench-secret", "GEMS_SECURE_COOKIES": "0",
           "GEMS_AUDIT_KEY": "rush-bench-audit-key-0123456789abcdef",
           "DATABASE_URL": f"{rd.PG_URL}?options=-csearch_path%3D{schema}", "GEMS_PASSWORD_HASH": rd.BENCH_HASH,
           "GEMS_AUTH_RATE_LIMIT": "100000 per minute", "GEMS_INSTANCE_DIR": instance, "BENCH_RUSH_STATS": stats}
    cmd = [str(rd.ROOT / ".venv/bin/gunicorn"), "-w", str(WORKERS), "--threads", str(THREADS), "-b",
           f"127.0.0.1:{port}", "--backlog", "2048", "-c", str(Path(__file__).with_name("bench_review_rush_hooks.py")),
           "--log-level", "warning", "run:app"]
    log = open(Path(instance) / "gunicorn.log", "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(cmd, cwd=rd.ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as r:
                if r.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not come up")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


async def _student(session: Any, base: str, s: dict[str, Any], gate: asyncio.Event, delay: float,
                   log: list[dict[str, Any]]) -> None:
    """One virtual student: sign in, open the form, save, submit. Cookies are kept by hand (see module doc)."""
    cookies: dict[str, str] = {}

    async def call(kind: str, method: str, path: str, data: dict[str, Any] | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        start = time.perf_counter()
        async with session.request(method, base + path, data=data, headers=headers, allow_redirects=False) as resp:
            body = await resp.text()
            elapsed = time.perf_counter() - start
            for name, morsel in resp.cookies.items():
                cookies[name] = morsel.value
            location = resp.headers.get("Location", "")
        log.append({"kind": kind, "seconds": elapsed, "status": resp.status, "user": s["username"]})
        return resp.status, body, location

    await gate.wait()
    if delay:
        await asyncio.sleep(delay)
    try:
        status, body, _ = await call("GET /login/", "GET", "/login/")
        token = _CSRF.search(body).group(1)
        status, _, location = await call("POST /login/", "POST", "/login/", {
            "username": s["username"], "password": PASSWORD, "csrf_token": token})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"login failed: {status} {location}")
        status, body, _ = await call("GET /student/source/", "GET", "/student/source/")
        if status != 200:
            raise RuntimeError(f"form page {status}")
        token, version = _CSRF.search(body).group(1), _VERSION.search(body).group(1)
        form = {**s["form"], "csrf_token": token, "version": version}
        status, _, location = await call("POST save", "POST", "/student/source/", {**form, "action": "save"})
        if status != 302 or "checked=1" not in location:
            raise RuntimeError(f"save refused: {status} {location}")
        # a browser follows the redirect; the page carries the version after the save, which submit must name
        status, body, _ = await call("GET form after save", "GET", "/student/source/?checked=1")
        form.update(csrf_token=_CSRF.search(body).group(1), version=_VERSION.search(body).group(1))
        status, _, location = await call("POST submit", "POST", "/student/source/", {**form, "action": "submit"})
        if status != 302 or not location.rstrip("/").endswith("/student/source"):
            raise RuntimeError(f"submit refused: {status} {location}")
        status, body, _ = await call("GET form after submit", "GET", "/student/source/")
        if status != 200 or 'value="submit"' in body:
            raise RuntimeError("submit did not take: the form still offers 提交审核")
    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
        log.append({"kind": "failure", "seconds": 0.0, "status": 0, "user": s["username"], "error": str(exc)})


async def rush(base: str, students: list[dict[str, Any]], ramp: float) -> tuple[list[dict[str, Any]], float]:
    import aiohttp

    log: list[dict[str, Any]] = []
    gate = asyncio.Event()
    # one connection per request: reusing idle keep-alive connections raced with gunicorn closing them
    # (ECONNRESET on a few percent of journeys), which is a client artefact, not an application error
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        tasks = [asyncio.create_task(_student(session, base, s, gate, ramp * i / len(students), log))
                 for i, s in enumerate(students)]
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
    return log, time.perf_counter() - start


def verify(app: Any, students: list[dict[str, Any]]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.audit import AuditLog
    from app.models.graduate import Graduate
    from app.services import audit

    ids = [s["graduate_id"] for s in students]
    with app.app_context():
        secondary = db.session.execute(select(func.count()).select_from(Graduate).where(
            Graduate.id.in_(ids), Graduate.status == "secondary")).scalar_one()
        per_record = db.session.execute(select(AuditLog.target_id, func.count()).where(
            AuditLog.action == "workflow.source_info.submit",
            AuditLog.target_id.in_([str(i) for i in ids])).group_by(AuditLog.target_id)).all()
        chain = audit.verify()
        db.session.remove()
    return {"secondary": secondary, "submit_audit_rows": sum(c for _, c in per_record),
            "records_with_exactly_one": sum(1 for _, c in per_record if c == 1), "chain_ok": chain.ok}


def lock_stats(folder: str) -> dict[str, dict[str, float]]:
    samples: list[dict[str, Any]] = []
    for path in Path(folder).glob("*.json"):
        samples += json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, float]] = {}
    for kind in sorted({s["kind"] for s in samples}):
        waits = [s["wait"] * 1000 for s in samples if s["kind"] == kind]
        held = [s["held"] * 1000 for s in samples if s["kind"] == kind]
        out[kind] = {"n": len(waits), "wait_p50_ms": rd.percentile(waits, 50), "wait_p95_ms": rd.percentile(waits, 95),
                     "wait_max_ms": max(waits), "held_p50_ms": rd.percentile(held, 50),
                     "held_p95_ms": rd.percentile(held, 95)}
    return out


def main(count: int, ramp: float) -> dict[str, Any]:
    if not rd.pg_reachable():
        print(f"SKIPPED: PostgreSQL at {rd.PG_URL} unreachable")
        return {}
    with rd.pg_schema("bench_rush") as schema, tempfile.TemporaryDirectory() as tmp:
        app = rd.bench_app(rd.PG_URL, schema)
        rd.prepare(app)
        students = create_students(app, count)
        stats = Path(tmp) / "stats"
        stats.mkdir()
        server, base = start_server(schema, str(stats), tmp)
        try:
            log, wall = asyncio.run(rush(base, students, ramp))
        finally:
            stop_server(server)
        checked = verify(app, students)
        locks = lock_stats(str(stats))
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    failures = [e for e in log if e["kind"] == "failure"]
    bad_status = [e for e in log if e["kind"] != "failure" and not 200 <= e["status"] < 400]
    by_type = {}
    for kind in TYPES:
        times = [e["seconds"] * 1000 for e in log if e["kind"] == kind]
        if times:
            by_type[kind] = {"n": len(times), "p50_ms": rd.percentile(times, 50), "p95_ms": rd.percentile(times, 95),
                             "max_ms": max(times)}
    rows = [[kind, f["n"], f["p50_ms"], f["p95_ms"], f["max_ms"], "<= 500", rd.verdict(f["p95_ms"] <= 500)]
            for kind, f in by_type.items()]
    print(rd.table(f"Deadline rush: {count} students {'at once' if not ramp else f'over {ramp:.0f} s'}, gunicorn "
                   f"-w {WORKERS} --threads {THREADS}, PostgreSQL, {os.cpu_count()} CPUs (wall {wall:.1f} s, "
                   f"{len(log) / wall:.0f} req/s)",
                   ["request", "n", "p50 ms", "p95 ms", "max ms", "goal p95", "result"], rows))
    errors = len(failures) + len(bad_status) + (count - checked["secondary"])
    all_in = checked["secondary"] == count and checked["records_with_exactly_one"] == count
    print(f"errors: {errors} (failed journeys {len(failures)}, non-2xx/3xx {len(bad_status)}, "
          f"not submitted {count - checked['secondary']}); "
          f"{checked['secondary']}/{count} at 二级待审, {checked['records_with_exactly_one']} with exactly one submit "
          f"audit row, chain {'verifies' if checked['chain_ok'] else 'BROKEN'} -> {rd.verdict(not errors and all_in)}")
    for e in failures[:5]:
        print("  failure:", e["user"], e["error"])
    if locks:
        print(rd.table("Audit head-row lock (server side, per request that wrote audit rows)",
                       ["request", "n", "wait p50 ms", "wait p95 ms", "wait max ms", "held p50 ms", "held p95 ms"],
                       [[k, v["n"], v["wait_p50_ms"], v["wait_p95_ms"], v["wait_max_ms"], v["held_p50_ms"],
                         v["held_p95_ms"]] for k, v in locks.items()]))
    figures = {"students": count, "ramp_s": ramp, "workers": WORKERS, "threads": THREADS, "wall_s": wall,
               "requests": len(log), "errors": errors, "failures": failures[:20], "by_type": by_type,
               "verified": checked, "audit_head_lock": locks, "goals": {"p95_ms_max": 500, "errors": 0}}
    rd.save("rush" if not ramp else f"rush_ramp_{ramp:.0f}s", figures)
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500, float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
