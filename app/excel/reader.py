"""Stream an uploaded .xlsx, .xls, .ods or CSV into typed rows with per-cell errors, matching columns by header name."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser

from .columns import CELL_ERROR, FORMULA_WITHOUT_VALUE, ColumnSpec, convert_cell
from .formats import CSV, ODS, XLSX, calamine_rows, csv_rows, format_of, too_many_rows
from .i18n import _
from .safety import (
    DEFAULT_LIMITS,
    SafetyLimits,
    Source,
    WorkbookRejected,
    check_open_file,
    open_source,
    sniff_format,
)
from .text import normalize_header, normalize_text

DEFAULT_MAX_ROWS = 20_000
DEFAULT_TIMEOUT_S = 120.0
HEADER_SEARCH_ROWS = 10

RawCell = dict[str, Any]


@dataclass(frozen=True)
class CellError:
    """A problem with one cell (or one row, for duplicates), located as the user sees it."""

    row: int
    column_header: str
    message: str
    key: str | None = None
    suggestion: str | None = None  # the one clear fix, when the check knows it (a corrected workbook applies it)


@dataclass
class RowResult:
    """One non-empty data row.

    ``values`` holds a typed value (or None when blank or invalid) for every column present in
    the file; optional columns absent from the file are absent here, so a re-import can leave
    those fields alone. ``raw`` keeps the original value of each cell that failed, for the
    error report.
    """

    row_number: int
    values: dict[str, Any]
    errors: list[CellError] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    """Everything read from one file; import it only when ``ok``."""

    rows: list[RowResult]
    errors: list[CellError]
    file_errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def rejected_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]


class _Parser(WorkSheetParser):
    """openpyxl's streaming sheet parser, also flagging formulas that have no cached value.

    With ``data_only=True`` openpyxl turns such a cell into None, indistinguishable from a blank.
    Programs write ``<f>..</f>`` with no or an empty ``<v>``; a formula whose cached result is
    an empty string is written by Excel as ``t="str"``, which stays a blank.
    """

    def parse(self) -> Iterator[tuple[int, list[RawCell]]]:  # type: ignore[override]
        # Rows only, through the C-accelerated parser rather than defusedxml's pure-Python one
        # (about 3x slower). Safe here: check_open_file refused every part that carries a DTD,
        # so no entity can be declared, and expat >= 2.4 caps entity amplification anyway.
        for _event, element in ElementTree.iterparse(self.source):
            if element.tag == ROW_TAG:
                row = self.parse_row(element)
                element.clear()
                yield row

    def parse_cell(self, element: Any) -> RawCell:
        cell: RawCell = super().parse_cell(element)
        if cell["value"] is None and element.get("t") != "str" and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = FORMULA_WITHOUT_VALUE
        return cell


def _corrupt() -> WorkbookRejected:
    return WorkbookRejected(_("工作簿已损坏或格式不正确，无法读取。请在 Excel 中重新保存为 .xlsx 后上传。"))


def _wrap_parse_error(exc: Exception) -> WorkbookRejected:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover
        DefusedXmlException = ()  # type: ignore[assignment,misc]
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return WorkbookRejected(_("工作簿中包含不允许的 XML 声明（DTD/实体），可能是恶意文件，已拒绝。"))
    return _corrupt()


def _pick_sheet(wb: Any, sheet: str | None) -> Any:
    worksheets = list(wb.worksheets)
    if not worksheets:
        raise WorkbookRejected(_("工作簿中没有工作表。"))
    if sheet is None:
        visible = [ws for ws in worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        return (visible or worksheets)[0]
    for ws in worksheets:
        if ws.title == sheet:
            return ws
    wanted = normalize_header(sheet)
    for ws in worksheets:
        if normalize_header(ws.title) == wanted:
            return ws
    raise WorkbookRejected(
        _(
            "找不到工作表“%(name)s”，文件中的工作表有：%(names)s。",
            name=sheet,
            names="、".join(ws.title for ws in worksheets),
        )
    )


def _iter_raw_rows(wb: Any, ws: Any) -> Iterator[tuple[int, list[RawCell]]]:
    # Uses openpyxl internals (pinned 3.1.5): the read-only sheet's source and shared strings.
    src = ws._get_source()
    parser = _Parser(
        src,
        ws._shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )
    rows = parser.parse()
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except WorkbookRejected:
                raise
            except Exception as exc:
                raise _wrap_parse_error(exc) from exc
            yield row
    finally:
        src.close()


def _is_blank(cell: RawCell) -> bool:
    if cell["data_type"] in (CELL_ERROR, FORMULA_WITHOUT_VALUE):
        return False
    value = cell["value"]
    return value is None or (isinstance(value, str) and normalize_text(value) == "")


def _header_lookup(columns: Sequence[ColumnSpec]) -> dict[str, ColumnSpec]:
    lookup: dict[str, ColumnSpec] = {}
    keys: set[str] = set()
    for spec in columns:
        if spec.key in keys:
            raise ValueError(f"duplicate column key {spec.key!r}")
        keys.add(spec.key)
        for name in (spec.header, *spec.aliases):
            norm = normalize_header(name)
            if lookup.get(norm, spec) is not spec:
                raise ValueError(f"header {name!r} is used by two columns")
            lookup[norm] = spec
    return lookup


@dataclass
class _Header:
    row_number: int
    columns: dict[int, tuple[ColumnSpec, str]]  # column index -> (spec, header text in the file)
    duplicates: list[tuple[ColumnSpec, list[int]]]

    def missing(self, specs: Sequence[ColumnSpec]) -> list[ColumnSpec]:
        present = {spec.key for spec, _text in self.columns.values()}
        return [spec for spec in specs if spec.required and spec.key not in present]


def _match_header(row_number: int, cells: list[RawCell], lookup: dict[str, ColumnSpec]) -> _Header:
    columns: dict[int, tuple[ColumnSpec, str]] = {}
    seen: dict[str, list[int]] = {}
    for cell in cells:
        if cell["value"] is None or cell["data_type"] in (CELL_ERROR, FORMULA_WITHOUT_VALUE):
            continue
        spec = lookup.get(normalize_header(cell["value"]))
        if spec is None:
            continue
        seen.setdefault(spec.key, []).append(cell["column"])
        columns.setdefault(cell["column"], (spec, normalize_text(str(cell["value"]))))
    specs = {spec.key: spec for spec, _text in columns.values()}
    duplicates = [(specs[key], cols) for key, cols in seen.items() if len(cols) > 1]
    return _Header(row_number, columns, duplicates)


def _find_header(
    rows: Iterator[tuple[int, list[RawCell]]],
    columns: Sequence[ColumnSpec],
    search_rows: int,
) -> tuple[_Header, list[tuple[int, list[RawCell]]]]:
    """Pick the header among the first non-empty rows; return it and the buffered rows after it."""
    lookup = _header_lookup(columns)
    buffered: list[tuple[int, list[RawCell]]] = []
    candidates: list[tuple[int, _Header]] = []
    for row_number, cells in rows:
        if all(_is_blank(cell) for cell in cells):
            continue
        buffered.append((row_number, cells))
        header = _match_header(row_number, cells, lookup)
        candidates.append((len(buffered), header))
        if header.columns and not header.missing(columns):
            break
        if len(buffered) >= search_rows:
            break
    if not candidates:
        raise WorkbookRejected(_("工作表中没有内容。"))
    complete = [c for c in candidates if c[1].columns and not c[1].missing(columns)]
    best_pos, best = complete[0] if complete else max(candidates, key=lambda c: len(c[1].columns))
    if not best.columns:
        raise WorkbookRejected(
            _(
                "未找到表头行。请使用导入模板，第一行应为列名，例如：%(names)s。",
                names="、".join(spec.header for spec in columns if spec.required) or columns[0].header,
            )
        )
    missing = best.missing(columns)
    if missing:
        raise WorkbookRejected(
            _("缺少必需的列：%(names)s。请按导入模板填写表头。", names="、".join(s.header for s in missing))
        )
    if best.duplicates:
        spec, cols = best.duplicates[0]
        raise WorkbookRejected(
            _(
                "列“%(name)s”出现了多次（第 %(columns)s 列），请只保留一列。",
                name=spec.header,
                columns="、".join(get_column_letter(col) for col in cols),
            )
        )
    return best, buffered[best_pos:]


def _convert_row(row_number: int, cells: list[RawCell], header: _Header) -> RowResult | None:
    by_col = {cell["column"]: cell for cell in cells}
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    errors: list[CellError] = []
    blank_required: list[tuple[ColumnSpec, str]] = []
    nonblank = False
    for col, (spec, header_text) in header.columns.items():
        cell = by_col.get(col)
        value, error = (None, None) if cell is None else convert_cell(spec, cell["value"], cell["data_type"])
        values[spec.key] = value
        if error is not None:
            nonblank = True
            raw[spec.key] = cell["value"] if cell is not None else None
            errors.append(CellError(row_number, header_text, error, spec.key))
        elif value is not None:
            nonblank = True
        elif spec.required:
            blank_required.append((spec, header_text))
    if not nonblank and all(_is_blank(c) for c in cells if c["column"] not in header.columns):
        return None
    for spec, header_text in blank_required:
        errors.append(CellError(row_number, header_text, _("此项为必填项，不能为空。"), spec.key))
    return RowResult(row_number, values, errors, raw)


def _load_workbook(fh: IO[bytes]) -> Any:
    try:
        return openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
    except WorkbookRejected:
        raise
    except Exception as exc:
        raise _wrap_parse_error(exc) from exc


def read_rows(
    source: Source,
    *,
    columns: Sequence[ColumnSpec],
    sheet: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    limits: SafetyLimits | None = None,
    header_search_rows: int = HEADER_SEARCH_ROWS,
    file_format: str | None = None,
) -> Iterator[RowResult]:
    """Yield each non-empty data row of ``sheet`` (default: the first visible one).

    Reads .xlsx (openpyxl), .xls and .ods (python-calamine) and CSV in UTF-8 or GBK; the format comes from the
    content, CSV only when the name (or ``file_format``) says so. Raises :class:`WorkbookRejected` for
    file-level problems (unsafe file, missing columns, too many rows, timeout), possibly after some rows were
    yielded: persist nothing until the iteration has finished. The row cap is checked on the sheet's declared
    size before any row is parsed.
    """
    if not columns:
        raise ValueError("columns must not be empty")
    deadline = time.monotonic() + timeout_s
    limits = limits or DEFAULT_LIMITS
    declared = format_of(source, file_format)
    fh, owned = open_source(source)
    try:
        fmt = sniff_format(fh, declared)
        if fmt == XLSX:
            check_open_file(fh, limits)
            wb = _load_workbook(fh)
            try:
                ws = _pick_sheet(wb, sheet)
                if ws.max_row is not None and ws.max_row - (ws.min_row or 1) > max_rows:
                    raise too_many_rows(max_rows)  # from <dimension>, before any row is parsed
                yield from _typed_rows(_iter_raw_rows(wb, ws), columns, max_rows, deadline, timeout_s,
                                       header_search_rows)
            finally:
                wb.close()
        elif fmt == CSV:
            yield from _typed_rows(csv_rows(fh, max_rows, limits.max_total_uncompressed), columns, max_rows,
                                   deadline, timeout_s, header_search_rows)
        else:
            if fmt == ODS:
                check_open_file(fh, limits, allow_ods=True)
            yield from _typed_rows(calamine_rows(fh, fmt, sheet, max_rows), columns, max_rows, deadline,
                                   timeout_s, header_search_rows)
    finally:
        if owned:
            fh.close()


def _typed_rows(raw: Iterator[tuple[int, list[RawCell]]], columns: Sequence[ColumnSpec], max_rows: int,
                deadline: float, timeout_s: float, header_search_rows: int) -> Iterator[RowResult]:
    """Find the header, then convert every data row (the same for every format)."""
    raw_rows = _with_deadline(raw, deadline, timeout_s)
    header, pending = _find_header(raw_rows, columns, header_search_rows)
    count = 0
    for row_number, cells in _chain(pending, raw_rows):
        result = _convert_row(row_number, cells, header)
        if result is None:
            continue
        count += 1
        if count > max_rows:
            raise too_many_rows(max_rows)
        yield result
    if count == 0:
        raise WorkbookRejected(_("文件中没有需要导入的数据行。"))


def _with_deadline(rows: Iterator[Any], deadline: float, timeout_s: float) -> Iterator[Any]:
    for row in rows:
        if time.monotonic() > deadline:
            raise WorkbookRejected(
                _(
                    "文件处理超时（超过 %(seconds)s 秒），请减少行数或拆分文件后重试。",
                    seconds=f"{timeout_s:g}",
                )
            )
        yield row


def _chain(first: Iterable[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from first
    yield from rest


def detect_duplicates(
    rows: Iterable[RowResult],
    key_fields: Sequence[str],
    *,
    columns: Sequence[ColumnSpec] | None = None,
) -> list[CellError]:
    """One error per row whose ``key_fields`` values repeat another row's (blank keys are ignored)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        key = tuple(row.values.get(field_name) for field_name in key_fields)
        if any(part is None for part in key):
            continue
        norm = tuple(part.casefold() if isinstance(part, str) else part for part in key)
        groups.setdefault(norm, []).append(row.row_number)
    headers = {spec.key: spec.header for spec in columns or ()}
    label = "+".join(headers.get(name, name) for name in key_fields)
    errors = []
    for numbers in groups.values():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = "、".join(str(n) for n in numbers if n != number)
            message = _("与第 %(rows)s 行重复（%(columns)s）。", rows=others, columns=label)
            errors.append(CellError(number, label, message, "+".join(key_fields)))
    return sorted(errors, key=lambda e: e.row)


def read_report(
    source: Source,
    *,
    columns: Sequence[ColumnSpec],
    sheet: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    limits: SafetyLimits | None = None,
    unique_keys: Sequence[Sequence[str]] = (),
) -> ImportReport:
    """Read the whole file; on a file-level rejection return no rows, only ``file_errors``."""
    try:
        rows = list(
            read_rows(
                source, columns=columns, sheet=sheet, max_rows=max_rows, timeout_s=timeout_s, limits=limits
            )
        )
    except WorkbookRejected as exc:
        return ImportReport(rows=[], errors=[], file_errors=[exc.message])
    by_number = {row.row_number: row for row in rows}
    for key_fields in unique_keys:
        for error in detect_duplicates(rows, key_fields, columns=columns):
            by_number[error.row].errors.append(error)
    errors = [error for row in rows for error in row.errors]
    return ImportReport(rows=rows, errors=errors, file_errors=[])
