"""Safe, streaming Excel import and export for GEMS, usable from views, API and CLI alike."""

from __future__ import annotations

from .columns import ColumnSpec, Kind, convert_cell, parse_date_text
from .reader import (
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT_S,
    CellError,
    ImportReport,
    RowResult,
    detect_duplicates,
    read_report,
    read_rows,
)
from .safety import (
    DEFAULT_LIMITS,
    SafetyLimits,
    WorkbookRejected,
    check_workbook,
    openpyxl_uses_defusedxml,
)
from .text import normalize_header, normalize_id_text, normalize_text
from .writer import (
    ERROR_COLUMN,
    FORMULA_PREFIXES,
    SheetData,
    error_report_workbook,
    escape_formula,
    template_workbook,
    write_workbook,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TIMEOUT_S",
    "ERROR_COLUMN",
    "FORMULA_PREFIXES",
    "CellError",
    "ColumnSpec",
    "ImportReport",
    "Kind",
    "RowResult",
    "SafetyLimits",
    "SheetData",
    "WorkbookRejected",
    "check_workbook",
    "convert_cell",
    "detect_duplicates",
    "error_report_workbook",
    "escape_formula",
    "normalize_header",
    "normalize_id_text",
    "normalize_text",
    "openpyxl_uses_defusedxml",
    "parse_date_text",
    "read_report",
    "read_rows",
    "template_workbook",
    "write_workbook",
]
