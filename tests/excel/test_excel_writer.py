"""Exports, error reports and templates: escaping, round-trip values, text formats."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from app.excel import (
    ERROR_COLUMN,
    SheetData,
    error_report_workbook,
    escape_formula,
    read_report,
    template_workbook,
    write_workbook,
)
from tests.excel.helpers import COLUMNS, HEADERS, ID, make_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_escape_formula(value: str, expected: str) -> None:
    """Only text starting with = + - @ tab CR gets the apostrophe (OWASP CSV injection)."""
    assert escape_formula(value) == expected


def test_export_escapes_and_round_trips(tmp_path: Path) -> None:
    """An export reopens with Chinese headers, escaped formulas and untouched normal values."""
    target = tmp_path / "out.xlsx"
    rows = [
        ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx", "正常文本", 42, dt.date(2024, 7, 1), ID],
        [None, "", "a-b", 3.5, True, "x", "李四", -7, None, "000123"],
    ]
    headers = ["公式", "加号", "减号", "艾特", "制表", "回车", "姓名", "数量", "日期", "身份证号"]
    progress: list[int] = []
    assert (
        write_workbook(target, headers=headers, rows=iter(rows), title="学生", progress=progress.append) == 2
    )
    assert progress[-1] == 2
    wb = openpyxl.load_workbook(target)
    ws = wb["学生"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == headers
    values[1][5] = values[1][5].replace("\n", "\r")  # XML parsers read a bare CR back as LF
    assert values[1] == [
        "'=SUM(A1)",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "正常文本",
        42,
        dt.datetime(2024, 7, 1),
        ID,
    ]
    assert values[2][2:8] == ["a-b", 3.5, True, "x", "李四", -7] and values[2][9] == "000123"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws["J2"].number_format == "@" and ws["J2"].data_type == "s"
    assert ws.column_dimensions["J"].width >= 18


def test_multiple_sheets_and_file_object(tmp_path: Path) -> None:
    """Several sheets stream into one binary file object; long integers become text."""
    buf = io.BytesIO()
    sheets = [
        SheetData("甲", ["学号", "值"], [[20230001, 12345678901234567]], text_columns=["学号"]),
        SheetData("乙/2024", ["名称"], ([f"行{i}"] for i in range(3))),
    ]
    assert write_workbook(buf, sheets) == 4
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["甲", "乙_2024"]
    assert [c.value for c in wb["甲"][2]] == ["20230001", "12345678901234567"]
    assert wb["乙_2024"].max_row == 4


def test_error_report_has_error_column_and_reimports(tmp_path: Path) -> None:
    """Rejected rows are written back as typed, with 错误说明, and the file re-imports by header."""
    rows = [HEADERS, ["0001", "张三", 110105199003077000, "2004-13-01"], ["0002", "李四", ID, "2004-09-01"]]
    report = read_report(make_xlsx(tmp_path / "in.xlsx", rows), columns=COLUMNS)
    data = error_report_workbook(report.rows, COLUMNS)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == [ERROR_COLUMN, *HEADERS]
    assert len(values) == 2
    assert (
        values[1][0].startswith("第 2 行：") and "身份证号：" in values[1][0] and "入学日期：" in values[1][0]
    )
    assert values[1][1:3] == ["0001", "张三"] and values[1][4] == "2004-13-01"
    again = read_report(data, columns=COLUMNS)
    assert not again.file_errors and {e.column_header for e in again.errors} == {"身份证号", "入学日期"}


def test_error_report_to_target(tmp_path: Path) -> None:
    """error_report_workbook can write straight to a path and returns nothing then."""
    target = tmp_path / "errors.xlsx"
    assert error_report_workbook([], ["学号"], target=target) is None
    assert openpyxl.load_workbook(target).active["A1"].value == ERROR_COLUMN


def test_template_formats_and_guide(tmp_path: Path) -> None:
    """The template has Chinese headers, '@' on ID columns, dropdowns and a 填写说明 sheet."""
    data = template_workbook(COLUMNS, {"student_no": "000123", "enrol_date": dt.date(2004, 9, 1)})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["导入数据", "填写说明"]
    ws = wb["导入数据"]
    assert [c.value for c in ws[1]] == HEADERS
    for letter in ("A", "C"):  # 学号, 身份证号
        assert ws.column_dimensions[letter].number_format == "@"
        assert ws[f"{letter}2"].number_format == "@" and ws[f"{letter}500"].number_format == "@"
    assert ws["B2"].number_format == "General"
    assert ws["A1"].font.color.rgb.endswith("C00000")  # required header in red
    assert any("男,女" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    guide = [[c.value for c in row] for row in wb["填写说明"].iter_rows()]
    by_name = {row[0]: row for row in guide if row[0] in HEADERS}
    assert set(by_name) == set(HEADERS)
    assert "文本" in by_name["身份证号"][2] and by_name["学号"][1] == "必填"
    assert by_name["学号"][4] == "000123" and by_name["入学日期"][4] == "2004-09-01"
    assert "没有" in read_report(data, columns=COLUMNS).file_errors[0]  # header only: nothing to import


def test_empty_template_reimports_cleanly(tmp_path: Path) -> None:
    """A filled-in template reads back with leading zeros intact."""
    path = tmp_path / "t.xlsx"
    template_workbook(COLUMNS, target=path)
    wb = openpyxl.load_workbook(path)
    wb["导入数据"].append(["000123", "张三", ID])
    wb.save(path)
    report = read_report(path, columns=COLUMNS)
    assert report.ok and report.rows[0].values["student_no"] == "000123"
