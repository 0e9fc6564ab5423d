"""Reading uploaded workbooks: header matching, typed cells, per-cell errors and file-level limits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from app.excel import ColumnSpec, ImportReport, detect_duplicates, read_report, read_rows
from tests.excel.helpers import COLUMNS, HEADERS, ID, make_xlsx, rewrite_zip

ROW = ["2023001", "张三", ID, "2004-09-01", 4, "男"]


def read(path: Path, **kwargs: object) -> ImportReport:
    return read_report(path, columns=COLUMNS, **kwargs)  # type: ignore[arg-type]


def only_error(report: ImportReport) -> str:
    assert len(report.errors) == 1, report.errors
    return report.errors[0].message


def test_valid_row_read_with_types(tmp_path: Path) -> None:
    """A clean row comes back typed and keyed by ColumnSpec.key, with its Excel row number."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, ROW]))
    assert report.ok
    (row,) = report.rows
    assert row.row_number == 2
    assert row.values == {
        "student_no": "2023001",
        "name": "张三",
        "id_number": ID,
        "enrol_date": dt.date(2004, 9, 1),
        "years": 4,
        "gender": "男",
    }


@pytest.mark.parametrize("number", [110105199003077000, 1.10105199003078e17])
def test_numeric_18_digit_id_rejected(tmp_path: Path, number: float) -> None:
    """An ID stored as a number (digits already lost) is rejected with the text-format message."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, ["2023001", "张三", number]]))
    assert not report.ok
    error = report.errors[0]
    assert (error.row, error.column_header, error.key) == (2, "身份证号", "id_number")
    assert "文本" in error.message and "格式" in error.message
    assert isinstance(report.rows[0].raw["id_number"], (int, float))


def test_numeric_student_number_rejected_unless_allowed(tmp_path: Path) -> None:
    """A numeric student number loses leading zeros, so it is rejected unless allow_small_int."""
    path = make_xlsx(tmp_path / "a.xlsx", [HEADERS, [2023001, "张三", ID]])
    assert "文本" in only_error(read(path))
    lenient = [
        ColumnSpec("student_no", "学号", required=True, kind="id_text", allow_small_int=True),
        *COLUMNS[1:],
    ]
    report = read_report(path, columns=lenient)
    assert report.ok and report.rows[0].values["student_no"] == "2023001"


def test_leading_zeros_kept(tmp_path: Path) -> None:
    """Text student numbers and IDs keep their leading zeros and lower-case x."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, ["000123", "张三", "01010519900307789x"]]))
    assert report.ok
    assert report.rows[0].values["student_no"] == "000123"
    assert report.rows[0].values["id_number"] == "01010519900307789x"


def test_fullwidth_and_stray_spaces_normalised(tmp_path: Path) -> None:
    """Full-width digits/letters and stray, non-breaking or zero-width spaces are cleaned."""
    row = [
        "　２０２３００１ ",
        " 张\u00a0 三\u200b ",
        "１１０１０５ １９９００３０７７８９Ｘ",
        " 2004/9/1 ",
        "４",
        " 男 ",
    ]
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, row]))
    assert report.ok, report.errors
    values = report.rows[0].values
    assert values["student_no"] == "2023001"
    assert values["name"] == "张 三"
    assert values["id_number"] == ID
    assert values["years"] == 4 and values["gender"] == "男"


def test_excel_dates_and_text_dates(tmp_path: Path) -> None:
    """Real Excel dates and common text forms become datetime.date; bad ones are cell errors."""
    rows = [
        HEADERS,
        [*ROW[:3], dt.datetime(2004, 9, 1)],
        [*ROW[:3], dt.date(2004, 9, 1)],
        [*ROW[:3], "2004年9月1日"],
        [*ROW[:3], "2004.09.01"],
        [*ROW[:3], 20040901],
        [*ROW[:3], "2004-02-30"],
    ]
    report = read(make_xlsx(tmp_path / "a.xlsx", rows))
    assert [r.values["enrol_date"] for r in report.rows[:5]] == [dt.date(2004, 9, 1)] * 5
    assert [(e.row, e.column_header) for e in report.errors] == [(7, "入学日期")]
    assert "日期" in report.errors[0].message


def test_int_and_choice_errors(tmp_path: Path) -> None:
    """Non-integers and values outside the allowed choices are reported per cell."""
    rows = [HEADERS, [*ROW[:4], "四", "未知"]]
    report = read(make_xlsx(tmp_path / "a.xlsx", rows))
    assert [(e.column_header, e.key) for e in report.errors] == [("学制", "years"), ("性别", "gender")]
    assert "男、女" in report.errors[1].message


def test_required_cell_blank_reported(tmp_path: Path) -> None:
    """A blank required cell in a non-empty row is a cell error naming the column."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, ["2023001", None, ID]]))
    assert [(e.row, e.column_header) for e in report.errors] == [(2, "姓名")]
    assert "必填" in report.errors[0].message


def test_duplicate_rows_reported(tmp_path: Path) -> None:
    """Rows repeating a unique key are reported by row numbers, case-insensitively for IDs."""
    other = ["2023002", "李四", "110105199001011234"]
    rows = [HEADERS, ROW, other, [*ROW[:2], ID.lower()], ["2023003", "王五", "110105199202021235"]]
    path = make_xlsx(tmp_path / "a.xlsx", rows)
    report = read(path, unique_keys=[("id_number",), ("student_no",)])
    id_errors = [(e.row, e.message) for e in report.errors if e.key == "id_number"]
    assert id_errors == [(2, "与第 4 行重复（身份证号）。"), (4, "与第 2 行重复（身份证号）。")]
    student = detect_duplicates(report.rows, ["student_no"], columns=COLUMNS)
    assert [e.row for e in student] == [2, 4]
    assert not report.ok


def test_reordered_extra_and_alias_columns(tmp_path: Path) -> None:
    """Columns are matched by (normalised or alias) header name; order and extra columns don't matter."""
    rows = [["备注", "证件号码", " 姓 名 ", "班级", "*学号"], ["x", ID, "张三", "1班", "0001"]]
    report = read(make_xlsx(tmp_path / "a.xlsx", rows))
    assert report.ok, report.file_errors
    assert report.rows[0].values == {"id_number": ID, "name": "张三", "student_no": "0001"}


