"""Issue 10 "Speed": the statistics page (GET /statistics/, school user) on 1 000 000 graduates with destinations in
PostgreSQL — p50/p95 server time — against the plain GROUP BY over graduate and destination, same run. The page
reads the rollup (numbers at most GEMS_STATS_MAX_AGE = 60 s old); the rollup's rebuild is timed too.

Usage: python tests/benchmarks/bench_statistics.py [requests, default 200]
Rows: BENCH_STATS_ROWS (default 1 000 000) in the database `gems_bench_stats` (kept while its marker matches;
BENCH_REGEN=1 rebuilds). Goals: p95 <= 150 ms and >= 10x faster than the plain GROUP BY. Figures go to
.bench-cache/review.json (section "statistics"). Not part of `make test`.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402

ROWS = int(os.environ.get("BENCH_STATS_ROWS", "1000000"))
DATA_VERSION = "statistics-1"
DB_NAME = os.environ.get("BENCH_STATS_DB", "gems_bench_stats")
BASELINE_REQUESTS = int(os.environ.get("BENCH_BASELINE_REQUESTS", "10"))
# one current destination for 9 in 10 graduates; 7 in 10 of those approved; codes by their number's remainder
DESTINATIONS_SQL = """
INSERT INTO destination (graduate_id, version_no, is_current, kind, from_agreement, online_shop, status, version,
                         code_id)
SELECT g.id, 1, true, 'original', false, false,
       CASE WHEN g.id % 10 < 7 THEN 'complete' WHEN g.id % 10 < 8 THEN 'central' ELSE 'secondary' END, 1,
       (SELECT c.id FROM destination_code c ORDER BY c.id OFFSET (g.id * 7 % :codes) LIMIT 1)
FROM graduate g WHERE g.id % 10 <> 9
"""
PLAIN = """
SELECT g.department_id, d.code_id, count(*) FROM graduate g
LEFT JOIN destination d ON d.graduate_id = g.id AND d.is_current AND d.status = 'complete'
WHERE g.cohort_id = :cohort AND g.included GROUP BY g.department_id, d.code_id
"""


def unique_ids(rows: Any) -> Any:
    """The review benchmark's rows with an ID number of their own each (its numbers repeat every 1 000 rows,
    which the per-cohort unique ID number refuses)."""
    import datetime as dt

    at = rd.COLUMNS.index("id_number")
    for n, row in enumerate(rows):
        row = list(row)
        row[at] = rd._id_number(row[at][:6], dt.date(1990, 1, 1) + dt.timedelta(days=n // 1000), n)
        yield tuple(row)


def db_url() -> str:
    return rd.PG_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def ensure_data() -> bool:
    import psycopg2

    admin = psycopg2.connect(rd.PG_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
        exists = cur.fetchone() is not None
    if exists and not os.environ.get("BENCH_REGEN"):
        try:
            conn = psycopg2.connect(db_url())
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT value FROM bench_meta WHERE key = 'data'")
                    marker = cur.fetchone()
            finally:
                conn.close()
            if marker and marker[0] == f"{DATA_VERSION}:{ROWS}":
                admin.close()
                return False
        except psycopg2.Error:
            pass
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    admin.close()
    app = rd.bench_app(db_url())
    st = rd.prepare(app)
    with app.app_context():
        from sqlalchemy import func, select, text

        from app.extensions import db
        from app.models.reference import DestinationCode

        with rd.Timer() as t:
            rd.insert_graduates(unique_ids(rd.graduate_rows(ROWS, st)))
            codes = db.session.execute(select(func.count()).select_from(DestinationCode)).scalar_one()
            db.session.execute(text(DESTINATIONS_SQL), {"codes": codes})
            db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)"))
            conn.execute(text("INSERT INTO bench_meta VALUES ('data', :v)"), {"v": f"{DATA_VERSION}:{ROWS}"})
        db.session.remove()
        db.engine.dispose()
    print(f"generated {ROWS:,} graduates with destinations in {DB_NAME} in {t.seconds:.0f} s")
    return True


def _login(app: Any) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.8.8.9"
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": "school", "password": app.config["GEMS_DEMO_PASSWORD"],
                                            "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def main(requests: int) -> dict[str, Any]:
    if not rd.pg_reachable():
        print(f"SKIPPED: PostgreSQL at {rd.PG_URL} unreachable")
        return {}
    if ensure_data():  # FAB's AppBuilder is a process singleton: measure in a fresh process
        os.execv(sys.executable, [sys.executable, *sys.argv])
    from sqlalchemy import text

    from app.extensions import db
    from app.services import statistics_data

    app = rd.bench_app(db_url())
    with app.app_context():
        cohort_id = rd.structure().cohort_id
        with rd.Timer() as rebuild:
            statistics_data.refresh(cohort_id)
        engine = db.engine
        baseline = []
        for _ in range(BASELINE_REQUESTS):
            start = time.perf_counter()
            db.session.execute(text(PLAIN), {"cohort": cohort_id}).all()
            baseline.append(time.perf_counter() - start)
        db.session.remove()
    client = _login(app)
    url = f"/statistics/?cohort={cohort_id}&dimension=college"
    times, statements = [], []
    for _ in range(requests):
        with rd.statements(engine) as seen:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        assert "gems-stats-freshness" in response.get_data(as_text=True)
        statements.append(len(seen))
    p95, plain = rd.percentile(times, 95) * 1000, rd.percentile(baseline, 50) * 1000
    figures = {"rows": ROWS, "requests": requests, "p50_ms": rd.percentile(times, 50) * 1000, "p95_ms": p95,
               "statements": max(statements), "plain_group_by_p50_ms": plain, "ratio": plain / p95 if p95 else None,
               "rollup_rebuild_s": rebuild.seconds, "freshness": "rollup, at most GEMS_STATS_MAX_AGE (60 s) old"}
    print(rd.table(f"Statistics page, {ROWS:,} graduates on PostgreSQL, school user, by college",
                   ["n", "p50 ms", "p95 ms", "stmts", "plain GROUP BY p50 ms", "plain / our p95", "rebuild s",
                    "goals (p95<=150, >=10x)"],
                   [[requests, figures["p50_ms"], p95, max(statements), plain, figures["ratio"], rebuild.seconds,
                     rd.verdict(p95 <= 150 and (figures["ratio"] or 0) >= 10)]]))
    rd.save("statistics", figures)
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
