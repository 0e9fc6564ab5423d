"""Reading .xls, .ods and CSV (UTF-8/GBK) with the same rules as .xlsx; the row cap before any row is parsed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.excel import ImportReport, read_report
from app.excel import reader as reader_module
from tests.excel.formats_helpers import SMALL_XLS, csv_bytes, make_ods
from tests.excel.helpers import COLUMNS, HEADERS, ID, make_xlsx, rewrite_zip

NUMERIC_ID = "设置为“文本”格式"


def read(path: Path, **kwargs: object) -> ImportReport:
    return read_report(path, columns=COLUMNS, **kwargs)  # type: ignore[arg-type]


def test_genuine_xls_reads_like_xlsx() -> None:
    """The LibreOffice-made .xls: text IDs and leading zeros kept, dates typed, a numeric ID refused."""
    report = read(SMALL_XLS)
    assert not report.file_errors
    first, second, third = report.rows
    assert first.values == {"student_no": "2023001", "name": "张三", "id_number": ID,
                            "enrol_date": dt.date(2004, 9, 1), "years": 4, "gender": "男"}
    assert second.values["student_no"] == "0023002" and second.values["enrol_date"] == dt.date(2004, 9, 1)
    assert [(e.row, e.column_header) for e in report.errors] == [(4, "身份证号")]
    assert NUMERIC_ID in report.errors[0].message


def test_ods_reads_like_xlsx(tmp_path: Path) -> None:
    """An .ods written by odfpy: the same typed values and the same numeric-ID refusal."""
    path = make_ods(tmp_path / "名单.ods", [HEADERS, ["0023001", "张三", ID, dt.date(2004, 9, 1), 4, "男"],
                                           ["2023002", "李四", 110105199001011234, None, None, "女"]])
    report = read(path)
    assert not report.file_errors
    assert report.rows[0].values["student_no"] == "0023001"
    assert report.rows[0].values["enrol_date"] == dt.date(2004, 9, 1) and report.rows[0].values["years"] == 4
    assert [(e.row, e.column_header) for e in report.errors] == [(3, "身份证号")]


def test_ods_with_a_dtd_is_refused(tmp_path: Path) -> None:
    """The zip checks apply to .ods: a DTD in content.xml is refused before parsing."""
    path = make_ods(tmp_path / "a.ods", [HEADERS, ["1", "张三", ID, None, None, None]])
    evil = rewrite_zip(path, tmp_path / "evil.ods", lambda n, d: (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + d[d.index(b"<office"):]
        if n == "content.xml" else d))
    report = read(evil)
    assert report.file_errors and "DTD" in report.file_errors[0]


@pytest.mark.parametrize(("encoding", "bom", "sep"), [("utf-8", True, ","), ("utf-8", False, ","),
                                                      ("gbk", False, ","), ("gb18030", False, "\t")])
def test_csv_in_utf8_or_gbk(tmp_path: Path, encoding: str, bom: bool, sep: str) -> None:
    """Excel's CSV (GBK on Chinese Windows, UTF-8 with BOM for “CSV UTF-8”), comma or tab separated."""
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_bytes([HEADERS, ["0023001", "张三", ID, "2004/9/1", "4", "女"]], encoding, bom, sep))
    report = read(path)
    assert report.ok, (report.file_errors, report.errors)
    assert report.rows[0].values == {"student_no": "0023001", "name": "张三", "id_number": ID,
                                     "enrol_date": dt.date(2004, 9, 1), "years": 4, "gender": "女"}


def test_csv_id_in_scientific_notation_is_refused(tmp_path: Path) -> None:
    """4.30621E+17 is what Excel writes for an ID in a General column: refused with the text-format message."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([HEADERS, ["2023001", "张三", "4.30621E+17", None, None, None]], "gbk"))
    report = read(path)
    assert [(e.row, e.column_header) for e in report.errors] == [(2, "身份证号")]
    assert NUMERIC_ID in report.errors[0].message


def test_text_named_xlsx_and_binary_named_csv_are_refused(tmp_path: Path) -> None:
    """A renamed CSV is still not an .xlsx; a binary file named .csv is not a CSV."""
    fake = tmp_path / "a.xlsx"
    fake.write_bytes(csv_bytes([HEADERS], "gbk"))
    assert "不是有效的 .xlsx" in read(fake).file_errors[0]
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    assert "不是 CSV" in read(binary).file_errors[0]


def test_garbage_named_xls_is_refused(tmp_path: Path) -> None:
    """An OLE2 header with nothing readable behind it gets the .xls message."""
    path = tmp_path / "a.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)
    assert ".xls" in read(path).file_errors[0]


def _no_row_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows were parsed although the declared size is over the cap")

    monkeypatch.setattr(reader_module, "_convert_row", fail)
    monkeypatch.setattr(reader_module, "_iter_raw_rows", fail)


def test_row_cap_from_xlsx_dimension_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet's <dimension> says 6 data rows, the cap is 5: refused without parsing a row."""
    path = make_xlsx(tmp_path / "a.xlsx", [HEADERS] + [[f"{i}", "张三", ID, None, None, None] for i in range(6)])
    _no_row_parsing(monkeypatch)
    assert "超过上限" in read(path, max_rows=5).file_errors[0]


def test_row_cap_for_xls_ods_csv_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.xls/.ods from the sheet's size, CSV from its line count: refused before any row is converted."""
    ods = make_ods(tmp_path / "a.ods", [HEADERS] + [[f"{i}", "张三", ID, None, None, None] for i in range(4)])
    csv = tmp_path / "a.csv"
    csv.write_bytes(csv_bytes([HEADERS] + [[f"{i}", "张三", ID] for i in range(4)]))
    _no_row_parsing(monkeypatch)
    for path, cap in ((SMALL_XLS, 2), (ods, 3), (csv, 3)):
        assert "超过上限" in read(path, max_rows=cap).file_errors[0], path


def test_under_the_cap_every_format_reads(tmp_path: Path) -> None:
    """The early check does not refuse a file exactly at the cap."""
    csv = tmp_path / "a.csv"
    csv.write_bytes(csv_bytes([HEADERS] + [[f"{i}", "张三", ID] for i in range(3)] + [[], []]))
    assert len(read(csv, max_rows=3, unique_keys=()).rows) == 3
    assert len(read(SMALL_XLS, max_rows=3).rows) == 3
