"""Build small workbooks and hand-crafted zips for the Excel tests, without shared fixtures."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from app.excel import ColumnSpec

COLUMNS = [
    ColumnSpec("student_no", "学号", aliases=("学生编号",), required=True, kind="id_text"),
    ColumnSpec("name", "姓名", required=True),
    ColumnSpec("id_number", "身份证号", aliases=("证件号码",), required=True, kind="id_text"),
    ColumnSpec("enrol_date", "入学日期", kind="date"),
    ColumnSpec("years", "学制", kind="int"),
    ColumnSpec("gender", "性别", kind="choice", choices=("男", "女")),
]
HEADERS = [c.header for c in COLUMNS]
ID = "11010519900307789X"


def make_xlsx(
    path: Path,
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    first_extra: bool = False,
) -> Path:
    """Write ``rows`` (first row = header) to one sheet; extra sheets before or after it."""
    wb = Workbook()
    wb.remove(wb.active)
    sheets = [(title, list(rows)), *extra_sheets]
    if first_extra:
        sheets = [*extra_sheets, (title, sheets[0][1])]
    for sheet_title, sheet_rows in sheets:
        ws = wb.create_sheet(sheet_title)
        for row in sheet_rows:
            ws.append(list(row))
    wb.save(path)
    return path


def rewrite_zip(
    src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> Path:
    """Copy a zip, letting ``edit(name, data)`` replace (bytes) or drop (None) each entry."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()
