"""Issue 12 "Speed": batch archive of 5 000 agreements awaiting the school's confirmation — the agreements archived,
a code-10 destination version made current for each graduate (the one current before kept as the revoke target),
audit rows written — through the engine every door calls, against the bare SQL doing the same writes in the same
run (UPDATE agreement, INSERT … SELECT destination, the two is_current UPDATEs, the agreement's links, the audit
INSERT into a copy of audit_log). Goal: ours ≤ 3× bare. Each side runs ROUNDS times on the same rows, reset by raw
SQL between rounds; medians are reported.

Usage: python tests/benchmarks/bench_agreement_archive.py [sqlite|postgresql ...]   (figures: .bench-cache/review.json
section "agreement_archive")
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402
from tests.benchmarks.bench_review_batch import database  # noqa: E402

AGREEMENTS = 5_000
ROUNDS = 3


def _world(app: Any) -> tuple[list[int], list[int]]:
    """AGREEMENTS graduates with complete source information, half of them with a current 待就业 destination, one
    approved employer, one agreement each awaiting the school's confirmation; (agreement ids, current version ids)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.agreement import Agreement
    from app.models.destination import Destination
    from app.models.employer import Employer
    from app.models.graduate import Graduate
    from app.models.org import Cohort
    from app.models.reference import DestinationCode
    from app.services.reference_seed import seed_reference_data

    st = rd.structure()
    seed_reference_data()
    db.session.get(Cohort, st.cohort_id).change_deadline = rd.dt.date.today() + rd.dt.timedelta(days=90)
    employer = Employer(name="湖南星辰科技有限公司", status="approved")
    db.session.add(employer)
    db.session.commit()
    rd.insert_graduates(rd.graduate_rows(AGREEMENTS, st, ["complete"]))
    graduates = list(db.session.execute(select(Graduate.id).where(Graduate.status == "complete")
                                        .order_by(Graduate.id)).scalars())
    code70 = db.session.execute(select(DestinationCode.id).where(DestinationCode.code == "70")).scalar_one()
    now = rd.dt.datetime.now()
    db.session.execute(Destination.__table__.insert(), [
        {"graduate_id": g, "version_no": 1, "is_current": True, "kind": "original", "from_agreement": False,
         "online_shop": False, "code_id": code70, "status": "complete", "version": 1, "created_at": now}
        for g in graduates[::2]])
    db.session.execute(Agreement.__table__.insert(), [
        {"graduate_id": g, "employer_id": employer.id, "kind": "online", "started_by": "employer",
         "status": "stamp_school", "version": 5, "position": "软件工程师", "signed_on": now.date(),
         "work_region_code": "430104", "created_at": now} for g in graduates])
    db.session.commit()
    rd.create_audit_copy()
    ids = list(db.session.execute(select(Agreement.id).order_by(Agreement.id)).scalars())
    current = list(db.session.execute(select(Destination.id).where(Destination.is_current)).scalars())
    return ids, current


