"""Measure import/export speed and memory at scale (run by hand; far too slow for the test suite).

Usage: python -m tests.excel.bench_excel {read,write,write-raw,all} [rows]
"""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import openpyxl.utils

from app.excel import ColumnSpec, read_rows, write_workbook

READ_COLS = 20
WRITE_COLS = 40


def read_columns() -> list[ColumnSpec]:
    specs = [
        ColumnSpec("student_no", "学号", required=True, kind="id_text"),
        ColumnSpec("name", "姓名", required=True),
        ColumnSpec("id_number", "身份证号", required=True, kind="id_text"),
        ColumnSpec("enrol_date", "入学日期", kind="date"),
        ColumnSpec("years", "学制", kind="int"),
        ColumnSpec("gender", "性别", kind="choice", choices=("男", "女")),
        ColumnSpec("phone", "手机号", kind="id_text"),
    ]
    specs += [ColumnSpec(f"f{i}", f"字段{i}") for i in range(READ_COLS - len(specs))]
    return specs


def read_row(i: int) -> list[object]:
    return [
        f"2023{i:06d}",
        f"张{i % 97}三",
        f"110105199003{i % 10000:04d}1X",
        dt.date(2020, 9, 1),
        4,
        "男" if i % 2 else "女",
        f"138{i:08d}",
        *(f"北京市海淀区第{i % 113}号 {j}" for j in range(READ_COLS - 7)),
    ]


def write_rows(n: int) -> Iterator[list[object]]:
    for i in range(n):
        yield [
            f"2023{i:06d}",
            f"张{i % 97}三",
            f"110105199003{i % 10000:04d}1X",
            i,
            i * 0.5,
            dt.date(2020, 9, 1),
        ] + [f"值{i}-{j}" for j in range(WRITE_COLS - 6)]


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def make_read_file(path: Path, n: int) -> None:
    """Write an Excel-like file (shared strings, date style) by hand: openpyxl only writes inline strings."""
    strings: dict[str, int] = {}
    rows = [[c.header for c in read_columns()], *(read_row(i) for i in range(n))]
    last = f"{openpyxl.utils.get_column_letter(READ_COLS)}{len(rows)}"
    sheet = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
        f'<dimension ref="A1:{last}"/><sheetData>'
    ]
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row, 1):
            ref = f"{openpyxl.utils.get_column_letter(c)}{r}"
            if isinstance(value, str):
                idx = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{idx}</v></c>')
            elif isinstance(value, dt.date):
                serial = (value - dt.date(1899, 12, 30)).days
                cells.append(f'<c r="{ref}" s="1"><v>{serial}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        sheet.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet.append("</sheetData></worksheet>")
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f"<styleSheet {_NS}>"
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>",
        "xl/sharedStrings.xml": f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
        "xl/worksheets/sheet1.xml": "".join(sheet),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)


def bench_read(n: int) -> None:
    path = Path(tempfile.mkdtemp()) / "read.xlsx"
    make_read_file(path, n)
    print(f"file: {path.stat().st_size / 1e6:.1f} MB, {n} rows x {READ_COLS} cols")
    t = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in wb.active.iter_rows(values_only=True))
    wb.close()
    raw_values = time.perf_counter() - t
    t = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for row in wb.active.iter_rows() for _c in row[:1])
    wb.close()
    raw_cells = time.perf_counter() - t
    t = time.perf_counter()
    rows = sum(1 for r in read_rows(path, columns=read_columns(), max_rows=10**7, timeout_s=3600) if r.ok)
    ours = time.perf_counter() - t
    assert rows == n == count - 1, (rows, count)
    print(f"openpyxl read_only iter_rows(values_only): {raw_values:.2f} s = {n / raw_values:,.0f} rows/s")
    print(f"openpyxl read_only iter_rows (cells):      {raw_cells:.2f} s = {n / raw_cells:,.0f} rows/s")
    print(f"app.excel.read_rows (typed, validated):    {ours:.2f} s = {n / ours:,.0f} rows/s")


def _write_raw(path: Path, n: int) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append([f"列{j}" for j in range(WRITE_COLS)])
    for row in write_rows(n):
        ws.append(row)
    wb.save(path)


def _write_ours(path: Path, n: int) -> None:
    headers = ["学号", "姓名", "身份证号", "序号", "数值", "日期"] + [f"列{j}" for j in range(WRITE_COLS - 6)]
    write_workbook(path, headers=headers, rows=write_rows(n), title="数据")


def bench_write(n: int, which: str, trace: bool) -> None:
    path = Path(tempfile.mkdtemp()) / "out.xlsx"
    fn = _write_ours if which == "write" else _write_raw
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    fn(path, n)
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else float("nan")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{which:9s} {n} rows x {WRITE_COLS} cols: {elapsed:.1f} s ({n / elapsed:,.0f} rows/s), "
        f"file {path.stat().st_size / 1e6:.1f} MB, max RSS {rss:.0f} MB"
        + (f", tracemalloc peak {peak:.1f} MB" if trace else "")
    )


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    trace = len(sys.argv) > 3 and sys.argv[3] == "trace"
    if what == "read":
        bench_read(n)
    elif what in ("write", "write-raw"):
        bench_write(n, what, trace)
    else:
        for args in (["read"], ["write"], ["write-raw"], ["write", "trace"], ["write-raw", "trace"]):
            cmd = [sys.executable, "-m", "tests.excel.bench_excel", args[0], str(n), *args[1:]]
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
