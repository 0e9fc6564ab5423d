"""Issue 4 "Scale": the reviewer list (GET /review/source/) on 1 000 000 graduates in PostgreSQL as the school user —
server time p50/p95 and SQL statements per page — against a stock FAB ModelView on the same rows, same run.

Usage: python tests/benchmarks/bench_review_list.py [requests per scenario, default 200]
The destination review workspace (GET /review/destination/, one current destination per graduate, 1M rows) is
measured in the same run on the same goals (p95 <= 100 ms, <= 5 statements; no stock FAB view to compare with).
The 1M rows live in the database `gems_bench` (generated once, reused while its marker matches; BENCH_REGEN=1
rebuilds it). Goals: p95 <= 100 ms, <= 5 statements per page, >= 10x faster than stock FAB. Figures go to
.bench-cache/review.json (section "list"), with EXPLAIN ANALYZE of the slowest statement.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402

ROWS = int(os.environ.get("BENCH_LIST_ROWS", "1000000"))
DATA_VERSION = "review-list-6"  # bump when the graduate/destination tables or indexes change: the database is rebuilt
DB_NAME = os.environ.get("BENCH_LIST_DB", "gems_bench")
STOCK_REQUESTS = int(os.environ.get("BENCH_STOCK_REQUESTS", "10"))
# a page that takes seconds cannot be asked 200 times within the run-time budget: each scenario stops after this
# many seconds of requests (at least MIN_REQUESTS) and the table says how many were made
BUDGET_S = float(os.environ.get("BENCH_LIST_BUDGET", "20"))
MIN_REQUESTS = 5
STOCK = "StockGraduateView"
ONLY = os.environ.get("BENCH_ONLY", "")  # "destination": measure the destination list only (no source, no stock)


def db_url() -> str:
    return rd.PG_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def ensure_data() -> bool:
    """Create `gems_bench` with ROWS graduates unless it already holds exactly this data version."""
    import psycopg2

    admin = psycopg2.connect(rd.PG_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
        exists = cur.fetchone() is not None
    if exists and not os.environ.get("BENCH_REGEN"):
        try:
            conn = psycopg2.connect(db_url())
            try:  # psycopg2's `with` ends the transaction, not the connection: close it, or DROP DATABASE waits
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
    from tests.benchmarks import bench_review_stock as stock

    app = rd.bench_app(db_url())
    stock.register(app)
    st = rd.prepare(app)
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db

        with rd.Timer() as t:
            rd.insert_graduates(rd.graduate_rows(ROWS, st))
            rd.insert_destinations()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)"))
            conn.execute(text("INSERT INTO bench_meta VALUES ('data', :v)"), {"v": f"{DATA_VERSION}:{ROWS}"})
        db.session.remove()
        db.engine.dispose()
    print(f"generated {ROWS:,} graduates and destinations in {DB_NAME} in {t.seconds:.0f} s, then VACUUM ANALYZE")
    return True


def scenarios(st: rd.Structure, sample_id: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, our query args, stock FAB args) — the stock args express the same filter where FAB can."""
    college = st.colleges["101"]
    s = STOCK

    def fab(page: int, size: int, order: str, direction: str = "asc", **flt: Any) -> dict[str, Any]:
        return {**flt, f"_oc_{s}": order, f"_od_{s}": direction, f"page_{s}": page - 1, f"psize_{s}": size}

    return [
        ("awaiting me, by name, p1 x20", {"status": "pending_mine", "sort": "name", "page": 1, "size": 20},
         fab(1, 20, "name", _flt_3_status="central")),
        ("awaiting me, by name, p50 x20", {"status": "pending_mine", "sort": "name", "page": 50, "size": 20},
         fab(50, 20, "name", _flt_3_status="central")),
        ("college + awaiting me, by name, p1 x200",
         {"department": college, "status": "pending_mine", "sort": "name", "page": 1, "size": 200},
         fab(1, 200, "name", _flt_0_department=college, _flt_3_status="central")),
        ("origin 湖南省*, newest submitted, p50 x200",
         {"origin": "湖南省", "sort": "submitted_at", "dir": "desc", "page": 50, "size": 200},
         fab(50, 200, "submitted_at", "desc", _flt_0_origin="湖南省")),
        ("keyword 王 (name/student no. prefix), p1 x20", {"q": "王", "page": 1, "size": 20},
         fab(1, 20, "student_no", _flt_0_name="王")),
        ("exact ID number, p1 x20", {"q": sample_id, "page": 1, "size": 20},
         fab(1, 20, "student_no", _flt_3_id_number=sample_id)),
        ("no filter, by student no., p1 x20", {"page": 1, "size": 20}, fab(1, 20, "student_no")),
        ("college + awaiting + origin + keyword, p1 x20",
         {"department": college, "status": "pending_mine", "origin": "湖南省", "q": "李", "sort": "name",
          "page": 1, "size": 20},
         fab(1, 20, "name", _flt_0_department=college, _flt_3_status="central", _flt_0_origin="湖南省",
             _flt_0_name="李")),
    ]


