"""Build .ods files (odfpy) and CSV bytes (UTF-8 or GBK via codecs) at test time; .xls comes as a fixture."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Generated once with LibreOffice 7.4 (Debian 12, libreoffice-calc-nogui):
#   soffice --headless --convert-to "xls:MS Excel 97" registry_small.xlsx
# from an openpyxl workbook: sheet 学籍 with rows
#   学号 姓名 身份证号 入学日期 学制 性别 / 2023001 张三 11010519900307789X 2004-09-01(date) 4 男 /
#   0023002 李四 110105199001011234 "2004/9/1" 4 女 / 2023003 王五 110105199001011234(number) — — —
# and a second sheet 说明. registry_two_rows.xls: the registry template's columns, two valid rows
# (学号 209900000001/209900000002, 身份证号 43062120040315011X/430602200403150137, 生源地 湖南省岳阳县 and
# 湖南省岳阳市岳阳楼区, department 101 / major 080901 of the demo school).
SMALL_XLS = FIXTURES / "registry_small.xls"
REGISTRY_XLS = FIXTURES / "registry_two_rows.xls"


def make_ods(path: Path, rows: Sequence[Sequence[Any]], title: str = "学籍") -> Path:
    """One sheet; str cells as text, int/float as numbers, dates as dates (odfpy)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=title)
    for values in rows:
        tr = TableRow()
        for value in values:
            if value is None:
                tr.addElement(TableCell())
                continue
            if isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
            elif isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8", bom: bool = False, sep: str = ",") -> bytes:
    """CSV text as Excel writes it (CRLF), in the given encoding."""
    text = "\r\n".join(sep.join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    data = codecs.encode(text, encoding)
    return (codecs.BOM_UTF8 if bom else b"") + data
