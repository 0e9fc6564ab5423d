"""The xlsxwriter-based export writer: every cell type reopens as written, IDs stay text, memory and temp files."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import tempfile
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from app.excel import SheetData, write_workbook
from app.excel import writer as writer_module

ID18 = "43060219900307123X"
ID18_DIGITS = 430602199003071234  # an 18-digit int: Excel would keep 15 digits of it
HEADERS = ["学号", "姓名", "身份证号", "手机号", "出生日期", "签约时间", "用时", "是否在校", "成绩", "金额", "备注",
           "网址", "大数", "时区时间", "数字样文本"]


def _row(n: int) -> list[Any]:
    return [
        f"0{n:07d}",  # leading zero: text
        "张三" if n % 2 else "李四",
        ID18 if n % 2 else ID18_DIGITS,
        13812345678,  # int in a text column (手机): written as text
        dt.date(2004, 9, 1),
        dt.datetime(2026, 5, 1, 8, 30, 5),
        dt.timedelta(hours=30, minutes=5),  # a duration over a day
        True,
        92.5,
        Decimal("1234.50"),
        "=HYPERLINK(\"http://x\")" if n == 0 else "多行\r\n说明",
        "http://example.org/a?b=1",
        12345678901234567,  # >= 10**15 outside a text column: text too
        dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        "00123",
    ]


def _openpyxl_values(target: Any, sheet: int = 0) -> list[list[Any]]:
    ws = openpyxl.load_workbook(target).worksheets[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_every_type_reopens_with_openpyxl_as_written(tmp_path: Path) -> None:
    """Chinese headers, IDs/phones/leading zeros as text, dates as dates, formulas and links inert, long ints text."""
    target = tmp_path / "export.xlsx"
    assert write_workbook(target, headers=HEADERS, rows=(_row(n) for n in range(2)), title="毕业生") == 2
    wb = openpyxl.load_workbook(target)
    ws = wb["毕业生"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == HEADERS
    first, second = values[1], values[2]
    assert first[:4] == ["00000000", "李四", str(ID18_DIGITS), "13812345678"]
    assert second[:4] == ["00000001", "张三", ID18, "13812345678"]
    assert first[4] == dt.datetime(2004, 9, 1) and ws["E2"].number_format == "yyyy-mm-dd"
    assert first[5] == dt.datetime(2026, 5, 1, 8, 30, 5) and ws["F2"].is_date
    assert first[6] == dt.timedelta(hours=30, minutes=5) and ws["G2"].number_format == "[hh]:mm:ss"
    assert first[7] is True and first[8] == 92.5 and first[9] == pytest.approx(1234.5)
    assert first[10] == "'=HYPERLINK(\"http://x\")" and second[10] == "多行\n说明"
    assert first[11] == "http://example.org/a?b=1" and ws["L2"].hyperlink is None
    assert first[12] == "12345678901234567"
    assert first[13] == "2026-05-01 08:00:00+08:00"
    assert first[14] == "00123" and ws["O2"].data_type == "s"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    for cell in ("A2", "C2", "C3", "D2"):  # 学号, 身份证号, 手机号: text cells in '@' columns
        assert ws[cell].data_type == "s" and ws[cell].number_format == "@"
    assert ws.column_dimensions["C"].number_format == "@" and ws.column_dimensions["B"].number_format == "General"
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("F2F2F2") and ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 18  # an 18-character ID fits


def test_calamine_reads_the_same_cells(tmp_path: Path) -> None:
    """The other reader GEMS imports with (python-calamine) sees the same text and numbers."""
    target = tmp_path / "export.xlsx"
    write_workbook(target, headers=HEADERS, rows=iter([_row(1)]))
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    assert rows[1][:4] == ["00000001", "张三", ID18, "13812345678"] and rows[1][8] == 92.5


def test_required_headers_red_and_given_widths(tmp_path: Path) -> None:
    """required_headers are red, explicit widths are used, text_columns by header name."""
    buf = io.BytesIO()
    sheet = SheetData("数据", ["学号", "值"], [[20230001, 7]], text_columns=["值"], widths=[30.0, 8.0],
                      required_headers={"学号"})
    write_workbook(buf, sheet)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws["A1"].font.color.rgb == "FFC00000" and getattr(ws["B1"].font.color, "rgb", None) != "FFC00000"
    assert ws["A1"].font.b and ws["B1"].font.b
    assert [c.value for c in ws[2]] == [20230001, "7"]  # 学号 not listed: a number; 值 listed: text
    assert 30 <= ws.column_dimensions["A"].width < 31 and 8 <= ws.column_dimensions["B"].width < 9


def test_sheet_titles_follow_excels_rules(tmp_path: Path) -> None:
    """Bad characters replaced, apostrophes stripped, 31 characters at most, duplicates numbered (no crash)."""
    long_title = "二〇二六届毕业生就业方案数据汇总表（本科、专科及研究生合并统计）"
    sheets = [SheetData("乙/2024", ["名称"], [["a"]]), SheetData("乙:2024", ["名称"], [["b"]]),
              SheetData("'引号'", ["名称"], []), SheetData(long_title, ["名称"], []), SheetData("", ["名称"], [])]
    target = tmp_path / "titles.xlsx"
    write_workbook(target, sheets)
    names = openpyxl.load_workbook(target).sheetnames
    assert names[:3] == ["乙_2024", "乙_2024_2", "引号"]
    assert names[3] == long_title[:31] and names[4] == "Sheet1"


def test_rows_past_excels_last_row_go_on_a_continuation_sheet(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No row is lost: past the sheet's limit the rows continue, under the same header, on 名单_2."""
    monkeypatch.setattr(writer_module, "MAX_DATA_ROWS", 3)
    target = tmp_path / "long.xlsx"
    assert write_workbook(target, headers=["学号"], rows=([f"{n:04d}"] for n in range(7)), title="名单") == 7
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["名单", "名单_2", "名单_3"]
    assert [[c.value for c in row] for row in wb["名单_2"].iter_rows()] == [["学号"], ["0003"], ["0004"], ["0005"]]
    assert wb["名单_3"]["A2"].value == "0006" and wb["名单_3"].freeze_panes == "A2"


