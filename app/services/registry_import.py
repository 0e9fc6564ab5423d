"""REG-1/XLS-2: read, check and apply a cohort's registry file all-or-nothing; shared by the UI job and the CLI."""
from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as safe_xml
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.excel import (
    CellError,
    RowResult,
    WorkbookRejected,
    check_workbook,
    detect_duplicates,
    error_report_workbook,
    read_rows,
)
from app.excel.corrected import corrected_workbook
from app.excel.formats import CSV, XLSX, calamine_sheets, format_of, too_many_rows
from app.excel.safety import sniff_format
from app.excel.text import normalize_header
from app.extensions import db
from app.models.org import Cohort
from app.services import audit
from app.services.registry_columns import COLUMNS, DEPARTMENT_KEYS
from app.services.registry_rules import IDX, Lookups, RowValidator, present_fields
from app.services.registry_write import Plan, apply_plan, plan_changes

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1000
LISTED_ERRORS = 200
PREFERRED_SHEETS = ("学籍", "生源")
DEFAULT_MAX_ROWS = 200_000
DEFAULT_TIMEOUT_S = 900.0
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


@dataclass
class ImportOutcome:
    """What one import did, or why it wrote nothing; messages already translated."""

    ok: bool = False
    rows: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    rejected_rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    graduates_added: int = 0
    graduates_updated: int = 0
    report_written: bool = False
    corrected_written: bool = False
    fixable: int = 0  # cells the corrected workbook fixes

    @property
    def error_count(self) -> int:
        """Every file-level and row-level problem."""
        return len(self.file_errors) + len(self.errors)

    def listed_errors(self, limit: int = LISTED_ERRORS) -> list[dict[str, Any]]:
        """The first errors as plain dicts (row, column, message) for a page or JSON."""
        listed = [{"row": None, "column": "", "message": m} for m in self.file_errors]
        listed += [{"row": e.row, "column": e.column_header, "message": e.message} for e in self.errors]
        return listed[:limit]

    def summary(self) -> str:
        """One translated sentence for the page, the job list and the CLI."""
        if self.ok:
            return _("Imported %(rows)d rows: %(added)d added, %(updated)d updated, %(unchanged)d unchanged.",
                     rows=self.rows, added=self.added, updated=self.updated, unchanged=self.unchanged)
        if self.file_errors:
            return _("The file was rejected and nothing was imported: %(reason)s", reason=self.file_errors[0])
        return _("Nothing was imported: %(count)d problems in %(rows)d of %(total)d rows. Correct them and "
                 "import the whole file again.", count=len(self.errors), rows=self.rejected_rows, total=self.rows)


def _noop(phase: str, processed: int, total: int) -> None:
    """Progress sink when nobody watches."""


def _limits() -> tuple[int, float]:
    """Row cap and timeout from the configuration."""
    config = current_app.config
    return (int(config.get("GEMS_REGISTRY_MAX_ROWS", DEFAULT_MAX_ROWS)),
            float(config.get("GEMS_IMPORT_TIMEOUT_S", DEFAULT_TIMEOUT_S)))


def _part(target: str) -> str:
    """A workbook relationship target as a zip entry name."""
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _row_estimate(zf: zipfile.ZipFile, part: str) -> int:
    """Data rows according to the sheet's <dimension> (Excel and WPS always write it), else 0."""
    with zf.open(part) as fh:
        match = _DIMENSION.search(fh.read(64 * 1024))
    return max(int(match.group(1)) - 1, 0) if match and match.group(1) else 0


