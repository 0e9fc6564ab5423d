"""XLS-1/XLS-3/X-2/X-3: exports and sign-off sheets — scoped rows, masking, Chinese headers, escaping, audit."""
from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.services.review import export
from tests.views.review_helpers import make_graduates


def _export(b: Any, data: dict[str, Any]) -> Any:
    return b.client.post("/review/source/export", data={"csrf_token": b.token("/review/source/"), **data})


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    wb = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_college_export_is_scoped_masked_and_escaped(app: Any, as_role: Any) -> None:
    """college_a's export: Chinese headers, only its rows, masked IDs, a formula-like name made inert."""
    with app.app_context():
        mine = make_graduates(2, "secondary", "101", prefix="EX", name="=HYPERLINK(\"http://x\")")
        other = make_graduates(1, "secondary", "102", prefix="EX")
        ids = {i: db.session.get(Graduate, i) for i in mine + other}
        full_ids = {g.student_no: g.id_number for g in ids.values()}
        before = db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "export.source_info")).scalar_one()
    rows = _sheet(_export(as_role("college_a"), {"target": "all", "q": "EX"}))
    header, data = rows[0], rows[1:]
    assert header[:4] == ("学号", "姓名", "性别", "身份证号")
    numbers = {r[0] for r in data}
    assert numbers == {ids[i].student_no for i in mine}
    for row in data:
        assert row[3] != full_ids[row[0]] and "*" in row[3] and row[3][-4:] == full_ids[row[0]][-4:]
        assert row[1].startswith("'=")
        assert row[2] == "男"
    with app.app_context():
        entries = db.session.execute(select(AuditLog).where(AuditLog.action == "export.source_info")
                                     .order_by(AuditLog.seq.desc())).scalars().all()
        assert len(entries) == before + 1 and entries[0].actor_name == "college_a"
        assert '"rows": 2' in entries[0].detail


def test_school_export_shows_full_ids_and_only_ticked_rows(app: Any, as_role: Any) -> None:
    """The school holds the full-view permission; "ticked records" exports exactly those rows."""
    with app.app_context():
        ids = make_graduates(3, "central", "102", prefix="EY")
        wanted = {db.session.get(Graduate, i).student_no: db.session.get(Graduate, i).id_number for i in ids[:2]}
    rows = _sheet(_export(as_role("school"), {"target": "selected", "ids": [str(i) for i in ids[:2]]}))
    assert {(r[0], r[3]) for r in rows[1:]} == set(wanted.items())


def test_large_exports_run_in_the_background_for_their_owner_only(app: Any, as_role: Any, monkeypatch: Any) -> None:
    """Above the limit the export becomes a job with progress; only its creator can poll or download it."""
    monkeypatch.setattr(export, "SYNC_LIMIT", 1)
    with app.app_context():
        make_graduates(2, "draft", "101", prefix="EZ")
    b = as_role("college_a")
    response = _export(b, {"target": "all", "q": "EZ"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    status = b.get(job_url + "/status").get_json()
    assert status["state"] == "done" and status["processed"] == 2 and status["percent"] == 100
    assert len(_sheet(b.get(job_url + "/download"))) == 3
    other = as_role("school")
    assert other.get(job_url + "/status").status_code == 404
    assert other.get(job_url + "/download").status_code == 404


def test_sign_off_sheet_prints_one_page_per_student(app: Any, as_role: Any) -> None:
    """XLS-3: a printable A4 page per student with the four sections, masked ID for a college, signature lines."""
    with app.app_context():
        ids = make_graduates(2, "secondary", "101", prefix="PR")
        id_number = db.session.get(Graduate, ids[0]).id_number
    b = as_role("college_a")
    html = b.client.post("/review/source/print", data={"csrf_token": b.token("/review/source/"), "target": "selected",
                                                       "ids": [str(i) for i in ids]}).get_data(as_text=True)
    assert html.count('class="sheet"') == 2 and "@page { size: A4" in html
    assert "生源信息核对表" in html and "学生签名" in html and "身份信息" in html and "联系方式" in html
    assert id_number not in html and id_number[-4:] in html
    assert as_role("college_b").client.post(
        "/review/source/print", data={"csrf_token": b.token("/review/source/"), "target": "selected",
                                      "ids": [str(i) for i in ids]}).get_data(as_text=True).count('class="sheet"') == 0


def test_a_job_cut_off_by_a_restart_is_reported_as_failed(app: Any) -> None:
    """A job left "running" long past any import or export time is shown as interrupted, not as running forever."""
    import datetime

    from app.models.registry import ImportJob
    from app.services.import_jobs import job_status

    with app.test_request_context():
        old = ImportJob(kind="export", filename="x.xlsx", state="running", phase="writing",
                        created_at=datetime.datetime(2020, 1, 1))
        fresh = ImportJob(kind="export", filename="y.xlsx", state="running", phase="writing",
                          created_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
        assert job_status(old)["state"] == "failed" and job_status(old)["finished"]
        assert "中断" in job_status(old)["message"]
        assert job_status(fresh)["state"] == "running"
