"""`make bench`: GEMS's readers against the raw libraries on the registry benchmark file, ratios from the same run.

Usage: python -m tests.benchmarks.bench_readers [rows]   (default 100 000; the file is cached in .bench-cache/)
Measures, each in a fresh interpreter (peak memory = its own): raw openpyxl read_only and raw python-calamine
over every cell of the .xlsx, GEMS's read_rows on the .xlsx (openpyxl path, what imports use), the GEMS
pipeline fed by calamine's rows of the same .xlsx (what switching .xlsx to calamine would give), and the
same data as UTF-8 CSV: raw csv.reader against GEMS's read_rows. Figures go to .bench-cache/readers.json.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.benchmarks.bench_registry_import import CACHE, ROOT, _rss_mb, generate

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))


def _timed(work: Any) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    count = work()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu, "count": count,
            "peak_rss_mb": _rss_mb()}


def raw_openpyxl(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for row in wb.worksheets[0].iter_rows() for _cell in row)
    wb.close()
    return cells


def raw_calamine(path: Path) -> int:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(len(row) for row in wb.get_sheet_by_index(0).iter_rows())


def raw_csv(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(len(row) for row in csv.reader(fh))


def gems_rows(path: Path) -> int:
    from app.excel import read_rows
    from app.services.registry_columns import COLUMNS

    return sum(1 for _row in read_rows(path, columns=COLUMNS, max_rows=10**7, timeout_s=3600))


def gems_via_calamine(path: Path) -> int:
    from app.excel.formats import calamine_rows
    from app.excel.reader import _typed_rows
    from app.services.registry_columns import COLUMNS

    with path.open("rb") as fh:
        rows = _typed_rows(calamine_rows(fh, "xlsx", None, 10**7), COLUMNS, 10**7, time.monotonic() + 3600, 3600, 10)
        return sum(1 for _row in rows)


MEASURES = {"raw_openpyxl": raw_openpyxl, "raw_calamine": raw_calamine, "raw_csv": raw_csv,
            "gems_xlsx": gems_rows, "gems_xlsx_via_calamine": gems_via_calamine, "gems_csv": gems_rows}


def _child(name: str, path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_readers", "--measure", name, str(path)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _csv_copy(xlsx: Path, target: Path) -> None:
    """The same sheet as UTF-8 CSV with BOM (Excel's “CSV UTF-8”)."""
    import openpyxl

    wb = openpyxl.load_workbook(xlsx, read_only=True, data_only=True)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        for row in wb.worksheets[0].iter_rows(values_only=True):
            writer.writerow(["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else v)
                             for v in row])
    wb.close()


def main(rows: int) -> None:
    """Generate (once), measure best of ROUNDS, print ratios and write .bench-cache/readers.json."""
    CACHE.mkdir(exist_ok=True)
    xlsx, csv_path = CACHE / f"registry-{rows}.xlsx", CACHE / f"registry-{rows}.csv"
    if not xlsx.exists():
        generate(xlsx, rows)
    if not csv_path.exists():
        _csv_copy(xlsx, csv_path)
    plan = [("raw_openpyxl", xlsx), ("raw_calamine", xlsx), ("gems_xlsx", xlsx), ("gems_xlsx_via_calamine", xlsx),
            ("raw_csv", csv_path), ("gems_csv", csv_path)]
    best: dict[str, dict[str, Any]] = {}
    for _round in range(ROUNDS):
        for name, path in plan:
            figures = _child(name, path)
            if name not in best or figures["seconds"] < best[name]["seconds"]:
                best[name] = figures
    ratios = {
        "raw calamine / raw openpyxl": best["raw_calamine"]["seconds"] / best["raw_openpyxl"]["seconds"],
        "GEMS .xlsx (openpyxl) / raw openpyxl": best["gems_xlsx"]["seconds"] / best["raw_openpyxl"]["seconds"],
        "GEMS pipeline on calamine rows / raw calamine":
            best["gems_xlsx_via_calamine"]["seconds"] / best["raw_calamine"]["seconds"],
        "GEMS pipeline on calamine rows / GEMS .xlsx (openpyxl)":
            best["gems_xlsx_via_calamine"]["seconds"] / best["gems_xlsx"]["seconds"],
        "GEMS CSV / raw csv.reader": best["gems_csv"]["seconds"] / best["raw_csv"]["seconds"],
    }
    print(f"\n{rows} rows x 22 columns (.xlsx {xlsx.stat().st_size / 1e6:.1f} MB, CSV "
          f"{csv_path.stat().st_size / 1e6:.1f} MB), best of {ROUNDS}")
    print(f"{'measurement':26s} {'seconds':>8s} {'CPU s':>7s} {'peak RSS MB':>12s}")
    for name, figures in best.items():
        print(f"{name:26s} {figures['seconds']:8.2f} {figures['cpu_seconds']:7.2f} {figures['peak_rss_mb']:12.0f}")
    for name, ratio in ratios.items():
        print(f"{name:56s} {ratio:5.2f}")
    summary = {"rows": rows, "results": best, "ratios": ratios, "python": sys.version.split()[0],
               "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    (CACHE / "readers.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--measure":
        print(json.dumps(_timed(lambda: MEASURES[sys.argv[2]](Path(sys.argv[3])))))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
