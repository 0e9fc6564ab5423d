"""Issues 10/11 "Speed": the national-format export of N destinations (app.services.national_export.write_national,
plan mode, school user) against raw xlsxwriter (constant_memory) and raw openpyxl (write-only) writing the very same
cells (computed beforehand, untimed), each in its own process and the same run; and the proof-file zip of F files
streamed with its RSS growth sampled.

Usage: python tests/benchmarks/bench_national_export.py [destinations, default 100000] [files, default 10000]
Data: a SQLite file cached in .bench-cache/. BENCH_REPEAT (default 3) interleaved runs of each, best taken.
Goals: time <= 1.5x the fastest raw writer; zip RSS growth flat (<= 50 MB whatever F).
Figures go to .bench-cache/review.json (section "national_export").
"""
from __future__ import annotations

import datetime as dt
import json
import os
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

DATA_VERSION = "national-1"
FILE_BYTES = 20_000  # a typical compressed phone photo or one-page PDF


def _rss_mb() -> float:
    """Current resident set size (not the peak), from /proc."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _db_path(rows: int, files: int) -> Path:
    return rd.CACHE / f"national-{rows}-{files}-{DATA_VERSION}.db"


def _evidence_dir(rows: int, files: int) -> Path:
    return rd.CACHE / f"national-{rows}-{files}-{DATA_VERSION}-evidence"


def _app(rows: int, files: int) -> Any:
    return rd.bench_app(f"sqlite:///{_db_path(rows, files)}", GEMS_EVIDENCE_DIR=str(_evidence_dir(rows, files)))


def prepare(rows: int, files: int) -> dict[str, Any]:
    """Child process: graduates, employers, one approved current destination each, F proof files on disk."""
    path = _db_path(rows, files)
    if path.exists():
        return {"path": str(path)}
    rd.CACHE.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    app = rd.bench_app(f"sqlite:///{partial}", GEMS_EVIDENCE_DIR=str(_evidence_dir(rows, files)))
    st = rd.prepare(app)
    with app.app_context():
        from sqlalchemy import insert, select

        from app.extensions import db
        from app.models.change import Evidence
        from app.models.destination import Destination, DestinationEvidence
        from app.models.employer import APPROVED, Employer
        from app.models.graduate import Graduate
        from app.models.reference import Country, DestinationCode, EmployerNature, Industry, JobCategory
        from app.services import uploads

        def ids(model: Any) -> dict[str, int]:
            return dict(db.session.execute(select(model.code, model.id)).tuples().all())

        codes, natures, industries, jobs = ids(DestinationCode), ids(EmployerNature), ids(Industry), ids(JobCategory)
        uk = ids(Country)["GB"]
        # unique ID numbers (the shared generator repeats some beyond a few thousand rows per cohort)
        rd.insert_graduates((*row[:7], f"4306{n:013d}X", *row[8:])
                            for n, row in enumerate(rd.graduate_rows(rows, st, first=0)))
        db.session.execute(db.text("UPDATE graduate SET included = 1"))
        db.session.execute(insert(Employer), [dict(
            name=f"岳阳第{n}科技有限公司", credit_code=f"91430600MA{n:07d}X", nature_id=list(natures.values())[n % 13],
            industry_id=list(industries.values())[n % 20], region_code="430602", address=f"岳阳楼区巴陵中路{n}号",
            contact_name="李经理", contact_mobile="13900001111", status=APPROVED) for n in range(2000)])
        employers = list(db.session.execute(select(Employer.id)).scalars())
        graduates = list(db.session.execute(select(Graduate.id).order_by(Graduate.id)).scalars())
        plan = ["10", "11", "12", "46", "801", "85", "70", "10", "11", "10"]
        batch = []
        for n, graduate_id in enumerate(graduates):
            code = plan[n % len(plan)]
            row = dict(graduate_id=graduate_id, version_no=1, is_current=True, status="complete", version=1,
                       kind="original", code_id=codes[code], created_at=dt.datetime(2026, 5, 1))
            if code in ("10", "11", "12"):
                row.update(employer_id=employers[n % len(employers)], signed_on=dt.date(2026, 5, 1 + n % 28),
                           job_category_id=list(jobs.values())[n % 18])
            elif code == "801":
                row.update(school_name="北京大学", region_code="110108")
            elif code == "85":
                row.update(school_name="牛津大学", foreign_school_name="University of Oxford", country_id=uk)
            batch.append(row)
        for start in range(0, len(batch), 5000):
            db.session.execute(insert(Destination), batch[start:start + 5000])
        db.session.commit()
        destinations = list(db.session.execute(select(Destination.id, Destination.graduate_id)
                                               .order_by(Destination.id).limit(max(files // 2, 1))).tuples())
        payload = os.urandom(FILE_BYTES)
        for n in range(files):
            destination_id, graduate_id = destinations[n // 2 % len(destinations)]
            key = f"{n:040x}"
            target = uploads.path_of(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(payload)
            evidence = db.session.execute(insert(Evidence).values(
                graduate_id=graduate_id, original_name=f"录用证明{n}.pdf", content_type="application/pdf",
                size=FILE_BYTES, sha256="0" * 64, storage_key=key, created_at=dt.datetime(2026, 5, 2))
                .returning(Evidence.id)).scalar_one()
            db.session.execute(insert(DestinationEvidence).values(destination_id=destination_id,
                                                                  evidence_id=evidence, kind="hiring_proof"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    partial.rename(path)
    return {"path": str(path)}


def _school_and_cohort() -> tuple[Any, int]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Cohort

    return rd.user_by_name("school"), db.session.execute(select(Cohort.id).where(Cohort.is_current)).scalar_one()


def run_ours(rows: int, files: int, out: str) -> dict[str, Any]:
    """Child process: the real export (one scoped SELECT in chunks, lookups, masking check, audit, commit)."""
    from app.services.national_export import NationalFilter, write_national

    with _app(rows, files).test_request_context():
        school, cohort_id = _school_and_cohort()
        before = _rss_mb()
        start = time.perf_counter()
        count = write_national(out, NationalFilter(plan=True, cohort_id=cohort_id), school)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": count, "rss_before_mb": before, "peak_rss_mb": _peak_mb(),
            "bytes": Path(out).stat().st_size}


def run_raw(rows: int, files: int, out: str, kind: str = "openpyxl") -> dict[str, Any]:
    """Child process: the same cells, computed first (untimed), then only the library's append + save."""
    from app.services.national_export import NationalFilter, national_rows
    from app.services.national_format import field_set

    with _app(rows, files).test_request_context():
        school, cohort_id = _school_and_cohort()
        cells = list(national_rows(NationalFilter(plan=True, cohort_id=cohort_id), school))
        headers = field_set().headers
    start = time.perf_counter()
    if kind == "xlsxwriter":
        import xlsxwriter

        book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_urls": False})
        sheet = book.add_worksheet("毕业去向")
        sheet.write_row(0, 0, headers)
        for r, row in enumerate(cells, 1):
            sheet.write_row(r, 0, row)
        book.close()
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("毕业去向")
        ws.append(headers)
        for row in cells:
            ws.append(row)
        wb.save(out)
    seconds = time.perf_counter() - start
    nonblank = sum(1 for row in cells for value in row if value is not None)
    return {"seconds": seconds, "rows": len(cells), "cells": nonblank, "bytes": Path(out).stat().st_size}


