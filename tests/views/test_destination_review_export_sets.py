"""EMP-3: the destination list's one-click export sets (全国就业系统导出, 学校字段) write the list's own selection through
the national export — scoped, masked, audited, in the background above the limit — and its proof files as one zip."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.services.national_export import chooser_sets
from app.services.national_format import NATIONAL, SCHOOL
from app.services.review import export
from tests.services.national_world import world

world = world  # noqa: PLW0127  (the module fixture)
URL = "/review/destination/"
HEADERS = {s["key"]: list(s["headers"]) for s in chooser_sets()}


def _post(b: Any, path: str, data: dict[str, Any]) -> Any:
    return b.client.post(URL + path, data={"csrf_token": b.token(URL), "target": "all", **data})


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.status_code
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def _column(rows: list[list[Any]], header: str) -> list[Any]:
    at = rows[0].index(header)
    return [r[at] for r in rows[1:]]


def _audits(action: str) -> int:
    return db.session.execute(select(func.count(AuditLog.id)).where(AuditLog.action == action)).scalar_one()


def test_the_list_offers_both_sets_and_the_proof_zip(app: Any, as_role: Any, world: Any) -> None:
    page = as_role("school").get(f"{URL}?cohort={world.cohort_id}").get_data(as_text=True)
    for key in (NATIONAL, SCHOOL):
        assert f'name="set" value="{key}"' in page
    assert 'id="gems-export-proofs"' in page
    assert len(HEADERS[NATIONAL]) == 32


def test_national_set_is_the_selection_scoped_and_audited(app: Any, as_role: Any, world: Any) -> None:
    with app.app_context():
        before = _audits("export.national")
    rows = _sheet(_post(as_role("school"), "export", {"set": NATIONAL, "cohort": world.cohort_id}))
    assert rows[0] == HEADERS[NATIONAL]
    # every listed version with a record: a1, a2 (under review), b1, b2 — not a3 (nothing yet), not x (unreported)
    assert sorted(_column(rows, "学号")) == sorted(world.student_no[k] for k in ("张三", "李四", "赵六", "孙七"))
    rows = _sheet(_post(as_role("college_a"), "export", {"set": NATIONAL, "cohort": world.cohort_id}))
    assert sorted(_column(rows, "学号")) == sorted(world.student_no[k] for k in ("张三", "李四"))
    rows = _sheet(_post(as_role("school"), "export", {"set": SCHOOL, "cohort": world.cohort_id, "code": "85"}))
    assert rows[0] == HEADERS[SCHOOL] and _column(rows, "学号") == [world.student_no["赵六"]]
    with app.app_context():
        assert _audits("export.national") == before + 3


def test_ticked_records_and_masking(app: Any, as_role: Any, world: Any) -> None:
    ids = [str(world.destinations["a1"])]
    rows = _sheet(_post(as_role("college_a"), "export", {"set": SCHOOL, "target": "selected", "ids": ids}))
    assert _column(rows, "学号") == [world.student_no["张三"]]
    assert _column(rows, "身份证号")[0] != "430621200305171234"  # a college sees the masked number
    rows = _sheet(_post(as_role("school"), "export", {"set": SCHOOL, "target": "selected", "ids": ids}))
    assert _column(rows, "身份证号") == ["430621200305171234"]


def test_a_large_set_export_runs_as_a_job(app: Any, as_role: Any, world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(export, "SYNC_LIMIT", 1)
    b = as_role("school")
    response = _post(b, "export", {"set": NATIONAL, "cohort": world.cohort_id})
    assert response.status_code == 302
    job = response.headers["Location"]
    assert b.get(job + "/status").get_json()["state"] == "done"
    rows = _sheet(b.get(job + "/download"))
    assert rows[0] == HEADERS[NATIONAL] and len(rows) == 5
    assert _post(b, "export", {"set": "no-such-set", "cohort": world.cohort_id}).status_code == 404


def test_proof_files_of_the_selection(app: Any, as_role: Any, world: Any) -> None:
    b = as_role("school")
    response = _post(b, "proofs", {"cohort": world.cohort_id})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = [n for n in zipfile.ZipFile(io.BytesIO(response.data)).namelist() if n.endswith(".pdf")]
    assert len(names) == 3 and sum(1 for n in names if world.student_no["张三"] in n) == 2
    response = _post(b, "proofs", {"target": "selected", "ids": [str(world.destinations["b1"])]})
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert [n for n in names if n.endswith(".pdf")] == [n for n in names if world.student_no["赵六"] in n] != []
    assert as_role("school").get("/review/source/proofs").status_code == 404  # the source review has none