def choose_sheet(path: str | os.PathLike[str]) -> tuple[str | None, int]:
    """A visible sheet named like 学籍/生源 if there is one (else the first visible), and its row-count estimate.

    Reads only the workbook's directory parts: opening the file with openpyxl here would parse a sheet that
    lacks <dimension> completely, once more than the import itself does.
    """
    with open(path, "rb") as fh:
        real = sniff_format(fh, format_of(path))
        if real == CSV:
            return None, 0
        if real != XLSX:
            names = [name for name, visible in calamine_sheets(fh, real) if visible]
            return next((n for n in names if any(w in normalize_header(n) for w in PREFERRED_SHEETS)), None), 0
    check_workbook(path)
    try:
        with zipfile.ZipFile(path) as zf:
            book = safe_xml.fromstring(zf.read("xl/workbook.xml"))
            rels = safe_xml.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_NS}Relationship")}
            sheets = [(sheet.get("name", ""), sheet.get("state", "visible"), targets.get(sheet.get(f"{_REL_NS}id")))
                      for sheet in book.iter(f"{_MAIN_NS}sheet")]
            visible = [sheet for sheet in sheets if sheet[1] == "visible"] or sheets
            chosen = next((sheet for sheet in visible
                           if any(word in normalize_header(sheet[0]) for word in PREFERRED_SHEETS)), None)
            target = (chosen or visible[0])[2] if visible else None
            estimate = _row_estimate(zf, _part(target)) if target else 0
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError, DefusedXmlException):
        return None, 0  # read_rows opens the file again and words the precise reason
    return (chosen[0] if chosen else None), estimate


