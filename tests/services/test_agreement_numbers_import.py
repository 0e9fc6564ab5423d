"""AGR-1 import of numbers from .xlsx: good rows stored as unused imported numbers (audited); any bad row — shape,
cohort, level, a repeat in the file or in GEMS — refuses the whole file with every reason; hostile files refused."""
from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import AgreementNumber
from app.models.audit import AuditLog
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import NumbersRefused
from tests.excel.helpers import zip_bytes
from tests.workflows.test_number_world import YEAR, cohort, nctx, numbers_of_cohort, pool

__all__ = ["nctx"]


def xlsx(rows: list[list[Any]], header: tuple[str, ...] = ("协议书编号", "届别", "学历")) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def tag() -> str:
    return f"NBI{uuid.uuid4().hex[:6].upper()}"


def test_good_rows_are_stored_unused_with_their_cohort_and_level(nctx: Any) -> None:
    cohort()
    t = tag()
    rows = numbers.read_import(xlsx([[f"{t}1", f"{YEAR}届", "本科"], [f"{t}2", str(YEAR), "11"],
                                     [f"{t}3", f"{YEAR}届", None]]), "编号.xlsx")
    before = db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "agreement_number.imported")).scalar_one()
    batch = numbers.import_numbers(rows, "编号.xlsx")
    db.session.commit()
    stored = db.session.execute(select(AgreementNumber.number, AgreementNumber.education_level, AgreementNumber.state,
                                       AgreementNumber.source, AgreementNumber.cohort_id)
                                .where(AgreementNumber.batch == batch).order_by(AgreementNumber.number)).all()
    assert stored == [(f"{t}1", "31", "unused", "imported", cohort().id), (f"{t}2", "11", "unused", "imported",
                                                                           cohort().id),
                      (f"{t}3", None, "unused", "imported", cohort().id)]
    assert db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "agreement_number.imported")).scalar_one() == before + 1


def test_numbers_typed_as_numbers_in_excel_are_read_as_text(nctx: Any) -> None:
    cohort()
    rows = numbers.read_import(xlsx([[207299000001, YEAR, None]]), "a.xlsx")
    assert rows[0]["number"] == "207299000001" and rows[0]["cohort_id"] == cohort().id


def test_every_bad_row_is_reported_and_nothing_is_read(nctx: Any) -> None:
    cohort()
    t = tag()
    existing = pool(1)[0]
    bad = xlsx([[f"{t}1", f"{YEAR}届", "本科"],  # fine on its own
                [f"{t}号2", f"{YEAR}届", None],  # not a digit or a Latin letter
                [f"{t}3", "1999届", None],  # no such cohort
                [f"{t}4", f"{YEAR}届", "博士后"],  # no such level
                [None, f"{YEAR}届", None],  # no number
                [f"{t}1", f"{YEAR}届", None],  # repeats row 2
                [existing, f"{YEAR}届", None]])  # in GEMS already
    with pytest.raises(NumbersRefused) as refused:
        numbers.read_import(bad, "bad.xlsx")
    text = "\n".join(refused.value.messages)
    for words in ("第 3 行：编号", "第 4 行：届别“1999届”", "第 5 行：“博士后”", "第 6 行，协议书编号：此项为必填项",
                  "第 7 行，协议书编号：与第 2 行重复", f"第 8 行：编号 {existing} 在系统中已存在"):
        assert words in text, (words, text)
    assert [m[:5] for m in refused.value.messages] == ["第 2 行", "第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行",
                                                      "第 8 行"]
    assert numbers_of_cohort() == 1  # only the pool() number: nothing of the file


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"not a workbook at all", "numbers.xlsx", "不是有效的 .xlsx"),
    (b"", "numbers.xlsx", "文件为空"),
    (zip_bytes({"[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Types/>'}),
     "numbers.xlsx", "DTD"),
    (b"\x00" * 10, "numbers.csv", ".xlsx"),
])
def test_hostile_or_wrong_files_are_refused(nctx: Any, content: bytes, name: str, words: str) -> None:
    with pytest.raises(NumbersRefused) as refused:
        numbers.read_import(io.BytesIO(content), name)
    assert refused.value.messages and words in " ".join(refused.value.messages)


def test_a_file_without_the_number_column_or_rows_is_refused(nctx: Any) -> None:
    with pytest.raises(NumbersRefused, match="协议书编号"):
        numbers.read_import(xlsx([["x", "y"]], header=("编码", "届别")), "a.xlsx")
    with pytest.raises(NumbersRefused, match="没有需要导入的数据行"):
        numbers.read_import(xlsx([]), "a.xlsx")


def test_the_template_has_the_chinese_headers_and_reads_back(nctx: Any) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(numbers.import_template()))
    assert [c.value for c in wb.worksheets[0][1]] == ["协议书编号", "届别", "学历"]
    with pytest.raises(NumbersRefused, match="没有需要导入的数据行"):  # the example lives on the guide sheet only
        numbers.read_import(io.BytesIO(numbers.import_template()), "模板.xlsx")
