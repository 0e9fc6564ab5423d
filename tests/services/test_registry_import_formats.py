"""Registry import of .xls/CSV, conflicts needing a decision, the corrected workbook, the row cap before parsing,
the (cohort, ID number) key and two imports into one cohort (issue 9)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.excel import reader as reader_module
from app.extensions import db
from app.models.graduate import Graduate
from app.models.registry import ImportJob, RegistryRecord
from app.services.import_jobs import import_file
from app.services.registry_import import import_registry
from app.timeutil import utcnow
from tests.excel.formats_helpers import REGISTRY_XLS, csv_bytes
from tests.services.test_registry_import import HEADERS, create_cohort, drop_cohort, make_book, row


@pytest.fixture()
def cohort(ctx: Any) -> Iterator[Any]:
    """A fresh cohort for one test, removed with everything imported into it."""
    created = create_cohort()
    yield created
    drop_cohort(created.id)


def graduates(cohort: Any) -> dict[str, Graduate]:
    """The cohort's graduates by student number."""
    found = db.session.execute(select(Graduate).where(Graduate.cohort_id == cohort.id)).scalars()
    return {g.student_no: g for g in found}


def test_genuine_xls_imports(cohort: Any) -> None:
    """The LibreOffice .xls fixture imports its two rows into registry and roster."""
    outcome = import_registry(REGISTRY_XLS, cohort)
    assert outcome.ok, (outcome.file_errors, outcome.listed_errors(5))
    assert outcome.added == 2 and outcome.graduates_added == 2
    assert graduates(cohort)["209900000001"].id_number == "43062120040315011X"
    assert graduates(cohort)["209900000002"].origin == "湖南省岳阳市岳阳楼区"


def test_gbk_csv_imports_and_refuses_excel_scientific_ids(tmp_path: Path, cohort: Any) -> None:
    """A GBK CSV imports; the same file with an ID Excel wrote as 4.30621E+17 is refused with the text rule."""
    good, bad = row(), row(身份证号="4.30621E+17")
    cells = [[("" if good[h] is None else (good[h].isoformat() if isinstance(good[h], dt.date) else good[h]))
              for h in HEADERS]]
    path = tmp_path / "学籍.csv"
    path.write_bytes(csv_bytes([HEADERS, *cells], "gbk"))
    outcome = import_registry(path, cohort)
    assert outcome.ok, (outcome.file_errors, outcome.listed_errors(5))
    assert graduates(cohort)[good["学号"]].name == "张三"
    bad_cells = [[("" if bad[h] is None else (bad[h].isoformat() if isinstance(bad[h], dt.date) else bad[h]))
                  for h in HEADERS]]
    path.write_bytes(csv_bytes([HEADERS, *bad_cells], "gbk"))
    outcome = import_registry(path, cohort)
    assert not outcome.ok and [e.column_header for e in outcome.errors] == ["身份证号"]
    assert "设置为“文本”格式" in outcome.errors[0].message


def test_id_of_another_graduate_is_a_conflict_not_an_update(tmp_path: Path, cohort: Any) -> None:
    """Same ID, other student number and name: an error row naming the existing graduate; nothing rewritten."""
    first = row(姓名="王芳")
    assert import_registry(make_book(tmp_path / "a.xlsx", [first]), cohort).ok
    clash = row(身份证号=first["身份证号"], 姓名="李强")
    outcome = import_registry(make_book(tmp_path / "b.xlsx", [clash]), cohort)
    assert not outcome.ok and len(outcome.errors) == 1
    message = outcome.errors[0].message
    assert "王芳" in message and first["学号"] in message and outcome.errors[0].row == 2
    db.session.expire_all()
    roster = graduates(cohort)
    assert set(roster) == {first["学号"]} and roster[first["学号"]].name == "王芳"
    record = db.session.execute(select(RegistryRecord).where(RegistryRecord.cohort_id == cohort.id)).scalar_one()
    assert (record.student_no, record.name) == (first["学号"], "王芳")


def test_same_person_new_student_number_still_updates(tmp_path: Path, cohort: Any) -> None:
    """Only a different name AND student number is a conflict: a corrected student number is an update."""
    first = row(姓名="王芳")
    assert import_registry(make_book(tmp_path / "a.xlsx", [first]), cohort).ok
    outcome = import_registry(make_book(tmp_path / "b.xlsx", [row(身份证号=first["身份证号"], 姓名="王芳")]), cohort)
    assert outcome.ok and outcome.updated == 1


