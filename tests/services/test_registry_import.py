"""Registry import (REG-1, REG-2, XLS-2): messy workbooks, every row rule, all-or-nothing, re-import counts."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.registry import ImportJob, RegistryRecord
from app.services.registry_columns import COLUMNS
from app.services.registry_import import ImportOutcome, import_registry
from app.validation.idcard import check_digit

HEADERS = [spec.header for spec in COLUMNS]
_serial = itertools.count(1)


REGIONS = ("430621", "430602", "110108", "440106", "320102", "510104", "370102", "420106")


def make_id(birth: dt.date = dt.date(2004, 3, 15), male: bool = True) -> str:
    """A valid 18-digit ID number, unique per call (region and sequence digits from a counter)."""
    n = next(_serial)
    seq = (n % 500) * 2 + (1 if male else 0)
    body = f"{REGIONS[(n // 500) % len(REGIONS)]}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


def row(**overrides: Any) -> dict[str, Any]:
    """One valid registry row keyed by Chinese header, with a unique student number and ID."""
    values: dict[str, Any] = {
        "学号": f"20229{next(_serial):08d}", "身份证号": make_id(), "姓名": "张三", "性别": "男",
        "出生日期": None, "民族": "汉族", "政治面貌": "共青团员", "学生类别": "内地", "生源地": "湖南省岳阳县",
        "考生号": "22430621150123", "院系代码": "101", "院系名称": "计算机科学与技术学院", "专业代码": "080901",
        "专业名称": "计算机科学与技术", "学历": "本科", "学制": "4", "培养方式": "非定向", "定向或委培单位": None,
        "入学日期": dt.date(2022, 9, 1), "毕业日期": "2026-06-30", "是否上报": "是", "不上报原因": None,
    }
    values.update(overrides)
    return values


def make_book(path: Path, rows: Sequence[dict[str, Any]], headers: Sequence[str] | None = None,
              sheets: Sequence[tuple[str, list[list[Any]]]] = (), title: str = "导入数据",
              hidden_first: bool = False) -> Path:
    """Write rows under ``headers`` (default: the template's) to one sheet, plus optional sheets before it."""
    headers = list(headers or HEADERS)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet_title, sheet_rows in sheets:
        ws = wb.create_sheet(sheet_title)
        for values in sheet_rows:
            ws.append(values)
        if hidden_first:
            ws.sheet_state = "hidden"
    ws = wb.create_sheet(title)
    ws.append(headers)
    for values in rows:
        ws.append([values.get(h) for h in headers])
    wb.save(path)
    return path


def create_cohort() -> Cohort:
    """A cohort of its own (so demo data is untouched); needs an app context."""
    years = {y for (y,) in db.session.execute(select(Cohort.year))}
    year = next(y for y in iter(lambda: random.randrange(3000, 9000), None) if y not in years)
    created = Cohort(year=year, name=f"{year}届", is_current=False)
    db.session.add(created)
    db.session.commit()
    return created


def drop_cohort(cohort_id: int) -> None:
    """Remove a test cohort with everything imported into it; needs an app context."""
    db.session.rollback()
    db.session.execute(delete(Graduate).where(Graduate.cohort_id == cohort_id))
    db.session.execute(delete(RegistryRecord).where(RegistryRecord.cohort_id == cohort_id))
    db.session.execute(delete(ImportJob).where(ImportJob.cohort_id == cohort_id))
    db.session.execute(delete(Cohort).where(Cohort.id == cohort_id))
    db.session.commit()


@pytest.fixture()
def cohort(ctx: Any) -> Iterator[Cohort]:
    """A fresh cohort for one test, removed with everything imported into it."""
    created = create_cohort()
    yield created
    drop_cohort(created.id)


def run(path: Path, cohort: Cohort, **kwargs: Any) -> ImportOutcome:
    """Import a file into the test cohort."""
    return import_registry(path, cohort, **kwargs)


def count(model: Any, cohort: Cohort) -> int:
    """Rows of a model in the test cohort."""
    return db.session.execute(select(func.count()).select_from(model).where(model.cohort_id == cohort.id)).scalar_one()


def errors_of(outcome: ImportOutcome, row_number: int | None = None) -> list[str]:
    """Errors as 'column:message' strings, optionally of one row."""
    return [f"{e.column_header}:{e.message}" for e in outcome.errors if row_number in (None, e.row)]


def test_valid_file_fills_registry_and_roster(tmp_path: Path, cohort: Cohort) -> None:
    """A clean file adds registry records and pre-filled draft graduates, and writes one audit entry."""
    rows = [row(), row(姓名="李四", 性别=None, 生源地="北京市海淀区", 院系代码=None), row(学历="31")]
    outcome = run(make_book(tmp_path / "a.xlsx", rows), cohort, job_id=None, filename="a.xlsx")
    assert outcome.ok, outcome.errors
    assert (outcome.added, outcome.updated, outcome.unchanged, outcome.graduates_added) == (3, 0, 0, 3)
    record = db.session.execute(select(RegistryRecord).where(RegistryRecord.student_no == rows[1]["学号"])
                                ).scalar_one()
    assert (record.gender, record.origin, record.origin_code, record.education_level) == ("1", "北京市海淀区",
                                                                                         "110108", "31")
    assert record.birth_date == dt.date(2004, 3, 15) and record.department.code == "101"
    graduate = db.session.execute(select(Graduate).where(Graduate.registry_record_id == record.id)).scalar_one()
    assert (graduate.status, graduate.name, graduate.major.code, graduate.included) == ("draft", "李四", "080901",
                                                                                        True)
    last = db.session.execute(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1)).scalar_one()
    assert last.action == "registry.import" and '"added": 3' in last.detail and str(cohort.year) in last.detail


