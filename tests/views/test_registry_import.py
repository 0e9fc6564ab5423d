"""Registry import screens: template, upload through the browser, progress JSON, errors, downloads, 413, list."""
from __future__ import annotations

import io
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models.registry import ImportJob, RegistryRecord
from app.models.user import User
from app.security.roles import STUDENT
from app.services.accounts import hash_password
from app.services.registry_columns import COLUMNS
from tests.conftest import DEMO_PASSWORD, PG, Browser
from tests.services.test_registry_import import (
    create_cohort,
    drop_cohort,
    make_book,
    row,
)

UPLOAD = "/registry-import/upload"


@pytest.fixture(autouse=True)
def private_instance(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads and reports go to a temporary instance folder, never the developer's."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))


@pytest.fixture()
def cohort(app: Any) -> Iterator[SimpleNamespace]:
    """A fresh cohort; no app context stays pushed, so each test client keeps its own signed-in user."""
    with app.app_context():
        created = create_cohort()
        ident = SimpleNamespace(id=created.id, year=created.year)
    yield ident
    with app.app_context():
        drop_cohort(ident.id)


@pytest.fixture()
def student(app: Any) -> Iterator[Browser]:
    """A signed-in student (password already changed), removed afterwards."""
    name = f"regtest{uuid.uuid4().hex[:8]}"
    with app.app_context():
        role = app.appbuilder.sm.find_role(STUDENT)
        user = User(username=name, first_name="测试", last_name="", email=f"{name}@demo.gems.invalid", active=True,
                    password=hash_password(DEMO_PASSWORD), must_change_password=False, roles=[role])
        db.session.add(user)
        db.session.commit()
    browser = Browser(app.test_client())
    browser.login_proven(name)
    yield browser
    with app.app_context():
        db.session.delete(db.session.execute(select(User).where(User.username == name)).scalar_one())
        db.session.commit()  # through the ORM, so the role links go too


def upload(browser: Browser, cohort_id: Any, path: Path | None, name: str = "学籍.xlsx") -> Any:
    """Post the upload form like a browser (CSRF token from the page)."""
    data: dict[str, Any] = {"cohort": str(cohort_id)}
    if path is not None:
        data["file"] = (io.BytesIO(path.read_bytes()), name)
    return browser.post_form(UPLOAD, data, token_from="/registry-import/", content_type="multipart/form-data")


def job_id_of(response: Any) -> int:
    """The job id the upload redirected to."""
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.search(r"/registry-import/job/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_template_download(as_role: Any) -> None:
    """The template has the Chinese headers in order, text-formatted number columns and a guide sheet."""
    response = as_role("school").get("/registry-import/template")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.data))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]] == [spec.header for spec in COLUMNS]
    assert sheet["B2"].number_format == "@" and sheet["A2"].number_format == "@"
    assert "填写说明" in wb.sheetnames


def test_upload_imports_and_reports_counts(as_role: Any, cohort: Any, tmp_path: Path) -> None:
    """Upload → job page with added/updated/unchanged; the status JSON says finished; the list shows rows."""
    school = as_role("school")
    rows = [row(), row()]
    job_id = job_id_of(upload(school, cohort.id, make_book(tmp_path / "a.xlsx", rows)))
    page = school.get(f"/registry-import/job/{job_id}").get_data(as_text=True)
    assert "新增 2 条" in page and 'id="gems-added">2<' in page
    status = school.get(f"/registry-import/job/{job_id}/status").get_json()
    assert status["finished"] and status["state"] == "done" and status["percent"] == 100
    again = job_id_of(upload(school, cohort.id, make_book(tmp_path / "b.xlsx", [rows[0], {**rows[1], "姓名": "李四"}])))
    assert school.get(f"/registry-import/job/{again}/status").get_json()["updated"] == 1
    listing = school.get(f"/registry/list/?_flt_0_cohort={cohort.id}").get_data(as_text=True)
    assert rows[0]["身份证号"] in listing  # school holds the full-view permission
    assert "导入记录" in school.get("/import-jobs/list/").get_data(as_text=True)


def test_rejected_upload_lists_errors_and_serves_the_report(as_role: Any, cohort: Any, tmp_path: Path,
                                                             student: Browser) -> None:
    """Errors by row and column on the page; the report downloads for school, never for college or students."""
    school = as_role("school")
    job_id = job_id_of(upload(school, cohort.id, make_book(tmp_path / "a.xlsx", [row(), row(性别="女")])))
    page = school.get(f"/registry-import/job/{job_id}").get_data(as_text=True)
    assert "未导入任何数据" in page and "<td>3</td><td>性别</td>" in page
    report = school.get(f"/registry-import/job/{job_id}/report")
    assert report.status_code == 200
    assert load_workbook(io.BytesIO(report.data)).active["A2"].value.startswith("第 3 行")
    assert as_role("admin").get(f"/registry-import/job/{job_id}/report").status_code == 200
    college = as_role("college_a")
    for url in (f"/registry-import/job/{job_id}/report", f"/registry-import/job/{job_id}",
                f"/registry-import/job/{job_id}/status", "/registry-import/", "/registry-import/template"):
        assert college.get(url).status_code in (403, 404), url
        assert student.get(url).status_code in (403, 404), url
    with school.client.application.app_context():
        assert db.session.execute(select(RegistryRecord).where(RegistryRecord.cohort_id == cohort.id)).first() is None