@dataclass
class _Scan:
    """The first pass over the file: record tuples of valid rows, errors per row, keys for duplicates."""

    records: list[tuple[Any, ...]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: dict[int, list[CellError]] = field(default_factory=dict)
    keys: list[tuple[int, Any, Any]] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    rows: int = 0


def _scan(path: str | os.PathLike[str], sheet: str | None, validator: RowValidator, progress: Progress,
          estimate: int) -> _Scan:
    """Read and check every row, keeping only compact record tuples and the errors."""
    max_rows, timeout_s = _limits()
    scan = _Scan()
    for row in read_rows(path, columns=COLUMNS, sheet=sheet, max_rows=max_rows, timeout_s=timeout_s):
        if not scan.rows:
            scan.columns = set(row.values)
            if not scan.columns & set(DEPARTMENT_KEYS):
                raise WorkbookRejected(_("Missing column: 院系代码 or 院系名称 (at least one of the two). Use the "
                                         "column names of the import template."))
        scan.rows += 1
        record, errors = validator.validate(row)
        if record is None:
            scan.errors[row.row_number] = errors
            id_number, student_no = row.values.get("id_number"), row.values.get("student_no")
        else:
            scan.records.append(record)
            scan.row_numbers.append(row.row_number)
            id_number, student_no = record[IDX["id_number"]], record[IDX["student_no"]]
        scan.keys.append((row.row_number, id_number.upper() if id_number else None, student_no))
        if scan.rows % PROGRESS_EVERY == 0:
            progress("reading", scan.rows, max(estimate, scan.rows))
    progress("reading", scan.rows, scan.rows)
    return scan


def _duplicates(scan: _Scan) -> None:
    """Same 身份证号 or same 学号 on several rows: an error on every row involved."""
    light = [RowResult(number, {"id_number": id_number, "student_no": student_no})
             for number, id_number, student_no in scan.keys]
    for key in ("id_number", "student_no"):
        for error in detect_duplicates(light, [key], columns=COLUMNS):
            scan.errors.setdefault(error.row, []).append(error)


def _rows_for_report(path: str | os.PathLike[str], sheet: str | None,
                     errors: dict[int, list[CellError]]) -> Iterator[RowResult]:
    """Re-read the file for the rejected rows only, as the user typed them, with all their errors."""
    max_rows, timeout_s = _limits()
    for row in read_rows(path, columns=COLUMNS, sheet=sheet, max_rows=max_rows, timeout_s=timeout_s):
        row_errors = errors.get(row.row_number)
        if row_errors:
            row.errors = row_errors
            yield row


def _write_report(path: str | os.PathLike[str], sheet: str | None, errors: dict[int, list[CellError]],
                  report_path: str | os.PathLike[str] | None) -> bool:
    """The rejected rows as an Excel file with an error column; False when no report was asked for."""
    if report_path is None:
        return False
    try:
        error_report_workbook(_rows_for_report(path, sheet, errors), COLUMNS, target=report_path)
    except WorkbookRejected:
        return False
    return True


def _fixes(errors: dict[int, list[CellError]]) -> dict[tuple[int, str], str] | None:
    """(row, column key) -> fix when every error of the file has one clear suggested fix, else None."""
    fixes: dict[tuple[int, str], str] = {}
    for row_errors in errors.values():
        for error in row_errors:
            if not error.suggestion or not error.key or fixes.get((error.row, error.key), error.suggestion) \
                    != error.suggestion:
                return None
            fixes[(error.row, error.key)] = error.suggestion
    return fixes or None


def _write_corrected(path: str | os.PathLike[str], sheet: str | None, fixes: dict[tuple[int, str], str],
                     target: str | os.PathLike[str]) -> bool:
    """The whole file with every fix applied and marked, for the clerk to check and upload again."""
    max_rows, timeout_s = _limits()
    try:
        corrected_workbook(read_rows(path, columns=COLUMNS, sheet=sheet, max_rows=max_rows, timeout_s=timeout_s),
                           COLUMNS, fixes, target)
    except WorkbookRejected:
        return False
    return True


def import_registry(path: str | os.PathLike[str], cohort: Cohort, *, session: Session | None = None,
                    progress: Progress | None = None, report_path: str | os.PathLike[str] | None = None,
                    job_id: int | None = None, filename: str = "",
                    actor: tuple[int | None, str, str] | None = None,
                    corrected_path: str | os.PathLike[str] | None = None) -> ImportOutcome:
    """Import ``path`` into ``cohort``: either every row is written (one transaction) or nothing is.

    On rejection the outcome lists the errors and, given ``report_path``, an Excel of the rejected rows
    with an error column is written there; when every error has one clear fix and ``corrected_path`` is given,
    the whole file with the fixes applied and marked is written there too.
    """
    session = session or db.session
    progress = progress or _noop
    outcome = ImportOutcome()
    try:
        sheet, estimate = choose_sheet(path)
        if estimate > _limits()[0]:
            raise too_many_rows(_limits()[0])  # the sheet's <dimension> says so: refused before reading a row
        progress("reading", 0, estimate)
        validator = RowValidator(Lookups.load(session), {spec.key: spec.header for spec in COLUMNS})
        scan = _scan(path, sheet, validator, progress, estimate)
    except WorkbookRejected as exc:
        outcome.file_errors.append(exc.message)
        return outcome
    outcome.rows = scan.rows
    _duplicates(scan)
    fixes = _fixes(scan.errors) if scan.errors else None
    plan: Plan | None = None
    if not scan.errors:
        progress("checking", 0, scan.rows)
        plan = plan_changes(session, cohort.id, scan.records, scan.row_numbers, present_fields(scan.columns))
        for error in plan.errors:
            scan.errors.setdefault(error.row, []).append(error)
    if scan.errors or plan is None:
        outcome.errors = sorted((e for errs in scan.errors.values() for e in errs), key=lambda e: e.row)
        outcome.rejected_rows = len(scan.errors)
        progress("report", 0, outcome.rejected_rows)
        outcome.report_written = _write_report(path, sheet, scan.errors, report_path)
        if fixes and corrected_path is not None and (plan is None or not plan.errors):
            outcome.corrected_written = _write_corrected(path, sheet, fixes, corrected_path)
            outcome.fixable = len(fixes)
        return outcome
    try:
        counts = apply_plan(session, plan, cohort.id, job_id, progress)
    except Exception:
        session.rollback()  # all-or-nothing even when the database refuses a statement half-way
        raise
    outcome.added, outcome.updated, outcome.unchanged = counts.added, counts.updated, counts.unchanged
    outcome.graduates_added, outcome.graduates_updated = counts.graduates_added, counts.graduates_updated
    audit.record("registry.import", "ImportJob", job_id or "", session=session, actor=actor,
                 file=filename or os.path.basename(os.fspath(path)), cohort=cohort.year, rows=scan.rows,
                 added=counts.added, updated=counts.updated, unchanged=counts.unchanged,
                 graduates_added=counts.graduates_added, graduates_updated=counts.graduates_updated)
    session.commit()
    outcome.ok = True
    return outcome