def test_one_bad_row_writes_nothing_and_reimport_counts(tmp_path: Path, cohort: Cohort) -> None:
    """All-or-nothing: one bad row leaves zero rows; a later re-import says added/updated/unchanged exactly."""
    good = [row(), row(), row()]
    body = "43062120040315123"
    wrong = body + ("0" if check_digit(body) != "0" else "1")
    bad = run(make_book(tmp_path / "bad.xlsx", [*good, row(身份证号=wrong)]), cohort)
    assert not bad.ok and bad.rejected_rows == 1 and bad.errors[0].row == 5
    assert count(RegistryRecord, cohort) == 0 and count(Graduate, cohort) == 0
    assert run(make_book(tmp_path / "a.xlsx", good), cohort).ok
    changed = {**good[1], "姓名": "王五"}
    again = run(make_book(tmp_path / "b.xlsx", [good[0], changed, good[2], row()]), cohort)
    assert again.ok, again.errors
    assert (again.added, again.updated, again.unchanged) == (1, 1, 2)
    assert count(RegistryRecord, cohort) == 4 and count(Graduate, cohort) == 4
    graduate = db.session.execute(select(Graduate).where(Graduate.student_no == good[1]["学号"])).scalar_one()
    assert graduate.name == "王五"  # an untouched draft follows the registry


def test_rejected_rows_go_to_the_error_report(tmp_path: Path, cohort: Cohort) -> None:
    """The error report holds only the rejected rows, as typed, with a leading error column."""
    report = tmp_path / "errors.xlsx"
    outcome = run(make_book(tmp_path / "a.xlsx", [row(), row(性别="女"), row(生源地="湖南省岳阳市岳阳县")]), cohort,
                  report_path=report)
    assert not outcome.ok and outcome.report_written and outcome.rejected_rows == 2
    sheet = load_workbook(report).active
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "错误说明" and "性别" in lines[0]
    assert len(lines) == 3 and lines[1][0].startswith("第 3 行") and "湖南省岳阳市岳阳县" in lines[2]