def destination_scenarios(st: rd.Structure) -> list[tuple[str, dict[str, Any]]]:
    """The destination review list: the filters the statistics and plan-lock pages link with, and reviewers' sorts."""
    college = st.colleges["101"]
    cohort = st.cohort_id
    return [
        ("plan lock: not confirmed, p1 x20", {"cohort": cohort, "confirmation": "none", "page": 1, "size": 20}),
        ("plan lock: reported an error, p1 x20", {"cohort": cohort, "confirmation": "error", "page": 1, "size": 20}),
        ("stats: college graduates, p1 x20", {"cohort": cohort, "department": college, "page": 1, "size": 20}),
        ("stats: group flexible (2021), p1 x20", {"cohort": cohort, "group": "flexible", "caliber": "2021",
                                                  "page": 1, "size": 20}),
        ("stats: unplaced, p1 x20", {"cohort": cohort, "group": "unplaced", "page": 1, "size": 20}),
        ("stats: women from 43, placed, p1 x20", {"cohort": cohort, "gender": "2", "province": "43", "placed": "1",
                                                  "page": 1, "size": 20}),
        ("stats: level 11 + code 46, p1 x20", {"cohort": cohort, "education_level": "11", "code": "46",
                                               "page": 1, "size": 20}),
        ("by code desc, p1 x20", {"sort": "code", "dir": "desc", "page": 1, "size": 20}),
        ("by signing date, p3 x50", {"sort": "signed_on", "page": 3, "size": 50}),
        ("awaiting me, by name, p1 x20", {"status": "pending_mine", "sort": "name", "page": 1, "size": 20}),
        ("awaiting me, by name, p50 x20", {"status": "pending_mine", "sort": "name", "page": 50, "size": 20}),
        ("college + awaiting me, p1 x200", {"department": college, "status": "pending_mine", "page": 1, "size": 200}),
        ("code 10, by employer, p1 x20", {"code": "10", "sort": "employer", "page": 1, "size": 20}),
        ("not placed, p1 x20", {"placed": "0", "page": 1, "size": 20}),
        ("college + placed + keyword 王, p1 x20", {"department": college, "placed": "1", "q": "王", "page": 1,
                                                  "size": 20}),
        ("no filter, by student no., p1 x20", {"page": 1, "size": 20}),
    ]


def measure_destinations(app: Any, client: Any, st: rd.Structure, requests: int) -> dict[str, Any]:
    """Every destination scenario measured; printed as a table and returned for the figures file."""
    results, slowest = [], {}
    for name, args in destination_scenarios(st):
        url = "/review/destination/?" + urlencode(args)
        assert client.get(url).status_code == 200, url
        ours = measure(app, client, url, requests, slowest)
        results.append({"scenario": name, "url": url, "ours": ours})
        print(f"destination {name}: p50 {ours['p50_ms']:.1f} ms p95 {ours['p95_ms']:.1f} ms "
              f"{ours['statements']} stmts", flush=True)
    rows = [[r["scenario"], r["ours"]["n"], r["ours"]["p50_ms"], r["ours"]["p95_ms"], r["ours"]["statements"],
             rd.verdict(r["ours"]["p95_ms"] <= 100 and r["ours"]["statements"] <= 5)] for r in results]
    print(rd.table("Destination review list, school user, server time in-process",
                   ["scenario", "n", "p50 ms", "p95 ms", "stmts", "goals (p95<=100, <=5)"], rows))
    return {"results": results, "slowest_sql": slowest.get("sql"), "slowest_ms": slowest.get("seconds", 0) * 1000,
            "explain": explain(app, slowest) if slowest else ""}


