"""PLAN-2 / EMP-3 / EMP-5 screens: the plan page and download per role, the proof zip over HTTP, the reconciliation
upload → differences → filter → export, a bad file answered in Chinese; roles without the permission refused."""
from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from app.services.national_format import field_set
from tests.services import national_world
from tests.services.test_reconcile import national_rows, xlsx

world = national_world.world


def workbook_rows(data: bytes) -> list[list[Any]]:
    """Rows padded to the header's width (a write-only sheet leaves trailing blank cells out)."""
    rows = [list(r) for r in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)]
    return [r + [None] * (len(rows[0]) - len(r)) for r in rows]


@pytest.mark.parametrize("username, names", [("school", {"张三", "李四", "王五", "赵六", "孙七"}),
                                             ("college_a", {"张三", "李四", "王五"})])
def test_plan_page_and_download_per_role(as_role: Any, world: Any, username: str, names: set[str]) -> None:
    b = as_role(username)
    page = b.get(f"/national/plan/?cohort={world.cohort_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "就业方案数据下载" in html
    assert f"<td>{len(names)}</td>" in html
    response = b.get(f"/national/plan/download?cohort={world.cohort_id}")
    assert response.status_code == 200 and "就业方案数据" in unquote(response.headers["Content-Disposition"])
    rows = workbook_rows(response.get_data())
    assert rows[0] == field_set("national").headers and {r[1] for r in rows[1:]} == names


def test_plan_download_with_every_state(as_role: Any, world: Any) -> None:
    rows = workbook_rows(as_role("school").get(f"/national/plan/download?cohort={world.cohort_id}&states=all")
                         .get_data())
    codes = {r[1]: r[17] for r in rows[1:]}
    assert codes["李四"] == "46" and codes["王五"] is None


def test_proof_zip_over_http_is_scoped(as_role: Any, world: Any) -> None:
    response = as_role("college_b").get(f"/national/proofs/download?cohort={world.cohort_id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert len(names) == 1 and "赵六" in names[0]
    selected = as_role("school").get(f"/national/proofs/download?ids={world.destinations['a1']}")
    assert len(zipfile.ZipFile(io.BytesIO(selected.get_data())).namelist()) == 2


def test_a_college_downloads_the_plan_but_cannot_reconcile(as_role: Any, world: Any) -> None:
    assert as_role("college_a").get("/reconcile/").status_code != 200
    assert as_role("college_a").get("/national/plan/").status_code == 200


def test_reconcile_upload_show_filter_export(as_role: Any, world: Any) -> None:
    b = as_role("school")
    response = b.post_form("/reconcile/upload", {"cohort": str(world.cohort_id),
                                                 "file": (io.BytesIO(xlsx(national_rows(world))), "全国.xlsx")},
                           token_from="/reconcile/", content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    run_url = response.headers["Location"]
    html = b.get(run_url).get_data(as_text=True)
    assert html.count('<tr data-kind="') == 6 and "统一社会信用代码不同" in html
    only_gems = b.get(f"{run_url}?kind=only_gems").get_data(as_text=True)
    assert only_gems.count('<tr data-kind="only_gems"') == 1 and only_gems.count('<tr data-kind="') == 1
    export = b.get(f"{run_url}/export?kind=code")
    assert export.status_code == 200 and len(workbook_rows(export.get_data())) == 3


def test_reconcile_bad_file_says_why_in_chinese(as_role: Any, world: Any) -> None:
    b = as_role("school")
    response = b.post_form("/reconcile/upload", {"cohort": str(world.cohort_id),
                                                 "file": (io.BytesIO(xlsx([["张三"]], header=["姓名"])), "x.xlsx")},
                           token_from="/reconcile/", content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "文件未能核对" in html and "缺少必需的列：学号" in html
