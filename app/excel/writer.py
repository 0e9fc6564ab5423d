"""Stream exports, error reports and import templates to .xlsx in flat memory, with formula escaping."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Union, overload

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import ColumnSpec
from .i18n import _
from .reader import RowResult
from .text import display_width

Target = Union[str, "os.PathLike[str]", IO[bytes]]

# OWASP "CSV injection": a cell starting with one of these may be run as a formula (or DDE
# command) by Excel, WPS or LibreOffice — when the user edits the cell, or when the sheet is
# saved as CSV and opened again. Prefixing a literal apostrophe makes it inert text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Columns whose header contains one of these are written as text ('@'), never as numbers.
ID_HEADER_HINTS = (
    "身份证",
    "证件号",
    "学号",
    "考生号",
    "准考证",
    "手机",
    "电话",
    "联系方式",
    "邮编",
    "邮政编码",
    "代码",
    "编号",
    "账号",
    "工号",
)
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
WIDTH_SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0
TEMPLATE_PREFORMAT_ROWS = 1000
ERROR_COLUMN = "错误说明"

_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")


def escape_formula(value: str) -> str:
    """Prefix ``'`` to text that a spreadsheet would treat as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def clean_text(value: str) -> str:
    """Drop control characters XML cannot hold, then escape formulas."""
    return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", value))


