"""Issue 4 "Scale": export 100 000 graduates x all 40 reviewer columns (app.services.review.export.write, school user)
against raw openpyxl write-only writing the same rows' database values, each in its own process (peak RSS).

Usage: python tests/benchmarks/bench_review_export.py [rows, default 100000]
Data: a SQLite file cached in .bench-cache/. Goals: time <= 1.5x raw, peak memory <= 250 MB.
Figures go to .bench-cache/review.json (section "export").
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402

DATA_VERSION = "export-1"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _db_path(rows: int) -> Path:
    return rd.CACHE / f"review-export-{rows}-{DATA_VERSION}.db"


def ensure_data(rows: int) -> Path:
    path = _db_path(rows)
    if path.exists():
        return path
    rd.CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    app = rd.bench_app(f"sqlite:///{partial}")
    st = rd.prepare(app)
    with app.app_context():
        from app.extensions import db

        with rd.Timer() as t:
            rd.insert_graduates(rd.graduate_rows(rows, st, first=0))
            db.session.execute(db.text("UPDATE graduate SET included = 1"))  # every generated row is exported
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    partial.rename(path)
    print(f"generated {rows:,} graduates in {path.name} in {t.seconds:.0f} s", file=sys.stderr)
    return path


def _app(path: Path) -> Any:
    return rd.bench_app(f"sqlite:///{path}")


def prepare(rows: int, sql_file: Path) -> dict[str, Any]:
    """Child process: make sure the data exists, and write the exact SELECT our export streams (all 40 columns,
    school scope) as literal SQL for the raw baseline. (One Flask-AppBuilder app per process.)"""
    path = ensure_data(rows)
    sql_file.write_text(export_sql(path), encoding="utf-8")
    return {"path": str(path)}


def export_sql(path: Path) -> str:
    from app.extensions import db
    from app.services.review import query
    from app.services.review.columns import COLUMNS

    with _app(path).app_context():
        school = rd.user_by_name("school")
        stmt = (query.base_select(list(COLUMNS)).where(*query.conditions(query.ReviewFilter(), school))
                .order_by(*query.ordering(None, "asc")))
        return str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def run_ours(path: Path, out: Path) -> dict[str, Any]:
    """Child process: the real export as the school user (no masking), audit row and commit included."""
    from app.extensions import db
    from app.services.review import export
    from app.services.review.columns import COLUMNS
    from app.services.review.query import ReviewFilter

    app = _app(path)
    with app.app_context():
        school = rd.user_by_name("school")
        before = _rss_mb()
        start = time.perf_counter()
        count = export.write(out, list(COLUMNS), ReviewFilter(), school, None)
        seconds = time.perf_counter() - start
        db.session.remove()
    return {"seconds": seconds, "rows": count, "columns": len(COLUMNS), "rss_before_mb": before,
            "peak_rss_mb": _rss_mb(), "bytes": out.stat().st_size}


def run_raw(path: Path, sql_file: Path, out: Path) -> dict[str, Any]:
    """Child process: sqlite3 cursor over the same SELECT, openpyxl write_only appending the raw values."""
    import sqlite3

    from openpyxl import Workbook

    sql = sql_file.read_text(encoding="utf-8")
    before = _rss_mb()
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    cursor = conn.execute(sql)
    headers = [d[0] for d in cursor.description][2:]  # id and version are not exported
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(headers)
    count = 0
    while True:
        batch = cursor.fetchmany(2000)
        if not batch:
            break
        for row in batch:
            ws.append(row[2:])
        count += len(batch)
    wb.save(out)
    conn.close()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": count, "columns": len(headers), "rss_before_mb": before,
            "peak_rss_mb": _rss_mb(), "bytes": out.stat().st_size}


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], cwd=rd.ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row_count(out: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(out, read_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    rows = sum(1 for _ in ws.iter_rows(min_col=1, max_col=1, values_only=True))
    wb.close()
    return rows - 1


def main(rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        sql_file = Path(tmp) / "export.sql"
        path = Path(_child("prepare", str(rows), str(sql_file))["path"])
        raw = _child("raw", str(path), str(sql_file), f"{tmp}/raw.xlsx")
        ours = _child("ours", str(path), f"{tmp}/ours.xlsx")
        written = _row_count(Path(f"{tmp}/ours.xlsx"))
    ratio = ours["seconds"] / raw["seconds"]
    table_rows = [
        ["GEMS export.write (40 columns, labels, audit)", ours["seconds"], f"{ours['rows']:,}",
         ours["peak_rss_mb"], f"{ratio:.2f}x", "<= 1.5x; <= 250 MB",
         rd.verdict(ratio <= 1.5) + " / " + rd.verdict(ours["peak_rss_mb"] <= 250)],
        ["raw openpyxl write_only (same SELECT, raw values)", raw["seconds"], f"{raw['rows']:,}",
         raw["peak_rss_mb"], "1.00x", "", ""],
    ]
    print(rd.table(f"Export {rows:,} rows x {ours['columns']} columns (each in its own process, same run)",
                   ["measurement", "seconds", "rows", "peak RSS MB", "ratio", "goal", "result"], table_rows))
    print(f"ours: {written:,} data rows in the workbook (openpyxl re-read), {ours['bytes'] / 1e6:.1f} MB; "
          f"process RSS before the export {ours['rss_before_mb']:.0f} MB (app loaded)")
    figures = {"rows": rows, "ours": ours, "raw": raw, "ratio": ratio, "rows_in_file": written,
               "goals": {"ratio_max": 1.5, "peak_rss_mb_max": 250}}
    rd.save("export", figures)
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]), Path(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "ours":
        print(json.dumps(run_ours(Path(sys.argv[2]), Path(sys.argv[3]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "raw":
        print(json.dumps(run_raw(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