def test_fixable_file_gets_a_corrected_workbook(tmp_path: Path, cohort: Any) -> None:
    """Only errors with one clear fix: the whole file comes back corrected, each fix filled and noted."""
    rows = [row(), row(生源地="湖南省岳阳市岳阳县"), row(生源地="山东省莱芜市莱城区")]
    corrected = tmp_path / "corrected.xlsx"
    outcome = import_registry(make_book(tmp_path / "a.xlsx", rows), cohort, corrected_path=corrected)
    assert not outcome.ok and outcome.corrected_written and outcome.fixable == 2
    ws = openpyxl.load_workbook(corrected).active
    headers = [c.value for c in ws[1]]
    col = headers.index("生源地")
    origins = [r[col] for r in ws.iter_rows(min_row=2)]
    assert [c.value for c in origins] == ["湖南省岳阳县", "湖南省岳阳县", "山东省济南市莱芜区"]
    assert origins[0].comment is None and origins[0].fill.fgColor.rgb != "00FFF2CC"
    assert origins[1].fill.fgColor.rgb == "00FFF2CC" and "湖南省岳阳市岳阳县" in origins[1].comment.text
    assert "山东省莱芜市莱城区" in origins[2].comment.text
    id_col = headers.index("身份证号")
    assert [r[id_col].value for r in ws.iter_rows(min_row=2)] == [r["身份证号"] for r in rows]
    again = import_registry(corrected, cohort)
    assert again.ok and again.added == 3


def test_no_corrected_workbook_when_an_error_has_no_fix(tmp_path: Path, cohort: Any) -> None:
    """One error without a clear fix (a bad ID) means no corrected workbook."""
    corrected = tmp_path / "corrected.xlsx"
    rows = [row(生源地="湖南省岳阳市岳阳县"), row(身份证号="430621200403150000")]
    outcome = import_registry(make_book(tmp_path / "a.xlsx", rows), cohort, corrected_path=corrected)
    assert not outcome.ok and not outcome.corrected_written and not corrected.exists()


def test_row_cap_refused_before_any_row_is_read(tmp_path: Path, cohort: Any, app: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Over GEMS_REGISTRY_MAX_ROWS by the sheet's declared size: refused without reading a row."""
    path = make_book(tmp_path / "a.xlsx", [row() for _ in range(6)])

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a row was read")

    monkeypatch.setitem(app.config, "GEMS_REGISTRY_MAX_ROWS", 5)
    monkeypatch.setattr(reader_module, "_iter_raw_rows", fail)
    outcome = import_registry(path, cohort)
    assert outcome.file_errors and "超过上限" in outcome.file_errors[0]


def test_cohort_id_number_is_unique_in_the_database(tmp_path: Path, cohort: Any) -> None:
    """The new key: a second graduate with the same ID number in one cohort is refused by the database."""
    assert import_registry(make_book(tmp_path / "a.xlsx", [first := row()]), cohort).ok
    existing = graduates(cohort)[first["学号"]]
    db.session.add(Graduate(student_no="99990001", cohort_id=cohort.id, department_id=existing.department_id,
                            name="李四", id_number=existing.id_number, gender="1", education_level=existing
                            .education_level, status="draft", version=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_import_answers_a_roster_id_clash_with_a_message(tmp_path: Path, cohort: Any) -> None:
    """A roster graduate without a registry record (a supplementary report) holds the ID: a row error."""
    first = row()
    assert import_registry(make_book(tmp_path / "a.xlsx", [first]), cohort).ok
    existing = graduates(cohort)[first["学号"]]
    existing.registry_record_id = None
    db.session.execute(RegistryRecord.__table__.delete().where(RegistryRecord.cohort_id == cohort.id))
    db.session.commit()
    outcome = import_registry(make_book(tmp_path / "b.xlsx", [row(身份证号=first["身份证号"])]), cohort)
    assert not outcome.ok and len(outcome.errors) == 1 and first["学号"] in outcome.errors[0].message


def test_second_import_into_a_running_cohort_is_refused(tmp_path: Path, cohort: Any) -> None:
    """While another import of the cohort runs, a new one is refused with a clear message, nothing written."""
    running = ImportJob(kind="registry", cohort_id=cohort.id, filename="a.xlsx", state="running", phase="reading",
                        created_at=utcnow())
    db.session.add(running)
    db.session.commit()
    outcome, _report = import_file(make_book(tmp_path / "b.xlsx", [row()]), cohort.year, None)
    assert not outcome.ok and f"{running.id}" in outcome.file_errors[0]
    job = db.session.execute(select(ImportJob).where(ImportJob.cohort_id == cohort.id, ImportJob.id != running.id)
                             ).scalar_one()
    assert job.state == "rejected" and graduates(cohort) == {}
    running.state = "done"
    db.session.commit()
    outcome, _report = import_file(make_book(tmp_path / "c.xlsx", [row()]), cohort.year, None)
    assert outcome.ok