def test_numeric_ids_are_refused_with_the_text_format_message(tmp_path: Path, cohort: Cohort) -> None:
    """ID and student numbers stored as numbers (an 18-digit float has lost digits) ask for text format."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(身份证号=430621200403151234), row(学号=2022101001),
                                                    row(身份证号=4.30621200403151e17)]), cohort)
    assert not outcome.ok and outcome.rejected_rows == 3
    assert all("文本" in message for message in errors_of(outcome))


def test_full_width_spaces_and_lower_case_x_are_normalised(tmp_path: Path, cohort: Cohort) -> None:
    """Full-width digits and letters, stray spaces and a lower-case x arrive clean."""
    number = next(n for n in (make_id() for _ in range(400)) if n.endswith("X"))
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number[:6]) + " " + number[6:14] + " " + number[14:].lower()
    student_no = f"20229{next(_serial):08d}"
    wide_no = "".join(chr(ord(c) + 0xFEE0) for c in student_no)
    outcome = run(make_book(tmp_path / "a.xlsx", [row(身份证号=wide, 学号=f" {wide_no} ", 姓名=" 欧阳　娜娜 ",
                                                    院系代码="１０１")]), cohort)
    assert outcome.ok, outcome.errors
    record = db.session.execute(select(RegistryRecord).where(RegistryRecord.cohort_id == cohort.id)).scalar_one()
    assert (record.id_number, record.student_no, record.name) == (number, student_no, "欧阳娜娜")


def test_fifteen_digit_ids_are_upgraded(tmp_path: Path, cohort: Cohort) -> None:
    """A 15-digit old ID is stored as its 18-digit form with birth date and gender derived."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(身份证号="430621850315123", 性别="男")]), cohort)
    assert outcome.ok, outcome.errors
    record = db.session.execute(select(RegistryRecord).where(RegistryRecord.cohort_id == cohort.id)).scalar_one()
    assert record.id_number == "43062119850315123" + check_digit("43062119850315123")
    assert (record.birth_date, record.gender) == (dt.date(1985, 3, 15), "1")


def test_impossible_dates_are_row_errors(tmp_path: Path, cohort: Cohort) -> None:
    """Feb 29 in a non-leap year fails, in a date cell and inside an ID number alike."""
    body = "43062120030229123"
    outcome = run(make_book(tmp_path / "a.xlsx", [row(入学日期="2023-02-29"), row(身份证号=body + check_digit(body)),
                                                    row(入学日期="2024-02-29", 毕业日期="2028-06-30")]), cohort)
    assert [e.row for e in outcome.errors] == [2, 3]
    assert "入学日期" in errors_of(outcome, 2)[0] and "2003-02-29" in errors_of(outcome, 3)[0]


def test_dates_as_excel_dates_or_text(tmp_path: Path, cohort: Cohort) -> None:
    """Dates typed as Excel dates, 2022/9/1, 20220901 or 2022年9月1日 are all read."""
    rows = [row(入学日期=dt.datetime(2022, 9, 1)), row(入学日期="2022/9/1"), row(入学日期="20220901"),
            row(入学日期="2022年9月1日")]
    assert run(make_book(tmp_path / "a.xlsx", rows), cohort).ok
    dates = set(db.session.execute(select(RegistryRecord.enrolment_date).where(RegistryRecord.cohort_id == cohort.id))
                .scalars())
    assert dates == {dt.date(2022, 9, 1)}


def test_gender_and_birth_date_must_agree_with_the_id(tmp_path: Path, cohort: Cohort) -> None:
    """性别 and 出生日期, when given, must match what the ID number says."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(性别="女"), row(出生日期=dt.date(2004, 3, 16)),
                                                    row(出生日期="2004-03-15", 性别="男")]), cohort)
    assert [e.row for e in outcome.errors] == [2, 3]
    assert "男" in errors_of(outcome, 2)[0] and "2004-03-15" in errors_of(outcome, 3)[0]


def test_origin_and_coded_fields(tmp_path: Path, cohort: Cohort) -> None:
    """A recognisable but wrong 生源地 carries the suggestion; coded fields accept labels and refuse others."""
    outcome = run(make_book(tmp_path / "a.xlsx", [
        row(生源地="湖南省岳阳市岳阳县"), row(生源地="北京市密云县"), row(民族="火星族"), row(学历="博士后"),
        row(政治面貌="团员", 学制="四年", 培养方式="委托培养", 定向或委培单位="岳阳市教育局"),
    ]), cohort)
    assert [e.row for e in outcome.errors] == [2, 3, 4, 5]
    assert "湖南省岳阳县" in errors_of(outcome, 2)[0] and "北京市密云区" in errors_of(outcome, 3)[0]
    assert "民族" in errors_of(outcome, 4)[0] and "学历" in errors_of(outcome, 5)[0]


def test_training_unit_only_for_directed_or_entrusted(tmp_path: Path, cohort: Cohort) -> None:
    """定向或委培单位 with 非定向 is refused; with 定向 it is stored."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(定向或委培单位="某公司"),
                                                    row(培养方式="定向", 定向或委培单位="岳阳市教育局")]), cohort)
    assert [e.row for e in outcome.errors] == [2]
    assert errors_of(outcome, 2)[0].startswith("定向或委培单位:")