def test_only_the_first_200_errors_are_listed(as_role: Any, cohort: Any, tmp_path: Path) -> None:
    """A file with 250 bad rows lists 200 errors and states the total."""
    school = as_role("school")
    job_id = job_id_of(upload(school, cohort.id, make_book(tmp_path / "a.xlsx", [row(性别="女") for _ in range(250)])))
    page = school.get(f"/registry-import/job/{job_id}").get_data(as_text=True)
    assert "共 250 处错误，以下为前 200 处" in page
    assert page.count("<td>性别</td>") == 200


def test_hostile_file_message_reaches_the_page(as_role: Any, cohort: Any, tmp_path: Path) -> None:
    """A non-xlsx renamed .xlsx is refused on the result page with the reader's Chinese message."""
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes("学号,姓名\n1,张三\n".encode())
    school = as_role("school")
    page = school.get(f"/registry-import/job/{job_id_of(upload(school, cohort.id, fake))}").get_data(as_text=True)
    assert "文件被拒绝" in page and "不是有效的 .xlsx" in page


def test_upload_needs_cohort_and_file(as_role: Any, cohort: Any) -> None:
    """Missing cohort or file re-shows the form with a message instead of creating a job."""
    school = as_role("school")
    no_file = upload(school, cohort.id, None)
    assert no_file.status_code == 400 and "请选择要导入的学籍库文件" in no_file.get_data(as_text=True)
    no_cohort = upload(school, "", None)
    assert no_cohort.status_code == 400 and "请选择文件所属的届别" in no_cohort.get_data(as_text=True)


def test_oversized_upload_gets_a_friendly_413(app: Any, as_role: Any, cohort: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file above MAX_CONTENT_LENGTH answers 413 with a page saying the limit and what to do."""
    school = as_role("school")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4 * 1024 * 1024)
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"x" * (5 * 1024 * 1024))
    response = upload(school, cohort.id, big)
    text = response.get_data(as_text=True)
    assert response.status_code == 413 and "文件过大" in text and "4 MB" in text
    with app.app_context():
        assert db.session.execute(select(ImportJob).where(ImportJob.cohort_id == cohort.id)).first() is None


def test_registry_list_masks_ids_and_offers_no_id_search(as_role: Any) -> None:
    """A college sees masked IDs of its own subtree only; neither search nor sort is offered on the ID."""
    html = as_role("college_a").get("/registry/list/").get_data(as_text=True)
    assert re.search(r"\d{6}\*{8}[\dX]{4}", html) and not re.search(r"\b\d{17}[\dX]\b", html)
    assert 'name="id_number" class="filter' not in html and "_oc_RegistryRecordModelView=id_number" not in html
    assert "经济管理学院" not in html


@pytest.mark.skipif(not PG, reason="in-memory SQLite shares one connection between threads")
def test_background_thread_publishes_progress(app: Any, as_role: Any, cohort: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside TESTING's inline mode the import runs in a thread; the status JSON reaches done."""
    monkeypatch.setitem(app.config, "GEMS_IMPORT_SYNC", False)
    school = as_role("school")
    job_id = job_id_of(upload(school, cohort.id, make_book(tmp_path / "a.xlsx", [row() for _ in range(30)])))
    for thread in threading.enumerate():
        if thread.name == f"import-{job_id}":
            thread.join(timeout=60)
    deadline = time.monotonic() + 30
    while not (status := school.get(f"/registry-import/job/{job_id}/status").get_json())["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert (status["state"], status["added"], status["processed"]) == ("done", 30, 30)


def test_other_job_kinds_stay_out_of_the_import_pages(app: Any, as_role: Any) -> None:
    """An export job shares the table but is never served by the registry import's job, status or report pages."""
    with app.app_context():
        school_id = db.session.execute(select(User.id).where(User.username == "school")).scalar_one()
        job = ImportJob(kind="export", filename="export.xlsx", state="done", phase="finished",
                        report_path="exports/x.xlsx", created_by_id=school_id)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    try:
        school = as_role("school")
        for suffix in ("", "/status", "/report"):
            assert school.get(f"/registry-import/job/{job_id}{suffix}").status_code == 404, suffix
        listing = school.get("/import-jobs/list/").get_data(as_text=True)
        assert "导出" in listing and f'/registry-import/job/{job_id}"' not in listing
    finally:
        with app.app_context():
            db.session.delete(db.session.get(ImportJob, job_id))
            db.session.commit()
