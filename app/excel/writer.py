"""Stream exports and error reports to .xlsx in flat memory (xlsxwriter, constant memory), with formula escaping;
build import templates (small, with validations) with openpyxl."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Union, overload

import xlsxwriter
from openpyxl import Workbook
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
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # openpyxl's defaults, kept
TIME_FORMAT = "h:mm:ss"
DURATION_FORMAT = "[hh]:mm:ss"
LONG_INT = 10**15  # Excel keeps 15 significant digits: longer integers are written as text
MAX_DATA_ROWS = 1_048_575  # Excel's 1 048 576 rows less the header
WIDTH_SAMPLE_ROWS = 100
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0
TEMPLATE_PREFORMAT_ROWS = 1000
ERROR_COLUMN = "错误说明"

_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEADER_STYLE = {"bold": True, "pattern": 1, "bg_color": "#F2F2F2"}


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
        return str(value) if as_text or abs(value) >= LONG_INT else value
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


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules (no []:*?/\\, no leading/trailing apostrophe, <= 31 UTF-16 units, unique ignoring case)."""
    base = _SHEET_TITLE_BAD.sub("_", title).strip("'") or "Sheet1"
    name, n = _utf16_cut(base, 31), 1
    while name.lower() in taken:
        n += 1
        suffix = f"_{n}"
        name = _utf16_cut(base, 31 - len(suffix)) + suffix
    taken.add(name.lower())
    return name


def _lf(text: str) -> str:
    """CR as LF, as any XML reader sees it (xlsxwriter would write a CR as _x000D_, which openpyxl keeps as is)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_cut(text: str, units: int) -> str:
    while len(text.encode("utf-16-le")) > units * 2:
        text = text[:-1]
    return text


class _Book:
    """One xlsxwriter workbook in constant-memory mode (each row goes to disk as the next begins) and its formats."""

    def __init__(self, target: Target) -> None:
        self.wb = xlsxwriter.Workbook(os.fspath(target) if isinstance(target, (str, os.PathLike)) else target, {
            "constant_memory": True,
            # values are data, never formulas, links or numbers parsed from text (formula escaping is ours)
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "nan_inf_to_errors": True, "default_date_format": DATE_FORMAT})
        add = self.wb.add_format
        self.header = add(_HEADER_STYLE)
        self.required = add({**_HEADER_STYLE, "font_color": "#C00000"})
        self.text = add({"num_format": TEXT_FORMAT})
        self.stamps = {dt.datetime: add({"num_format": DATETIME_FORMAT}), dt.date: add({"num_format": DATE_FORMAT}),
                       dt.time: add({"num_format": TIME_FORMAT}), dt.timedelta: add({"num_format": DURATION_FORMAT})}
        self.titles: set[str] = set()

    def sheet(self, sheet: SheetData, widths: Sequence[float], text_idx: frozenset[int]) -> Any:
        """A new worksheet (a taken title gets _2, _3…) with widths, text columns, the styled header, frozen."""
        ws = self.wb.add_worksheet(_sheet_title(sheet.title, self.titles))
        for i, width in enumerate(widths):
            # a column format also styles the cells written into it (xlsxwriter applies it per cell)
            ws.set_column(i, i, width, self.text if i in text_idx else None)
        ws.freeze_panes(1, 0)
        for i, header in enumerate(sheet.headers):
            ws.write_string(0, i, _lf(clean_text(str(header))), self.required if header in sheet.required_headers
                            else self.header)
        return ws

    def discard(self) -> None:
        """After a failure (a cancelled job, a broken query): remove the sheets' temporary row files."""
        for ws in self.wb.worksheets():
            name = getattr(ws, "row_data_filename", None)
            if name:
                with contextlib.suppress(OSError):
                    ws.row_data_fh.close()
                with contextlib.suppress(OSError):
                    os.unlink(name)


def _row_writer(ws: Any, book: _Book, text_idx: frozenset[int]) -> Callable[[int, Sequence[Any]], None]:
    """Write one row with xlsxwriter's undecorated per-type methods: the type is tested once, here, per cell."""
    write_string, write_number = ws._write_string, ws._write_number
    write_boolean, write_datetime = ws._write_boolean, ws._write_datetime
    stamps, illegal, prefixes = book.stamps, ILLEGAL_CHARACTERS_RE.sub, FORMULA_PREFIXES

    def write(r: int, row: Sequence[Any]) -> None:
        for c, value in enumerate(row):
            cls = value.__class__
            if cls is str:
                if value:
                    value = illegal("", value)
                    if value.startswith(prefixes):
                        value = "'" + value
                    write_string(r, c, _lf(value) if "\r" in value else value)
            elif value is None:
                continue
            elif cls is int:
                if c in text_idx or not -LONG_INT < value < LONG_INT:
                    write_string(r, c, str(value))
                else:
                    write_number(r, c, value)
            elif cls is float or cls is Decimal:
                write_number(r, c, value)
            else:  # the rest as _cell_value says: dates, booleans, aware datetimes, other objects as text
                value = _cell_value(value, c in text_idx)
                if value is None:
                    continue
                cls = value.__class__
                if isinstance(value, str):
                    if value:
                        write_string(r, c, _lf(value))
                elif cls is bool:
                    write_boolean(r, c, value)
                elif cls in stamps:
                    write_datetime(r, c, value, stamps[cls])
                elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
                    write_datetime(r, c, value, stamps[dt.datetime if isinstance(value, dt.datetime) else dt.date])
                else:
                    write_number(r, c, value)

    return write


def _write_sheet(
    book: _Book,
    sheet: SheetData,
    written: int,
    progress: Callable[[int], None] | None,
    progress_every: int,
) -> int:
    text_idx = _text_indexes(sheet)
    rows: Iterator[Sequence[Any]] = iter(sheet.rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE_ROWS))
    widths = _widths(sheet, sample)
    ws = book.sheet(sheet, widths, text_idx)
    write = _row_writer(ws, book, text_idx)
    r = 0
    for row in itertools.chain(sample, rows):
        if r == MAX_DATA_ROWS:  # Excel's last row: go on in a continuation sheet rather than lose rows
            ws = book.sheet(sheet, widths, text_idx)
            write = _row_writer(ws, book, text_idx)
            r = 0
        r += 1
        write(r, row)
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

    Pass ``sheets``, or ``headers`` and ``rows`` for a single sheet. Rows are consumed lazily and each
    goes to a temporary file as the next begins, so memory stays flat whatever their number. The
    caller passes only the rows and columns the user may see, already masked.
    """
    if sheets is None:
        if headers is None or rows is None:
            raise TypeError("pass sheets, or headers and rows")
        sheets = SheetData(title, headers, rows, text_columns)
    sheet_list = [sheets] if isinstance(sheets, SheetData) else list(sheets)
    book = _Book(target)
    try:
        written = 0
        for sheet in sheet_list:
            written = _write_sheet(book, sheet, written, progress, progress_every)
        book.wb.close()  # no sheet at all: xlsxwriter adds an empty one
    except BaseException:
        book.discard()
        raise
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