def test_missing_required_column_is_file_error(tmp_path: Path) -> None:
    """A file without a required column is rejected as a whole, naming the missing columns."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [["学号", "性别"], ["0001", "男"]]))
    assert report.rows == [] and len(report.file_errors) == 1
    assert "姓名" in report.file_errors[0] and "身份证号" in report.file_errors[0]


def test_duplicate_header_is_file_error(tmp_path: Path) -> None:
    """Two columns mapping to the same field are refused instead of silently picking one."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [[*HEADERS[:3], "证件号码"], ROW[:4]]))
    assert report.file_errors and "身份证号" in report.file_errors[0]


def test_title_row_above_header_skipped(tmp_path: Path) -> None:
    """A title line above the header row (common in exported registers) is tolerated."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [["2024届学籍信息"], [], HEADERS, ROW]))
    assert report.ok and report.rows[0].row_number == 4


def test_named_sheet_or_first_visible(tmp_path: Path) -> None:
    """The named sheet is read; without a name, the first visible sheet is."""
    extra = [("说明", [["这是说明"]])]
    path = make_xlsx(tmp_path / "a.xlsx", [HEADERS, ROW], title="数据", extra_sheets=extra)
    assert read(path).ok
    path2 = make_xlsx(tmp_path / "b.xlsx", [HEADERS, ROW], title="数据", extra_sheets=extra, first_extra=True)
    assert read(path2).file_errors
    assert read(path2, sheet="数据").ok
    assert "说明" in read(path2, sheet="不存在").file_errors[0]
    wb = openpyxl.load_workbook(path2)
    wb["说明"].sheet_state = "hidden"
    wb.save(path2)
    assert read(path2).ok


def test_formula_cells_with_and_without_cached_value(tmp_path: Path) -> None:
    """A formula's cached value is used; a formula with no cached value is a cell error."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["2023001", "张三", ID, None, "=2+2"])
    ws.append(["2023002", "李四", "110105199001011234", None, "=3+1"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    cached = rewrite_zip(
        path,
        tmp_path / "cached.xlsx",
        lambda n, d: d.replace(b"<f>2+2</f><v />", b"<f>2+2</f><v>4</v>") if n.endswith("sheet1.xml") else d,
    )
    report = read(cached)
    assert report.rows[0].values["years"] == 4 and report.rows[0].ok
    assert [(e.row, e.column_header) for e in report.errors] == [(3, "学制")]
    assert "公式" in report.errors[0].message


def test_error_value_cell_reported(tmp_path: Path) -> None:
    """A cached Excel error such as #N/A is a cell error, not a value."""
    path = make_xlsx(tmp_path / "a.xlsx", [HEADERS, [*ROW[:4], "=NA()"]])
    bad = rewrite_zip(
        path,
        tmp_path / "e.xlsx",
        lambda n, d: (
            d.replace(b'<c r="E2"><f>NA()</f><v /></c>', b'<c r="E2" t="e"><f>NA()</f><v>#N/A</v></c>')
            if n.endswith("sheet1.xml")
            else d
        ),
    )
    assert "#N/A" in only_error(read(bad))


def test_fully_empty_rows_skipped(tmp_path: Path) -> None:
    """Blank rows (including whitespace-only cells) are skipped; row numbers stay as in Excel."""
    rows = [HEADERS, ROW, [], [None, " ", "\u3000"], ["2023002", "李四", "110105199001011234"]]
    report = read(make_xlsx(tmp_path / "a.xlsx", rows))
    assert report.ok and [r.row_number for r in report.rows] == [2, 5]


def test_row_cap_is_file_error(tmp_path: Path) -> None:
    """More data rows than max_rows rejects the file with the limit in the message."""
    rows = [HEADERS, *([f"20230{i:02d}", "张三", ID] for i in range(6))]
    path = make_xlsx(tmp_path / "a.xlsx", rows)
    assert read(path, max_rows=6).ok
    report = read(path, max_rows=5)
    assert report.rows == [] and "5" in report.file_errors[0]


def test_timeout_is_file_error(tmp_path: Path) -> None:
    """Exceeding timeout_s rejects the file instead of tying up a worker."""
    report = read(make_xlsx(tmp_path / "a.xlsx", [HEADERS, ROW]), timeout_s=0)
    assert report.file_errors and "超时" in report.file_errors[0]


def test_read_rows_streams_and_accepts_file_objects(tmp_path: Path) -> None:
    """read_rows is lazy and takes an open binary file as well as a path or bytes."""
    path = make_xlsx(tmp_path / "a.xlsx", [HEADERS, ROW, ROW])
    with path.open("rb") as fh:
        rows = read_rows(fh, columns=COLUMNS)
        assert next(rows).row_number == 2
        rows.close()
    assert len(list(read_rows(path.read_bytes(), columns=COLUMNS))) == 2