def _reset(ids: list[int], current: list[int]) -> None:
    """Back to 'awaiting the school's confirmation' (bench data only; raw SQL, not a workflow transition)."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("UPDATE agreement SET status = 'stamp_school', version = 5, destination_id = NULL, "
                            "previous_destination_id = NULL, archived_at = NULL, school_confirmed_at = NULL"))
    db.session.execute(text("DELETE FROM destination WHERE from_agreement"))
    db.session.execute(text("UPDATE destination SET is_current = true WHERE id IN :ids")
                       .bindparams(db.bindparam("ids", expanding=True)), {"ids": current})
    db.session.execute(text("DELETE FROM audit_bench"))
    db.session.commit()


def _check(ids: list[int], since_seq: int) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models.agreement import Agreement
    from app.models.audit import AuditLog
    from app.models.destination import Destination

    db.session.expire_all()
    archived = db.session.execute(select(func.count()).select_from(Agreement).where(
        Agreement.status == "archived")).scalar_one()
    in_plan = db.session.execute(select(func.count()).select_from(Agreement).join(
        Destination, Destination.id == Agreement.destination_id).where(Destination.is_current)).scalar_one()
    rows = db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.seq > since_seq, AuditLog.action == "workflow.agreement.archive")).scalar_one()
    rows += db.session.execute(text("SELECT count(*) FROM audit_bench")).scalar_one()
    return {"archived": archived, "in_plan": in_plan, "audit_rows": rows}


def _last_seq() -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.audit import AuditLog

    return db.session.execute(select(func.coalesce(func.max(AuditLog.seq), 0))).scalar_one()


def ours(app: Any, ids: list[int]) -> tuple[float, dict[str, Any]]:
    """The engine's batch (what the list's batch button, the record page and the API call) as the school."""
    from flask import g

    from app.workflows.agreement import AGREEMENT
    from app.workflows.engine import fire_many

    with app.test_request_context():
        school = rd.user_by_name("school")
        g.user = school
        before = _last_seq()
        with rd.Timer() as t:
            result = fire_many(AGREEMENT, "archive", ids, school)
        assert len(result.done) == len(ids), result.skipped[:3]
        return t.seconds, _check(ids, before)


def bare(app: Any, ids: list[int]) -> tuple[float, dict[str, Any]]:
    """The same writes as plain SQL statements in one transaction, no checks, no hashing."""
    from sqlalchemy import text

    from app.extensions import db

    in_ids = db.bindparam("ids", expanding=True)
    with app.app_context():
        code10 = db.session.execute(text("SELECT id FROM destination_code WHERE code = '10'")).scalar_one()
        with rd.Timer() as t:
            db.session.execute(text(
                "UPDATE agreement SET status = 'archived', version = version + 1, school_confirmed_at = :now, "
                "archived_at = :now WHERE id IN :ids").bindparams(in_ids), {"ids": ids, "now": rd.dt.datetime.now()})
            db.session.execute(text(
                "INSERT INTO destination (graduate_id, version_no, is_current, kind, from_agreement, online_shop, "
                "code_id, employer_id, signed_on, region_code, status, version, created_at) "
                "SELECT a.graduate_id, 2, false, 'change', true, false, :code, a.employer_id, a.signed_on, "
                "a.work_region_code, 'complete', 1, :now FROM agreement a WHERE a.id IN :ids").bindparams(in_ids),
                {"ids": ids, "code": code10, "now": rd.dt.datetime.now()})
            db.session.execute(text(
                "UPDATE agreement SET previous_destination_id = (SELECT d.id FROM destination d WHERE "
                "d.graduate_id = agreement.graduate_id AND d.is_current), destination_id = (SELECT d.id FROM "
                "destination d WHERE d.graduate_id = agreement.graduate_id AND d.from_agreement) "
                "WHERE id IN :ids").bindparams(in_ids), {"ids": ids})
            db.session.execute(text(
                "UPDATE destination SET is_current = false WHERE is_current AND NOT from_agreement AND graduate_id IN "
                "(SELECT graduate_id FROM agreement WHERE id IN :ids)").bindparams(in_ids), {"ids": ids})
            db.session.execute(text(
                "UPDATE destination SET is_current = true WHERE from_agreement AND graduate_id IN "
                "(SELECT graduate_id FROM agreement WHERE id IN :ids)").bindparams(in_ids), {"ids": ids})
            rd.insert_audit_copy(ids, "workflow.agreement.archive", "agreement",
                                 {"from": "stamp_school", "to": "archived", "remark": ""})
            db.session.commit()
        return t.seconds, _check(ids, _last_seq())


def run(kind: str) -> dict[str, Any]:
    from app.extensions import db

    with database(kind) as (url, schema):
        app = rd.bench_app(url, schema)
        rd.prepare(app)
        with app.app_context():
            ids, current = _world(app)
        print(f"[{kind}] {len(ids)} agreements awaiting the school's confirmation")
        times: dict[str, list[float]] = {"ours": [], "bare": []}
        checks: dict[str, Any] = {}
        for _round in range(ROUNDS):
            for name, measure in (("ours", ours), ("bare", bare)):
                with app.app_context():
                    _reset(ids, current)
                seconds, check = measure(app, ids)
                times[name].append(seconds)
                checks[name] = check
                print(f"[{kind}] {name}: {seconds:.2f} s {check}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    figures = {name: {"median_seconds": statistics.median(v), "runs": v, **checks[name]} for name, v in times.items()}
    figures["ratio_ours_over_bare"] = figures["ours"]["median_seconds"] / figures["bare"]["median_seconds"]
    figures["verified"] = all(checks[n]["archived"] == len(ids) == checks[n]["in_plan"] == checks[n]["audit_rows"]
                              for n in checks)
    return figures


def main(kinds: list[str]) -> dict[str, Any]:
    if "postgresql" in kinds and not rd.pg_reachable():
        print(f"SKIPPED PostgreSQL: {rd.PG_URL} unreachable")
        kinds = [k for k in kinds if k != "postgresql"]
    results = {}
    for kind in kinds:  # one Flask-AppBuilder app per process
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "figures.json"
            subprocess.run([sys.executable, __file__, "--child", kind, str(out)], cwd=rd.ROOT, check=True)
            results[kind] = json.loads(out.read_text(encoding="utf-8"))
    rows = [[kind, f["ours"]["median_seconds"], f["bare"]["median_seconds"], f"{f['ratio_ours_over_bare']:.2f}×",
             rd.verdict(f["ratio_ours_over_bare"] <= 3.0 and f["verified"])] for kind, f in results.items()]
    print(rd.table(f"Batch archive of {AGREEMENTS} agreements (median of {ROUNDS})",
                   ["database", "GEMS engine (s)", "bare SQL (s)", "ratio", "≤ 3× and verified"], rows))
    rd.save("agreement_archive", results)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        Path(sys.argv[3]).write_text(json.dumps(run(sys.argv[2])), encoding="utf-8")
    else:
        main(sys.argv[1:] or ["sqlite", "postgresql"])