def run_zip(rows: int, files: int, out: str) -> dict[str, Any]:
    """Child process: stream the zip of every proof file to disk, sampling the resident set as it goes."""
    from app.services import proof_zip
    from app.services.national_export import NationalFilter

    with _app(rows, files).test_request_context():
        school, cohort_id = _school_and_cohort()
        before = peak = _rss_mb()
        start = time.perf_counter()
        written = chunks = 0
        with open(out, "wb") as fh:
            for chunk in proof_zip.export(NationalFilter(cohort_id=cohort_id), school):
                fh.write(chunk)
                written += len(chunk)
                chunks += 1
                if chunks % 200 == 0:
                    peak = max(peak, _rss_mb())
        peak = max(peak, _rss_mb())
        seconds = time.perf_counter() - start
    import zipfile

    with zipfile.ZipFile(out) as zf:
        entries = len(zf.infolist())
    return {"seconds": seconds, "files": entries, "bytes": written, "rss_before_mb": before,
            "rss_peak_mb": peak, "rss_growth_mb": peak - before}


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], cwd=rd.ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(rows: int, files: int) -> dict[str, Any]:
    _child("prepare", str(rows), str(files))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    raws: dict[str, list[dict[str, Any]]] = {"xlsxwriter": [], "openpyxl": []}
    ourses = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):  # interleaved, best of each: a shared machine's load hits all alike
            for kind, results in raws.items():
                results.append(_child("raw", str(rows), str(files), f"{tmp}/{kind}.xlsx", kind))
            ourses.append(_child("ours", str(rows), str(files), f"{tmp}/ours.xlsx"))
        archive = _child("zip", str(rows), str(files), f"{tmp}/proofs.zip")
    best = {kind: min(results, key=lambda r: r["seconds"]) for kind, results in raws.items()}
    fastest = min(best, key=lambda kind: best[kind]["seconds"])
    raw = best[fastest]
    ours = min(ourses, key=lambda r: r["seconds"])
    ratio = ours["seconds"] / raw["seconds"]
    print("all runs (s): " + "; ".join(f"raw {kind} " + ", ".join(f"{r['seconds']:.2f}" for r in results)
                                      for kind, results in raws.items())
          + "; ours " + ", ".join(f"{r['seconds']:.2f}" for r in ourses))
    flat = archive["rss_growth_mb"] <= 50
    print(rd.table(f"National export, {rows:,} graduates x 32 columns, plan mode (each in its own process, same run;"
                   f" ratio against the fastest raw writer, {fastest})",
                   ["measurement (best of runs)", "seconds", "rows", "ratio", "goal", "result"], [
                       ["GEMS write_national (SELECT, lookups, audit)", ours["seconds"], f"{ours['rows']:,}",
                        f"{ratio:.2f}x", "<= 1.5x", rd.verdict(ratio <= 1.5)],
                       *[[f"raw {kind}, same {best[kind]['cells']:,} cells", best[kind]["seconds"],
                          f"{best[kind]['rows']:,}", f"{best[kind]['seconds'] / raw['seconds']:.2f}x", "", ""]
                         for kind in ("xlsxwriter", "openpyxl")]]))
    print(f"ours: peak RSS {ours['peak_rss_mb']:.0f} MB, file {ours['bytes'] / 1e6:.1f} MB "
          f"(raw {fastest} file {raw['bytes'] / 1e6:.1f} MB)")
    print(f"proof zip: {archive['files']:,} files, {archive['bytes'] / 1e6:.0f} MB in {archive['seconds']:.1f} s; "
          f"RSS {archive['rss_before_mb']:.0f} -> {archive['rss_peak_mb']:.0f} MB "
          f"(growth {archive['rss_growth_mb']:.1f} MB, goal flat <= 50 MB: {rd.verdict(flat)})")
    figures = {"rows": rows, "files": files, "ours": ours, "raw": raw, "fastest": fastest,
               "raw_xlsxwriter": best["xlsxwriter"], "raw_openpyxl": best["openpyxl"], "ratio": ratio, "zip": archive,
               "goals": {"ratio_max": 1.5, "zip_rss_growth_mb_max": 50}}
    rd.save("national_export", figures)
    return figures


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] in ("prepare", "ours", "raw", "zip"):
        fn = {"prepare": prepare, "ours": run_ours, "raw": run_raw, "zip": run_zip}[args[0]]
        print(json.dumps(fn(int(args[1]), int(args[2]), *args[3:])))
    else:
        main(int(args[0]) if args else 100_000, int(args[1]) if len(args) > 1 else 10_000)
