"""Issue 12 "Speed": the agreement review list (GET /review/agreement/) at 200 000 agreements on PostgreSQL, as the
school, per scenario: p50/p95 of the whole request in-process and the statements it runs, against the bare SQL — the
very statements the page ran, executed again on a raw connection in the same run. Goal: p95 ≤ 100 ms.

Usage: python tests/benchmarks/bench_agreement_list.py [requests]   (BENCH_AGREEMENTS rows, database
BENCH_AGREEMENT_DB, kept between runs; figures: .bench-cache/review.json section "list_agreement")
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402
from tests.benchmarks.bench_review_list import _login, measure  # noqa: E402

ROWS = int(os.environ.get("BENCH_AGREEMENTS", "200000"))
DB_NAME = os.environ.get("BENCH_AGREEMENT_DB", "gems_bench_agreements")
DATA_VERSION = "agreement-list-1"
EMPLOYERS = 500
# states spread like a season: most archived, the rest moving through review and stamping, some ended
STATES = (["archived"] * 8 + ["secondary"] * 3 + ["central"] * 2 + ["stamp_employer", "stamp_graduate",
          "stamp_school", "invited", "invited", "declined", "terminated", "revoked", "requested"])


def db_url() -> str:
    return rd.PG_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def ensure_data() -> bool:
    """Create the database with ROWS graduates, EMPLOYERS employers and one agreement per graduate, unless present."""
    import psycopg2

    admin = psycopg2.connect(rd.PG_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
        exists = cur.fetchone() is not None
    if exists and not os.environ.get("BENCH_REGEN"):
        conn = psycopg2.connect(db_url())
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT value FROM bench_meta WHERE key = 'data'")
                marker = cur.fetchone()
        except psycopg2.Error:
            marker = None
        finally:
            conn.close()
        if marker and marker[0] == f"{DATA_VERSION}:{ROWS}":
            admin.close()
            return False
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    admin.close()
    app = rd.bench_app(db_url())
    st = rd.prepare(app)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        with rd.Timer() as t:
            rd.insert_graduates(rd.graduate_rows(ROWS, st, ["complete"]))
            states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
            with db.engine.begin() as conn:
                conn.execute(text(f"""
                    INSERT INTO employer (name, credit_code, status, version, self_registered, created_at)
                    SELECT '测试单位' || n || '有限公司', NULL, 'approved', 1, false, now()
                    FROM generate_series(1, {EMPLOYERS}) AS n"""))
                conn.execute(text(f"""
                    WITH e AS (SELECT array_agg(id ORDER BY id) AS ids FROM employer)
                    INSERT INTO agreement (graduate_id, employer_id, kind, started_by, status, version, position,
                                           salary, work_region_code, signed_on, created_at, submitted_at)
                    SELECT g.id, e.ids[1 + (g.id * 7919) % array_length(e.ids, 1)], 'online', 'employer',
                           ({states})[1 + (((g.id::bigint * 2654435761) >> 7) % {len(STATES)})], 1, '软件工程师',
                           '每月8000元', '430104', date '2026-06-01' + (g.id % 90), now(), now()
                    FROM graduate g, e"""))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)"))
            conn.execute(text("INSERT INTO bench_meta VALUES ('data', :v)"), {"v": f"{DATA_VERSION}:{ROWS}"})
        db.session.remove()
        db.engine.dispose()
    print(f"generated {ROWS:,} graduates and agreements in {DB_NAME} in {t.seconds:.0f} s, then VACUUM ANALYZE")
    return True


def scenarios(st: rd.Structure) -> list[tuple[str, dict[str, Any]]]:
    college = next(iter(sorted(st.colleges.values())))
    return [
        ("default page", {}),
        ("awaiting me (review)", {"status": "pending_mine"}),
        ("awaiting my action", {"mine": "1"}),
        ("archived, 50 per page", {"status": "archived", "page_size": 50}),
        ("one college, cohort", {"department": college, "cohort": st.cohort_id}),
        ("employer keyword", {"employer": "测试单位17有限公司"}),
        ("student-number prefix", {"q": f"{st.year}1"}),
        ("page 200", {"page": 200}),
        ("sorted by employer", {"sort": "employer", "dir": "desc"}),
    ]


def bare(app: Any, client: Any, url: str, n: int) -> float:
    """p50 in ms of the page's own statements (captured from one request) run again on a raw connection."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with rd.statements(engine) as seen:
        client.get(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            for sql, params, _seconds in seen:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()
            times.append(time.perf_counter() - start)
        raw.rollback()
    finally:
        raw.close()
    return rd.percentile(times, 50) * 1000


def main(requests: int) -> dict[str, Any]:
    if not rd.pg_reachable():
        print(f"SKIPPED: PostgreSQL at {rd.PG_URL} unreachable")
        return {}
    if ensure_data():  # one Flask-AppBuilder app per process: measure in a fresh one
        os.execv(sys.executable, [sys.executable, *sys.argv])
    app = rd.bench_app(db_url())
    with app.app_context():
        st = rd.structure()
    client = _login(app)
    results, slowest = [], {}
    for name, args in scenarios(st):
        url = "/review/agreement/?" + urlencode(args)
        assert client.get(url).status_code == 200, url
        ours = measure(app, client, url, requests, slowest)
        sql_ms = bare(app, client, url, max(requests // 2, 5))
        results.append({"scenario": name, "url": url, "ours": ours, "bare_sql_p50_ms": sql_ms})
        print(f"agreement {name}: p50 {ours['p50_ms']:.1f} ms p95 {ours['p95_ms']:.1f} ms, bare SQL p50 "
              f"{sql_ms:.1f} ms, {ours['statements']} stmts", flush=True)
    rows = [[r["scenario"], r["ours"]["n"], r["ours"]["p50_ms"], r["ours"]["p95_ms"], r["bare_sql_p50_ms"],
             f"{r['ours']['p50_ms'] / max(r['bare_sql_p50_ms'], 0.01):.1f}×", r["ours"]["statements"],
             rd.verdict(r["ours"]["p95_ms"] <= 100)] for r in results]
    print(rd.table(f"Agreement review list, {ROWS:,} agreements, school user, server time in-process",
                   ["scenario", "n", "p50 ms", "p95 ms", "bare SQL p50 ms", "p50 / bare", "stmts", "p95 ≤ 100"],
                   rows))
    figures = {"agreements": ROWS, "requests_per_scenario": requests, "results": results,
               "slowest_sql": slowest.get("sql"), "slowest_ms": slowest.get("seconds", 0) * 1000}
    rd.save("list_agreement", figures)
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
