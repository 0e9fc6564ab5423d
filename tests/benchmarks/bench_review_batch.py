"""Issue 4 "Scale": batch-approve 10 000 of 20 000 graduates, audit rows included, against FAB's stock action_post
(baseline A) and one bare set-based UPDATE (baseline B), on a SQLite file and on PostgreSQL, in the same run.

Usage: python tests/benchmarks/bench_review_batch.py [sqlite|postgresql ...]
Goals: ours >= 10x faster than A, ours <= 3x B. Afterwards all 10 000 are complete with 10 000 audit rows and the
audit chain verifies. Figures go to .bench-cache/review.json (section "batch").
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import review_data as rd  # noqa: E402

GRADUATES = 20_000
SELECTED = 10_000
# FAB's action_post keeps every loaded item in the session and datamodel.edit commits per item, so each commit
# expires all of them: the cost grows with the square of the selection. The full 10 000 takes well over 10
# minutes, so by default baseline A runs on the first STOCK_SAMPLE records and is scaled up linearly — a lower
# bound on its real time, which understates our advantage. BENCH_STOCK_SAMPLE=10000 runs it in full.
STOCK_SAMPLE = int(os.environ.get("BENCH_STOCK_SAMPLE", "1000"))
OTHER_STATES = ["draft", "secondary", "secondary", "complete", "rejected"]


@contextlib.contextmanager
def database(kind: str) -> Iterator[tuple[str, str | None]]:
    """A throwaway database: a SQLite file in a temp folder, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/batch.db", None
    else:
        with rd.pg_schema("bench_batch") as schema:
            yield rd.PG_URL, schema


def _reset(ids: list[int]) -> None:
    """Put the selected records back at 中心待审 (bench data only; raw SQL, not a workflow transition)."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("UPDATE graduate SET status = 'central', version = 3, school_decision = NULL, "
                            "school_decided_at = NULL, school_decided_by = NULL WHERE id IN :ids")
                       .bindparams(db.bindparam("ids", expanding=True)), {"ids": ids})
    db.session.execute(text("DELETE FROM audit_bench"))
    db.session.commit()


def _check(ids: list[int], since_seq: int, action: str) -> dict[str, Any]:
    """How many of the ids are complete, how many audit rows the run wrote, whether the chain verifies."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.audit import AuditLog
    from app.models.graduate import Graduate
    from app.services import audit

    db.session.expire_all()
    complete = sum(db.session.execute(select(func.count()).select_from(Graduate).where(
        Graduate.id.in_(chunk), Graduate.status == "complete")).scalar_one() for chunk in _chunks(ids))
    rows = db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.seq > since_seq, AuditLog.action == action)).scalar_one()
    chain = audit.verify()
    return {"complete": complete, "audit_rows": rows, "chain_ok": chain.ok, "chain_checked": chain.checked}


def _chunks(ids: list[int], size: int = 900) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _last_seq() -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.audit import AuditLog

    return db.session.execute(select(func.coalesce(func.max(AuditLog.seq), 0))).scalar_one()


def ours(app: Any, ids: list[int]) -> tuple[float, dict[str, Any]]:
    """app.services.review.batch.decide("approve", ids, school) — the same call every door makes."""
    from flask import g

    from app.services.review import batch

    with app.test_request_context():
        school = rd.user_by_name("school")
        g.user = school
        before = _last_seq()
        with rd.Timer() as t:
            result = batch.decide("approve", ids, school)
        assert len(result.done) == len(ids), result.skipped[:3]
        return t.seconds, _check(ids, before, "workflow.source_info.approve_school")


def stock_action_post(app: Any, ids: list[int]) -> tuple[float, dict[str, Any]]:
    """Baseline A through the test client: POST /benchstockgraduate/action_post with the rowid values
    (MAX_FORM_PARTS raised for the bench app so a 10 000-value form is accepted); on a sample, see STOCK_SAMPLE."""
    sample = ids[:STOCK_SAMPLE]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login/", data={"username": "school", "password": app.config["GEMS_DEMO_PASSWORD"],
                                            "csrf_token": token})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        before = _last_seq()
    data = {"action": "approve", "rowid": [str(i) for i in sample], "csrf_token": token}
    with rd.Timer() as t:
        response = client.post("/benchstockgraduate/action_post", data=data)
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:300])
    with app.app_context():
        check = _check(sample, before, "workflow.source_info.approve_school")
    scale = len(ids) / len(sample)
    return t.seconds * scale, {**check, "measured_records": len(sample), "measured_seconds": t.seconds,
                               "scaled_linearly_by": scale}


