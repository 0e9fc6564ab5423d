"""The import pages for the issue-9 additions: .xls/.csv uploads and the corrected workbook next to the error report."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.excel.formats_helpers import REGISTRY_XLS
from tests.services.test_registry_import import make_book, row
from tests.views.test_registry_import import cohort, job_id_of, private_instance, upload  # noqa: F401 - fixtures


def test_xls_upload_through_the_page(as_role: Any, cohort: Any) -> None:  # noqa: F811
    """An .xls posted by the form imports (its extension is kept for the reader)."""
    school = as_role("school")
    job_id = job_id_of(upload(school, cohort.id, REGISTRY_XLS, name="学籍.xls"))
    status = school.get(f"/registry-import/job/{job_id}/status").get_json()
    assert status["state"] == "done" and status["added"] == 2, status


def test_corrected_workbook_offered_beside_the_error_report(as_role: Any, cohort: Any,  # noqa: F811
                                                            tmp_path: Path) -> None:
    """Only fixable errors: the result page links the corrected file, which has the fix and the original."""
    school = as_role("school")
    path = make_book(tmp_path / "a.xlsx", [row(生源地="湖南省岳阳市岳阳县"), row()])
    job_id = job_id_of(upload(school, cohort.id, path))
    page = school.get(f"/registry-import/job/{job_id}").get_data(as_text=True)
    link = f"/registry-import/job/{job_id}/corrected"
    assert link in page and f"/registry-import/job/{job_id}/report" in page
    response = school.get(link)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    col = [c.value for c in ws[1]].index("生源地")
    cell = ws.cell(row=2, column=col + 1)
    assert cell.value == "湖南省岳阳县" and "湖南省岳阳市岳阳县" in cell.comment.text


def test_no_corrected_link_when_a_fix_is_unclear(as_role: Any, cohort: Any, tmp_path: Path) -> None:  # noqa: F811
    """An error without one clear fix: no corrected file, and its URL is a 404."""
    school = as_role("school")
    path = make_book(tmp_path / "a.xlsx", [row(身份证号="430621200403150000")])
    job_id = job_id_of(upload(school, cohort.id, path))
    assert f"/registry-import/job/{job_id}/corrected" not in school.get(f"/registry-import/job/{job_id}").get_data(
        as_text=True)
    assert school.get(f"/registry-import/job/{job_id}/corrected").status_code == 404
