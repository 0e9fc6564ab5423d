"""Registry import of hostile or broken files (each refused with a clear message) and the CLI's exit codes."""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.registry import ImportJob, RegistryRecord
from app.services.registry_import import import_registry
from tests.services.test_registry_import import (
    create_cohort,
    drop_cohort,
    make_book,
    row,
)

BOMB_SIZE = 5 * 1024 * 1024


@pytest.fixture()
def cohort(ctx: Any) -> Iterator[Any]:
    """A fresh cohort for one test, removed with everything imported into it."""
    created = create_cohort()
    yield created
    drop_cohort(created.id)


def rewrite(src: Path, dst: Path, edit: Any = None, extra: dict[str, bytes] | None = None) -> Path:
    """Copy a workbook zip, optionally replacing entries (edit(name, data) -> data) and adding some."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(info.filename, data) if edit else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def refused(path: Path, cohort: Any) -> str:
    """Import and return the single file-level message; nothing may have been written."""
    outcome = import_registry(path, cohort)
    assert not outcome.ok and len(outcome.file_errors) == 1, (outcome.file_errors, outcome.errors)
    assert db.session.execute(select(func.count()).select_from(RegistryRecord)
                              .where(RegistryRecord.cohort_id == cohort.id)).scalar_one() == 0
    return outcome.file_errors[0]


def test_bomb_like_compression_ratio(tmp_path: Path, cohort: Any) -> None:
    """A part that inflates 1000x (declared size) is refused before parsing as a likely zip bomb."""
    good = make_book(tmp_path / "a.xlsx", [row()])
    bomb = rewrite(good, tmp_path / "bomb.xlsx", extra={"xl/media/padding.bin": b"\0" * BOMB_SIZE})
    assert "压缩炸弹" in refused(bomb, cohort)


def test_too_many_entries(tmp_path: Path, cohort: Any) -> None:
    """A zip with more than 10 000 entries is refused from its directory count alone."""
    good = make_book(tmp_path / "a.xlsx", [row()])
    many = rewrite(good, tmp_path / "many.xlsx", extra={f"xl/x/{i}.xml": b"" for i in range(10_001)})
    assert "文件数量过多" in refused(many, cohort)


def test_dtd_and_entities_are_refused(tmp_path: Path, cohort: Any) -> None:
    """An XML part declaring a DTD (the door to entity expansion) is refused."""
    good = make_book(tmp_path / "a.xlsx", [row()])
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'

    def edit(name: str, data: bytes) -> bytes:
        """Put a DTD with entities in front of the first sheet."""
        if name == "xl/worksheets/sheet1.xml":
            return doctype + data[data.index(b"<worksheet"):]
        return data

    assert "DTD" in refused(rewrite(good, tmp_path / "dtd.xlsx", edit), cohort)


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xe5\xad\xa6\xe5\x8f\xb7,\xe5\xa7\x93\xe5\x90\x8d\n2022101,\xe5\xbc\xa0\xe4\xb8\x89\n", "不是有效的 .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
    (b"", "文件为空"),
])
def test_not_an_xlsx(tmp_path: Path, cohort: Any, content: bytes, expected: str) -> None:
    """A CSV or an old .xls renamed to .xlsx, or an empty file, is refused with what to do instead."""
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    assert expected in refused(path, cohort)


def test_header_only_and_no_header(tmp_path: Path, cohort: Any) -> None:
    """A template with no data rows, or a sheet without the header row, says so."""
    assert "没有需要导入的数据行" in refused(make_book(tmp_path / "a.xlsx", []), cohort)
    assert "表头" in refused(make_book(tmp_path / "b.xlsx", [{"x": 1}], headers=["x", "y"]), cohort)


def test_row_cap_and_timeout(tmp_path: Path, cohort: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """More rows than GEMS_REGISTRY_MAX_ROWS, or more time than GEMS_IMPORT_TIMEOUT_S, rejects the file."""
    path = make_book(tmp_path / "a.xlsx", [row() for _ in range(4)])
    monkeypatch.setitem(app.config, "GEMS_REGISTRY_MAX_ROWS", 3)
    assert "行数超过上限" in refused(path, cohort)
    monkeypatch.setitem(app.config, "GEMS_REGISTRY_MAX_ROWS", 100)
    monkeypatch.setitem(app.config, "GEMS_IMPORT_TIMEOUT_S", 0)
    assert "超时" in refused(path, cohort)


def _cli(app: Any, *args: str) -> Any:
    """Run `flask gems import-registry` with these arguments."""
    return app.test_cli_runner().invoke(args=["gems", "import-registry", *args])


def test_cli_exit_codes_and_report(tmp_path: Path, cohort: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI exits 0 on success, 1 on rejection (report next to the file or at --report), 2 without cohort."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    good = make_book(tmp_path / "good.xlsx", [row(), row()])
    result = _cli(app, str(good), "--cohort", str(cohort.year))
    assert result.exit_code == 0, result.stderr
    assert "新增 2" in result.stdout
    bad = make_book(tmp_path / "bad.xlsx", [row(性别="女")])
    result = _cli(app, str(bad), "--cohort", str(cohort.year))
    assert result.exit_code == 1 and (tmp_path / "bad.errors.xlsx").is_file()
    assert "性别" in result.stderr
    elsewhere = tmp_path / "out" / "report.xlsx"
    elsewhere.parent.mkdir()
    assert _cli(app, str(bad), "--cohort", str(cohort.year), "--report", str(elsewhere)).exit_code == 1
    assert elsewhere.is_file()
    assert _cli(app, str(good), "--cohort", "1800").exit_code == 2
    jobs = db.session.execute(select(ImportJob.state).where(ImportJob.cohort_id == cohort.id)
                              .order_by(ImportJob.id)).scalars().all()
    assert jobs == ["done", "rejected", "rejected"]
    assert not list((tmp_path / "instance").rglob("upload.xlsx"))  # uploads are not kept after the import