def test_a_cancelled_export_leaves_no_file_and_no_temporary_rows(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A job cancelled from its progress callback: the exception comes through, nothing is left on disk."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    class Cancelled(Exception):
        pass

    def progress(done: int) -> None:
        if done >= 20:
            raise Cancelled

    target = tmp_path / "out.xlsx"
    with pytest.raises(Cancelled):
        write_workbook(target, headers=["学号"], rows=([str(n)] for n in range(100)), progress=progress,
                       progress_every=10)
    assert not target.exists() and list(scratch.iterdir()) == []
    write_workbook(target, headers=["学号"], rows=iter([["1"]]))  # and a finished one cleans up after itself
    assert target.exists() and list(scratch.iterdir()) == []


def _lazy_rows(count: int) -> Iterator[list[Any]]:
    for n in range(count):
        yield [f"2026{n:08d}", "王小明", ID18, n, 3.25, dt.date(2026, 6, 30), "湖南省岳阳市岳阳楼区巴陵中路"]


def _peak_bytes(count: int, target: Path) -> int:
    tracemalloc.start()
    try:
        write_workbook(target, headers=["学号", "姓名", "身份证号", "序号", "分", "日期", "地址"],
                       rows=_lazy_rows(count))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_whatever_the_number_of_rows(tmp_path: Path) -> None:
    """Ten times the rows, about the same peak of Python memory (rows go to disk as the next one starts)."""
    small = _peak_bytes(2_000, tmp_path / "small.xlsx")
    large = _peak_bytes(20_000, tmp_path / "large.xlsx")
    assert large < small + 1_000_000, (small, large)
    ws = openpyxl.load_workbook(tmp_path / "large.xlsx", read_only=True).active
    assert sum(1 for _ in itertools.islice(ws.iter_rows(values_only=True), 30_000)) == 20_001
