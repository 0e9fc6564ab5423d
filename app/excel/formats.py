"""Raw rows from .xls/.ods (python-calamine) and CSV (UTF-8 or GBK), in the reader's format-neutral cell shape."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import IO, Any

from .i18n import _
from .safety import Source, WorkbookRejected

RawCell = dict[str, Any]
XLSX, XLS, ODS, CSV = "xlsx", "xls", "ods", "csv"
SUFFIXES = {".xlsx": XLSX, ".xlsm": XLSX, ".xls": XLS, ".et": XLS, ".ods": ODS, ".csv": CSV, ".txt": CSV}
ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
_DELIMITERS = (",", "\t", ";")


def format_of(source: Source, file_format: str | None = None) -> str:
    """The declared format: given explicitly, else from the file name's extension; .xlsx when unknown."""
    if file_format:
        return file_format
    if isinstance(source, (str, os.PathLike)):
        return SUFFIXES.get(os.path.splitext(os.fspath(source))[1].lower(), XLSX)
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return SUFFIXES.get(os.path.splitext(name)[1].lower(), XLSX)
    return XLSX


def too_many_rows(limit: int) -> WorkbookRejected:
    """The row-cap refusal, worded once for every format."""
    return WorkbookRejected(_("数据行数超过上限：每个文件最多 %(limit)s 行，请拆分文件后分批导入。", limit=limit))


# ---------------------------------------------------------------- .xls / .ods


def _calamine_error(exc: Exception, fmt: str) -> WorkbookRejected:
    name = type(exc).__name__
    if name == "PasswordError" or "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return WorkbookRejected(_("工作簿已加密或设置了密码，请取消密码后重新上传。"))
    if fmt == XLS:
        return WorkbookRejected(_("文件不是有效的 .xls 工作簿，或已损坏、设置了打开密码。"
                                  "请取消密码，或在 Excel / WPS 中“另存为”Excel 工作簿（*.xlsx）后重新上传。"))
    return WorkbookRejected(_("文件不是有效的 .ods 表格，或已损坏。请在 WPS 或 Excel 中“另存为”Excel 工作簿（*.xlsx）后重新上传。"))


def calamine_sheets(fh: IO[bytes], fmt: str) -> list[tuple[str, bool]]:
    """(name, visible) of every worksheet."""
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # noqa: BLE001 - calamine raises several types for a bad file
        raise _calamine_error(exc, fmt) from exc
    finally:
        fh.seek(0)
    return [(m.name, str(m.visible).endswith("Visible")) for m in wb.sheets_metadata
            if str(m.typ).endswith("WorkSheet")]


def calamine_rows(fh: IO[bytes], fmt: str, sheet: str | None, max_rows: int) -> Iterator[tuple[int, list[RawCell]]]:
    """Rows of the chosen sheet; the row cap is checked on the sheet's size before any row becomes Python."""
    import python_calamine

    from .text import normalize_header

    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(fh)
        sheets = [(m.name, str(m.visible).endswith("Visible")) for m in wb.sheets_metadata
                  if str(m.typ).endswith("WorkSheet")]
        if not sheets:
            raise WorkbookRejected(_("工作簿中没有工作表。"))
        if sheet is None:
            name = next((n for n, visible in sheets if visible), sheets[0][0])
        else:
            name = next((n for n, _v in sheets if n == sheet), None) or next(
                (n for n, _v in sheets if normalize_header(n) == normalize_header(sheet)), None)
            if name is None:
                raise WorkbookRejected(_("找不到工作表“%(name)s”，文件中的工作表有：%(names)s。", name=sheet,
                                         names="、".join(n for n, _v in sheets)))
        ws = wb.get_sheet_by_name(name)
    except WorkbookRejected:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _calamine_error(exc, fmt) from exc
    if ws.height - 1 > max_rows:  # every row of the used range but the header
        raise too_many_rows(max_rows)
    first_row, first_col = ws.start if ws.start else (0, 0)
    for offset, values in enumerate(ws.iter_rows()):
        cells = [_cell(first_col + i + 1, v) for i, v in enumerate(values) if v != "" and v is not None]
        yield first_row + offset + 1, cells


def _cell(column: int, value: Any) -> RawCell:
    if isinstance(value, bool):
        kind = "b"
    elif isinstance(value, (int, float)):
        kind = "n"
    elif isinstance(value, str):
        kind = "s"
    else:
        kind = "d"
    return {"column": column, "value": value, "data_type": kind}


# ---------------------------------------------------------------- CSV


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030 (Excel on Chinese Windows); anything else is refused."""
    if b"\0" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise WorkbookRejected(_("文件不是 CSV 文本文件，也不是 .xlsx、.xls 或 .ods 工作簿，无法读取。"))
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WorkbookRejected(_("无法识别 CSV 文件的字符编码，请在 Excel 中“另存为”CSV UTF-8 或 Excel 工作簿（*.xlsx）。"))


def csv_rows(fh: IO[bytes], max_rows: int, max_bytes: int) -> Iterator[tuple[int, list[RawCell]]]:
    """Every CSV row as text cells; the row cap is checked on the line count before any cell is parsed."""
    data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise WorkbookRejected(_("CSV 文件过大（超过 %(limit)s MB），请拆分文件后分批导入。",
                                 limit=max_bytes // (1024 * 1024)))
    text = decode_csv(data)
    del data
    lines = sum(1 for line in text.splitlines() if line.strip(" \t,;"))
    if lines - 1 > max_rows:
        raise too_many_rows(max_rows)
    first = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, [{"column": i, "value": v, "data_type": "s"} for i, v in enumerate(values, 1) if v != ""]
    except csv.Error as exc:
        raise WorkbookRejected(_("CSV 文件格式有误（第 %(row)s 行附近），无法读取。", row=reader.line_num)) from exc