@dataclass
class SheetData:
    """One sheet of an export: Chinese headers and a (lazy) iterator of rows."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    text_columns: Collection[int | str] | None = None  # indexes or headers; None: guess from ID_HEADER_HINTS
    widths: Sequence[float] | None = None
    required_headers: Collection[str] = ()


def _text_indexes(sheet: SheetData) -> frozenset[int]:
    if sheet.text_columns is None:
        return frozenset(i for i, h in enumerate(sheet.headers) if any(hint in h for hint in ID_HEADER_HINTS))
    return frozenset(c if isinstance(c, int) else list(sheet.headers).index(c) for c in sheet.text_columns)


def _cell_value(value: Any, as_text: bool) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        # Excel keeps 15 significant digits; longer integers would be silently corrupted.
        return str(value) if as_text or abs(value) >= 10**15 else value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.isoformat(" ")  # Excel has no time zones; show the offset rather than shift silently
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat() if as_text else value
    if isinstance(value, (float, Decimal, dt.timedelta)):
        return value
    return clean_text(str(value))


def _widths(sheet: SheetData, sample: list[Sequence[Any]]) -> list[float]:
    if sheet.widths is not None:
        return list(sheet.widths)
    widths = [display_width(str(h)) + 2 for h in sheet.headers]
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            if value is None:
                continue
            text = value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)
            widths[i] = max(widths[i], display_width(text) + 2)
    return [min(max(float(w), MIN_WIDTH), MAX_WIDTH) for w in widths]


def _write_sheet(
    wb: Workbook,
    sheet: SheetData,
    written: int,
    progress: Callable[[int], None] | None,
    progress_every: int,
) -> int:
    ws = wb.create_sheet(title=_SHEET_TITLE_BAD.sub("_", sheet.title)[:31] or "Sheet1")
    text_idx = _text_indexes(sheet)
    rows: Iterator[Sequence[Any]] = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    for i, width in enumerate(_widths(sheet, sample), 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = width
        if i - 1 in text_idx:
            dim.number_format = TEXT_FORMAT
    ws.freeze_panes = "A2"
    header_row = []
    for header in sheet.headers:
        cell = WriteOnlyCell(ws, value=clean_text(str(header)))
        cell.font = _REQUIRED_FONT if header in sheet.required_headers else _HEADER_FONT
        cell.fill = _HEADER_FILL
        header_row.append(cell)
    ws.append(header_row)
    # One styled cell per text column, reused: write-only rows are serialised on append.
    text_cells = {i: WriteOnlyCell(ws) for i in text_idx}
    for cell in text_cells.values():
        cell.number_format = TEXT_FORMAT
    for row in itertools.chain(sample, rows):
        out: list[Any] = []
        for i, value in enumerate(row):
            value = _cell_value(value, i in text_idx)
            if i in text_cells and value is not None:
                cell = text_cells[i]
                cell.value = value
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
        written += 1
        if progress is not None and written % progress_every == 0:
            progress(written)
    return written


def write_workbook(
    target: Target,
    sheets: SheetData | Sequence[SheetData] | None = None,
    *,
    headers: Sequence[str] | None = None,
    rows: Iterable[Sequence[Any]] | None = None,
    title: str = "Sheet1",
    text_columns: Collection[int | str] | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> int:
    """Stream one or more sheets to ``target`` (path or binary file); return the data rows written.

    Pass ``sheets``, or ``headers`` and ``rows`` for a single sheet. Rows are consumed lazily,
    so memory stays flat whatever their number. The caller passes only the rows and columns
    the user may see, already masked.
    """
    if sheets is None:
        if headers is None or rows is None:
            raise TypeError("pass sheets, or headers and rows")
        sheets = SheetData(title, headers, rows, text_columns)
    sheet_list = [sheets] if isinstance(sheets, SheetData) else list(sheets)
    wb = Workbook(write_only=True)
    written = 0
    for sheet in sheet_list:
        written = _write_sheet(wb, sheet, written, progress, progress_every)
    wb.save(target)
    if progress is not None:
        progress(written)
    return written


def _to_bytes_or_target(build: Callable[[Target], Any], target: Target | None) -> bytes | None:
    if target is not None:
        build(target)
        return None
    buffer = io.BytesIO()
    build(buffer)
    return buffer.getvalue()


def _error_text(row: RowResult) -> str:
    parts = [f"{e.column_header}：{e.message}" if e.column_header else e.message for e in row.errors]
    return _("第 %(row)s 行：", row=row.row_number) + "；".join(parts)


@overload
def error_report_workbook(
    rows_with_errors: Iterable[RowResult], headers: Sequence[ColumnSpec | str]
) -> bytes: ...
@overload
def error_report_workbook(
    rows_with_errors: Iterable[RowResult], headers: Sequence[ColumnSpec | str], *, target: Target
) -> None: ...
def error_report_workbook(
    rows_with_errors: Iterable[RowResult],
    headers: Sequence[ColumnSpec | str],
    *,
    target: Target | None = None,
) -> bytes | None:
    """Write rejected rows (as the user typed them) with a leading 错误说明 column.

    Columns are matched by header on re-import, so the user can fix this file and upload it.
    Returns the .xlsx bytes unless ``target`` is given.
    """
    specs = [h if isinstance(h, ColumnSpec) else ColumnSpec(key=h, header=h) for h in headers]
    text_columns = [i + 1 for i, s in enumerate(specs) if s.kind == "id_text"]

    def rows() -> Iterator[list[Any]]:
        for row in rows_with_errors:
            if not row.errors:
                continue
            values = [row.raw[s.key] if s.key in row.raw else row.values.get(s.key) for s in specs]
            yield [_error_text(row), *values]

    sheet = SheetData(
        title=_("错误数据"),
        headers=[_("错误说明"), *(s.header for s in specs)],
        rows=rows(),
        text_columns=text_columns,
        widths=[60.0, *(max(display_width(s.header) + 4, 12.0) for s in specs)],
    )
    return _to_bytes_or_target(lambda t: write_workbook(t, sheet), target)


def _kind_rule(spec: ColumnSpec) -> str:
    if spec.kind == "id_text":
        return _("文本格式：本列已设为文本，请直接输入或“粘贴为值”，不要改成数字格式")
    if spec.kind == "date":
        return _("日期，如 2004-09-01、2004/9/1、20040901 或 2004年9月1日")
    if spec.kind == "int":
        return _("整数")
    if spec.kind == "choice":
        return _("只能填写以下取值之一：%(choices)s", choices="、".join(spec.choices))
    return _("文本")


@overload
def template_workbook(
    columns: Sequence[ColumnSpec], example_row: Mapping[str, Any] | None = None, *, notes: Sequence[str] = ()
) -> bytes: ...
@overload
def template_workbook(
    columns: Sequence[ColumnSpec],
    example_row: Mapping[str, Any] | None = None,
    *,
    target: Target,
    notes: Sequence[str] = (),
) -> None: ...
def template_workbook(
    columns: Sequence[ColumnSpec],
    example_row: Mapping[str, Any] | None = None,
    *,
    target: Target | None = None,
    notes: Sequence[str] = (),
) -> bytes | None:
    """Build the import template: an empty data sheet with typed columns, and a 填写说明 sheet.

    The example row goes to 填写说明 rather than the data sheet, so a user who forgets to
    delete it does not import fake data.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _("导入数据")
    for i, spec in enumerate(columns, 1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=spec.header)
        cell.font = _REQUIRED_FONT if spec.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        ws.column_dimensions[letter].width = max(
            display_width(spec.header) + 4, 14 if spec.kind != "id_text" else 22
        )
        fmt = {"id_text": TEXT_FORMAT, "date": DATE_FORMAT}.get(spec.kind)
        if fmt:
            # The column style covers cells typed later; explicit cells cover WPS and pasted ranges.
            ws.column_dimensions[letter].number_format = fmt
            for row in range(2, TEMPLATE_PREFORMAT_ROWS + 2):
                ws.cell(row=row, column=i).number_format = fmt
        listed = ",".join(spec.choices)
        if (
            spec.kind == "choice"
            and len(listed) <= 250
            and not any(c in listed for c in '"\n')
            and all("," not in choice for choice in spec.choices)
        ):
            validation = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
            validation.error = _("请从下拉列表中选择")
            validation.showErrorMessage = True
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_PREFORMAT_ROWS + 1}")
    ws.freeze_panes = "A2"

    guide = wb.create_sheet(_("填写说明"))
    general = [
        _("1. 请在“导入数据”工作表中填写，第一行是列名，请勿修改；列的顺序可以调整，多余的列会被忽略。"),
        _("2. 红色列名为必填项。"),
        _(
            "3. 身份证号、学号、考生号、手机号等列已设为文本格式，"
            "请勿改为数字格式，否则号码会丢失位数或开头的 0。"
        ),
        _("4. 空行会被忽略；任何一行有错误时整个文件都不会导入，请按错误报告修改后重新上传。"),
        *notes,
    ]
    for line in general:
        guide.append([line])
    guide.append([])
    head = [_("列名"), _("是否必填"), _("格式要求"), _("说明"), _("示例")]
    guide.append(head)
    header_row = guide.max_row
    for col in range(1, len(head) + 1):
        guide.cell(row=header_row, column=col).font = _HEADER_FONT
        guide.cell(row=header_row, column=col).fill = _HEADER_FILL
    for spec in columns:
        example = (example_row or {}).get(spec.key)
        if isinstance(example, (dt.date, dt.datetime)):
            example = example.isoformat()
        guide.append(
            [
                spec.header,
                _("必填") if spec.required else _("选填"),
                _kind_rule(spec),
                spec.help,
                None if example is None else clean_text(str(example)),
            ]
        )
        guide.cell(row=guide.max_row, column=5).number_format = TEXT_FORMAT
    for letter, width in zip("ABCDE", (20, 10, 50, 40, 24), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _to_bytes_or_target(wb.save, target)