def _login(app: Any) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.8.8.8"
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": "school", "password": app.config["GEMS_DEMO_PASSWORD"],
                                            "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def measure(app: Any, client: Any, url: str, n: int, slowest: dict[str, Any], budget: float = BUDGET_S) -> dict[str, Any]:
    """Up to n GETs of url (fewer once `budget` seconds are spent, never fewer than MIN_REQUESTS): wall time per
    request (in-process, around the test client) and statements per request."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    times, counts = [], []
    for _ in range(n):
        if len(times) >= MIN_REQUESTS and sum(times) > budget:
            break
        with rd.statements(engine) as seen:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed)
        counts.append(len(seen))
        for sql, params, seconds in seen:
            if seconds > slowest.get("seconds", 0):
                slowest.update(sql=sql, params=params, seconds=seconds, url=url)
    return {"n": len(times), "p50_ms": rd.percentile(times, 50) * 1000, "p95_ms": rd.percentile(times, 95) * 1000,
            "max_ms": max(times) * 1000, "statements": max(counts), "statements_min": min(counts)}


def _ratio(stock_over_ours: float) -> str:
    if stock_over_ours >= 1:
        return f"ours {stock_over_ours:.1f}x faster"
    return f"ours {1 / stock_over_ours:.1f}x SLOWER"


def explain(app: Any, slowest: dict[str, Any]) -> str:
    from app.extensions import db

    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["params"])
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            raw.close()


def main(requests: int) -> dict[str, Any]:
    if not rd.pg_reachable():
        print(f"SKIPPED: PostgreSQL at {rd.PG_URL} unreachable")
        return {}
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.graduate import Graduate
    from tests.benchmarks import bench_review_stock as stock

    if ensure_data():  # FAB's AppBuilder is a process singleton: measure with a fresh process, as a rerun would
        os.execv(sys.executable, [sys.executable, *sys.argv])
    app = rd.bench_app(db_url())
    stock.register(app)
    with app.app_context():
        from app.security.roles import SCHOOL

        stock.grant(SCHOOL)
        st = rd.structure()
        total = db.session.execute(select(func.count()).select_from(Graduate)).scalar_one()
        sample_id = db.session.execute(select(Graduate.id_number).where(Graduate.id == total // 3)).scalar_one()
        db.session.remove()
    client = _login(app)
    results, slow_ours, slow_stock = [], {}, {}
    if ONLY == "destination":
        destinations = measure_destinations(app, client, st, requests)
        rd.save("list_destination", {"graduates": total, "requests_per_scenario": requests, **destinations})
        return {"destination": destinations}
    for name, ours_args, stock_args in scenarios(st, sample_id):
        ours_url = "/review/source/?" + urlencode(ours_args)
        stock_url = f"{stock.ROUTE}/list/?" + urlencode(stock_args)
        for url in (ours_url, stock_url):  # warm caches (PostgreSQL buffers, templates)
            assert client.get(url).status_code == 200, url
        ours = measure(app, client, ours_url, requests, slow_ours)
        base = measure(app, client, stock_url, STOCK_REQUESTS, slow_stock)
        results.append({"scenario": name, "ours_url": ours_url, "stock_url": stock_url, "ours": ours, "stock": base,
                        "ratio_p50": base["p50_ms"] / ours["p50_ms"]})
        print(f"{name}: ours p50 {ours['p50_ms']:.1f} ms p95 {ours['p95_ms']:.1f} ms {ours['statements']} stmts | "
              f"stock p50 {base['p50_ms']:.0f} ms {base['statements']} stmts", flush=True)
    destinations = measure_destinations(app, client, st, requests)
    plan = explain(app, slow_ours)
    rows = [[r["scenario"], r["ours"]["n"], r["ours"]["p50_ms"], r["ours"]["p95_ms"], r["ours"]["statements"],
             r["stock"]["n"], r["stock"]["p50_ms"], r["stock"]["statements"], _ratio(r["ratio_p50"]),
             rd.verdict(r["ours"]["p95_ms"] <= 100 and r["ours"]["statements"] <= 5 and r["ratio_p50"] >= 10)]
            for r in results]
    print()
    print(rd.table(f"Reviewer list, {total:,} graduates on PostgreSQL, school user, server time in-process "
                   f"(n = requests measured, at most {requests} / {STOCK_REQUESTS} within {BUDGET_S:.0f} s)",
                   ["scenario", "n", "p50 ms", "p95 ms", "stmts", "stock n", "stock p50 ms", "stock stmts",
                    "stock/ours",
                    "goals (p95<=100, <=5, >=10x)"], rows))
    all_times = [r["ours"]["p95_ms"] for r in results]
    print(f"\nworst p95 {max(all_times):.1f} ms (goal <= 100); most statements "
          f"{max(r['ours']['statements'] for r in results)} (goal <= 5); smallest stock/ours ratio "
          f"{min(r['ratio_p50'] for r in results):.1f}x (goal >= 10x)")
    print(f"\nslowest statement of ours ({slow_ours['seconds'] * 1000:.1f} ms, {slow_ours['url']}):\n"
          f"{slow_ours['sql']}\nEXPLAIN ANALYZE:\n{plan}")
    rd.save("list", {"graduates": total, "requests_per_scenario": requests, "stock_requests": STOCK_REQUESTS,
                     "results": results, "slowest_sql": slow_ours["sql"], "slowest_ms": slow_ours["seconds"] * 1000,
                     "slowest_url": slow_ours["url"], "explain": plan, "destination": destinations,
                     "goals": {"p95_ms_max": 100, "statements_max": 5, "stock_over_ours_min": 10}})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"results": results}


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