def bare_update(app: Any, ids: list[int]) -> tuple[float, dict[str, Any]]:
    """Baseline B: the bare SQL doing the same writes — one UPDATE graduate SET status … WHERE id IN (…10 000
    ids…) plus the audit INSERT (10 000 rows into a copy of audit_log), one transaction."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models.graduate import Graduate

    with app.app_context():
        before = _last_seq()
        with rd.Timer() as t:
            db.session.execute(update(Graduate).where(Graduate.id.in_(ids))
                               .values(status="complete", version=Graduate.version + 1)
                               .execution_options(synchronize_session=False))
            rd.insert_audit_copy(ids, "workflow.source_info.approve_school", "source_info",
                                 {"from": "central", "to": "complete", "remark": ""})
            db.session.commit()
        return t.seconds, _check(ids, before, "workflow.source_info.approve_school")


def run(kind: str) -> dict[str, Any]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models.graduate import Graduate
    from app.security.roles import SCHOOL
    from tests.benchmarks import bench_review_stock as stock

    with database(kind) as (url, schema):
        app = rd.bench_app(url, schema, MAX_FORM_PARTS=SELECTED + 100)
        stock.register(app)
        st = rd.prepare(app)
        with app.app_context():
            rd.create_audit_copy()
            stock.grant(SCHOOL)
            with rd.Timer() as gen:
                rd.insert_graduates(rd.graduate_rows(SELECTED, st, ["central"]))
                rd.insert_graduates(rd.graduate_rows(GRADUATES - SELECTED, st, OTHER_STATES, first=SELECTED))
            ids = list(db.session.execute(select(Graduate.id).where(Graduate.status == "central")
                                          .order_by(Graduate.student_no)).scalars())
            assert len(ids) == SELECTED, len(ids)
            total = db.session.execute(select(db.func.count()).select_from(Graduate)).scalar_one()
        print(f"[{kind}] {total} graduates generated in {gen.seconds:.1f} s; approving {len(ids)}")
        figures: dict[str, Any] = {"graduates": total, "selected": len(ids)}
        for name, measure in (("ours", ours), ("stock_fab_action_post", stock_action_post),
                              ("bare_update", bare_update)):
            with app.app_context():
                _reset(ids)
            seconds, check = measure(app, ids)
            figures[name] = {"seconds": seconds, "per_second": len(ids) / seconds, **check}
            print(f"[{kind}] {name}: {seconds:.2f} s {check}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    figures["ratio_stock_over_ours"] = figures["stock_fab_action_post"]["seconds"] / figures["ours"]["seconds"]
    figures["ratio_ours_over_bare"] = figures["ours"]["seconds"] / figures["bare_update"]["seconds"]
    figures["verified"] = (figures["ours"]["complete"] == SELECTED and figures["ours"]["audit_rows"] == SELECTED
                           and figures["ours"]["chain_ok"])
    return figures


def main(kinds: list[str]) -> dict[str, Any]:
    if "postgresql" in kinds and not rd.pg_reachable():
        print(f"SKIPPED PostgreSQL: {rd.PG_URL} unreachable")
        kinds = [k for k in kinds if k != "postgresql"]
    results = {}
    for kind in kinds:  # one Flask-AppBuilder app per process: each database in its own child
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "figures.json"
            subprocess.run([sys.executable, __file__, "--child", kind, str(out)], cwd=rd.ROOT, check=True)
            results[kind] = json.loads(out.read_text(encoding="utf-8"))
    rows = []
    for kind, f in results.items():
        ours_s = f["ours"]["seconds"]
        rows.append([kind, "GEMS batch.decide (+audit)", f["ours"]["seconds"], f"{f['ours']['per_second']:,.0f}",
                     "1.00", "", ""])
        a = f["stock_fab_action_post"]
        label = "A: stock FAB action_post (+audit)"
        if a["measured_records"] < SELECTED:
            label += f", {a['measured_records']:,} measured x{a['scaled_linearly_by']:.0f}"
        rows.append([kind, label, a["seconds"],
                     f"{f['stock_fab_action_post']['per_second']:,.0f}",
                     f"{'>= ' if a['measured_records'] < SELECTED else ''}{f['ratio_stock_over_ours']:.1f}x slower",
                     ">= 10x",
                     rd.verdict(f["ratio_stock_over_ours"] >= 10)])
        rows.append([kind, "B: bare UPDATE, no audit", f["bare_update"]["seconds"],
                     f"{f['bare_update']['per_second']:,.0f}", f"ours = {ours_s / f['bare_update']['seconds']:.1f}x",
                     "<= 3x", rd.verdict(f["ratio_ours_over_bare"] <= 3)])
    print()
    print(rd.table(f"Batch approve {SELECTED:,} of {GRADUATES:,} graduates (seconds, same run)",
                   ["database", "measurement", "seconds", "records/s", "ratio", "goal", "result"], rows))
    for kind, f in results.items():
        o = f["ours"]
        print(f"[{kind}] verified: {o['complete']} complete, {o['audit_rows']} audit rows, "
              f"chain {'verifies' if o['chain_ok'] else 'BROKEN'} ({o['chain_checked']} entries)")
    rd.save("batch", {"graduates": GRADUATES, "selected": SELECTED, "results": results,
                      "goals": {"stock_over_ours_min": 10, "ours_over_bare_max": 3}})
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        Path(sys.argv[3]).write_text(json.dumps(run(sys.argv[2])), encoding="utf-8")
    else:
        main(sys.argv[1:] or ["sqlite", "postgresql"])
