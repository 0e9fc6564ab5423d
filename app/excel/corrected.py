"""A corrected copy of an import file: every suggested fix applied and marked (fill + a note with the original)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .columns import ColumnSpec
from .i18n import _
from .reader import RowResult
from .text import display_width
from .writer import DATE_FORMAT, TEXT_FORMAT, Target, _cell_value, clean_text

FIX_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True)


def corrected_workbook(rows: Iterable[RowResult], specs: Sequence[ColumnSpec],
                       fixes: Mapping[tuple[int, str], str], target: Target) -> int:
    """Write every row with ``fixes[(row, column key)]`` applied; each fixed cell is filled and carries a note.

    Columns are the file's own (those present in its rows), under the template's headers, so the clerk can
    check the marked cells and upload the file again. Returns the number of cells fixed.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("已修正"))
    rows = iter(rows)
    first = next(rows, None)
    present = [spec for spec in specs if first is not None and spec.key in first.values]
    for i, spec in enumerate(present, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(display_width(spec.header) + 4, 14.0)
    header = []
    for spec in present:
        cell = WriteOnlyCell(ws, value=spec.header)
        cell.font = _HEADER_FONT
        header.append(cell)
    ws.append(header)
    fixed = 0
    for row in ([first] if first is not None else []) + list(rows):
        out: list[Any] = []
        for spec in present:
            original = row.raw.get(spec.key, row.values.get(spec.key))
            as_text = spec.kind == "id_text"
            cell = WriteOnlyCell(ws, value=_cell_value(original, as_text))
            if as_text:
                cell.number_format = TEXT_FORMAT
            elif spec.kind == "date" and original is not None and not isinstance(original, str):
                cell.number_format = DATE_FORMAT
            fix = fixes.get((row.row_number, spec.key))
            if fix is not None:
                cell.value = clean_text(fix)
                cell.fill = FIX_FILL
                cell.comment = Comment(_("GEMS 已修正，原值：%(value)s", value=str(original or "")), "GEMS",
                                       width=240, height=60)
                fixed += 1
            out.append(cell)
        ws.append(out)
    wb.save(target)
    return fixed