def test_duplicates_are_reported_on_every_row(tmp_path: Path, cohort: Cohort) -> None:
    """The same 身份证号 (any case of x, or its 15-digit form) or 学号 twice: every involved row is flagged."""
    first = row(身份证号="430621850315123")
    same_person = row(身份证号="43062119850315123" + check_digit("43062119850315123"))
    same_no = row(学号=first["学号"])
    outcome = run(make_book(tmp_path / "a.xlsx", [first, row(), same_person, same_no]), cohort)
    assert sorted({e.row for e in outcome.errors}) == [2, 4, 5]
    assert any("4" in m and "身份证号" in m for m in errors_of(outcome, 2))
    assert any("5" in m and "学号" in m for m in errors_of(outcome, 2))


def test_exclusion_rules(tmp_path: Path, cohort: Cohort) -> None:
    """是否上报=否 needs a reason, a reason needs 否; 否 with a reason is stored on registry and roster."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(是否上报="否"), row(不上报原因="旁听生"),
                                                    row(是否上报="否", 不上报原因="火星")]), cohort)
    assert [e.row for e in outcome.errors] == [2, 3, 4]
    assert all(e.column_header == "不上报原因" for e in outcome.errors)
    ok = run(make_book(tmp_path / "b.xlsx", [row(是否上报="否", 不上报原因="旁听生"),
                                            row(是否上报="否", 不上报原因="外籍生源学生")]), cohort)
    assert ok.ok, ok.errors
    stored = set(db.session.execute(select(Graduate.included, Graduate.exclusion_reason)
                                    .where(Graduate.cohort_id == cohort.id)).all())
    assert stored == {(False, "no_status"), (False, "foreign")}


def test_unknown_department_or_major_say_what_to_add(tmp_path: Path, cohort: Cohort) -> None:
    """Unknown 院系代码 / 院系名称 / 专业代码 are row errors pointing to the organisation screens."""
    outcome = run(make_book(tmp_path / "a.xlsx", [
        row(院系代码="999", 院系名称=None), row(院系代码=None, 院系名称="不存在学院"), row(专业代码="050201"),
        row(院系代码="102"), row(院系代码=None, 院系名称=None),
    ]), cohort)
    assert [e.row for e in outcome.errors] == [2, 3, 4, 5, 6]
    assert "组织机构" in errors_of(outcome, 2)[0] and "组织机构" in errors_of(outcome, 3)[0]
    assert "050201" in errors_of(outcome, 4)[0] and "经济管理学院" in errors_of(outcome, 5)[0]


def test_missing_columns_and_extra_reordered_ones(tmp_path: Path, cohort: Cohort) -> None:
    """A missing required column rejects the file; extra and reordered columns are matched by header."""
    missing = run(make_book(tmp_path / "a.xlsx", [row()], headers=[h for h in HEADERS if h != "身份证号"]), cohort)
    assert not missing.ok and "身份证号" in missing.file_errors[0]
    no_dept = run(make_book(tmp_path / "b.xlsx", [row()], headers=[h for h in HEADERS if not h.startswith("院系")]),
                  cohort)
    assert "院系代码" in no_dept.file_errors[0]
    shuffled = ["备注", *reversed(HEADERS), "辅导员"]
    assert run(make_book(tmp_path / "c.xlsx", [{**row(), "备注": "x", "辅导员": "y"}], headers=shuffled), cohort).ok


def test_absent_optional_column_leaves_field_alone(tmp_path: Path, cohort: Cohort) -> None:
    """Re-importing without the 民族 column keeps the stored 民族 and counts the row unchanged."""
    first = row(民族="壮族")
    assert run(make_book(tmp_path / "a.xlsx", [first]), cohort).ok
    again = run(make_book(tmp_path / "b.xlsx", [first], headers=[h for h in HEADERS if h != "民族"]), cohort)
    assert (again.ok, again.unchanged) == (True, 1)
    assert db.session.execute(select(RegistryRecord.ethnicity).where(RegistryRecord.cohort_id == cohort.id)
                              ).scalar_one() == "08"


def test_extra_sheets(tmp_path: Path, cohort: Cohort) -> None:
    """A sheet named 学籍 wins over an earlier one; a hidden first sheet is skipped."""
    notes = [("说明", [["本文件由教务处导出"], ["请勿修改"]])]
    named = make_book(tmp_path / "a.xlsx", [row()], sheets=notes, title="2026届学籍")
    assert run(named, cohort).ok
    hidden = make_book(tmp_path / "b.xlsx", [row()], sheets=notes, title="Sheet2", hidden_first=True)
    assert run(hidden, cohort).ok
    assert count(RegistryRecord, cohort) == 2


def test_formula_without_cached_value(tmp_path: Path, cohort: Cohort) -> None:
    """A formula saved by a program (no cached value) is a cell error asking to paste values."""
    outcome = run(make_book(tmp_path / "a.xlsx", [row(姓名="=CONCAT(\"张\",\"三\")")]), cohort)
    assert not outcome.ok and "公式" in errors_of(outcome, 2)[0]


def test_id_matching_one_record_and_student_number_another(tmp_path: Path, cohort: Cohort) -> None:
    """A row whose ID belongs to one record and student number to another is refused, nothing written."""
    a, b = row(), row()
    assert run(make_book(tmp_path / "a.xlsx", [a, b]), cohort).ok
    crossed = run(make_book(tmp_path / "b.xlsx", [{**a, "学号": b["学号"]}, row()]), cohort)
    assert not crossed.ok and crossed.errors[0].row == 2 and count(RegistryRecord, cohort) == 2


def test_started_forms_keep_their_values(tmp_path: Path, cohort: Cohort) -> None:
    """A bound or submitted graduate keeps form values; placement (inclusion) still follows the registry."""
    first = row()
    assert run(make_book(tmp_path / "a.xlsx", [first]), cohort).ok
    graduate = db.session.execute(select(Graduate).where(Graduate.cohort_id == cohort.id)).scalar_one()
    graduate.bound_at = dt.datetime(2026, 1, 1)
    db.session.commit()
    changed = {**first, "姓名": "张叁", "是否上报": "否", "不上报原因": "已确定不能正常毕业"}
    assert run(make_book(tmp_path / "b.xlsx", [changed]), cohort).updated == 1
    db.session.refresh(graduate)
    assert (graduate.name, graduate.included, graduate.exclusion_reason) == ("张三", False, "not_graduating")


def test_caches_checks_per_distinct_value(tmp_path: Path, cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    """生源地 is checked once per distinct value, however many rows repeat it."""
    from app.services import registry_rules

    calls: list[str] = []
    real = registry_rules.check_origin
    monkeypatch.setattr(registry_rules, "check_origin", lambda v: calls.append(v) or real(v))
    rows = [row(生源地="湖南省岳阳县") for _ in range(5)] + [row(生源地="北京市海淀区") for _ in range(5)]
    assert run(make_book(tmp_path / "a.xlsx", rows), cohort).ok
    assert sorted(calls) == ["北京市海淀区", "湖南省岳阳县"]


def test_bulk_insert_keeps_punctuation(tmp_path: Path, cohort: Cohort) -> None:
    """Commas, quotes and backslashes survive the bulk insert (COPY on PostgreSQL) byte for byte."""
    unit = '岳阳市"教育局",人事科\\N'
    outcome = run(make_book(tmp_path / "a.xlsx", [row(姓名="阿依古丽·买买提", 培养方式="定向", 定向或委培单位=unit)]),
                  cohort)
    assert outcome.ok, outcome.errors
    stored = db.session.execute(select(Graduate.name, Graduate.training_unit, Graduate.version)
                                .where(Graduate.cohort_id == cohort.id)).one()
    assert tuple(stored) == ("阿依古丽·买买提", unit, 1)
