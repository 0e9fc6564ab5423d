"""AGR-5: the verified-unit register — imported whole or not at all (row errors listed, hostile files refused), and
every employer checked against it: match (same code and name), differs (say which), absent; many in one query."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from openpyxl import Workbook
from sqlalchemy import event, func, select

from app.extensions import db
from app.models.employer import Employer, EmployerRegisterEntry
from app.services import employer_register as reg
from app.validation.creditcode import check_char
from tests.excel.helpers import rewrite_zip

DTD = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


def code(n: int, prefix: str = "91430199EPR") -> str:
    """A valid credit code of this test file (GB 32100 check character computed)."""
    body = f"{prefix}{n:06d}"
    return body + check_char(body)


@pytest.fixture()
def register(app: Any) -> Iterator[None]:
    """The register as the demo left it comes back after the test (each import replaces the whole register)."""
    table = EmployerRegisterEntry.__table__
    with app.app_context():
        saved = [dict(row._mapping) for row in db.session.execute(table.select())]
    with app.test_request_context():
        yield
        db.session.rollback()
        db.session.execute(table.delete())
        if saved:
            db.session.execute(table.insert(), saved)
        db.session.commit()


def xlsx(rows: list[list[Any]], headers: tuple[str, ...] = ("单位名称", "统一社会信用代码", "状态")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def entries() -> list[tuple[str, str, str, str]]:
    return [tuple(r) for r in db.session.execute(select(
        EmployerRegisterEntry.name, EmployerRegisterEntry.credit_code, EmployerRegisterEntry.status,
        EmployerRegisterEntry.batch).order_by(EmployerRegisterEntry.name))]


def test_a_good_file_replaces_the_register_under_its_batch_name(register: None) -> None:
    db.session.add(EmployerRegisterEntry(name="旧名录单位", credit_code=code(99), batch="old"))
    db.session.flush()
    count = reg.import_register(xlsx([["湖南甲公司", code(1).lower(), "存续"], [" 湖南乙公司 ", code(2), None]]),
                                "名录.xlsx", "2026年5月")
    db.session.commit()
    assert count == 2
    assert entries() == [("湖南乙公司", code(2), None, "2026年5月"), ("湖南甲公司", code(1), "存续", "2026年5月")]


def test_the_batch_name_defaults_to_the_file_name_and_date(register: None) -> None:
    reg.import_register(xlsx([["湖南甲公司", code(1), "存续"]]), "省市场监管局名录.xlsx")
    (batch,) = {row[3] for row in entries()}
    assert batch.startswith("省市场监管局名录 20") and len(batch) <= reg.BATCH_LENGTH


def test_bad_rows_are_listed_and_nothing_is_written(register: None) -> None:
    before = entries()
    wrong = code(3)[:-1] + ("0" if code(3)[-1] != "0" else "1")
    with pytest.raises(reg.RegisterRefused) as refused:
        reg.import_register(xlsx([["湖南甲公司", code(1), "存续"], ["湖南乙公司", wrong, "存续"],
                                  [None, code(4), "存续"], ["湖南丁公司", code(1), "注销"]]), "名录.xlsx")
    db.session.rollback()
    problems = {row: message for row, _column, message in refused.value.rows}
    assert set(problems) == {3, 4, 5}, refused.value.rows
    assert "校验位" in problems[3]
    assert "必填" in problems[4]
    assert code(1) in problems[5] and "2" in problems[5]  # the repeated code names the first row
    assert entries() == before


def test_a_missing_column_is_a_file_error(register: None) -> None:
    with pytest.raises(reg.RegisterRefused) as refused:
        reg.import_register(xlsx([["湖南甲公司", "存续"]], headers=("单位名称", "状态")), "名录.xlsx")
    assert "统一社会信用代码" in refused.value.messages[0] and not refused.value.rows


@pytest.mark.parametrize(("name", "content"), [
    ("名录.csv", "单位名称,统一社会信用代码\n湖南甲公司,X\n".encode()),
    ("名录.xlsx", "单位名称,统一社会信用代码\n湖南甲公司,X\n".encode()),  # text renamed to .xlsx
    ("名录.xlsx", b""),
    ("名录.xlsx", b"PK\x03\x04 not really a zip"),
])
def test_files_that_are_not_workbooks_are_refused(register: None, name: str, content: bytes) -> None:
    before = entries()
    with pytest.raises(reg.RegisterRefused) as refused:
        reg.import_register(io.BytesIO(content), name)
    assert refused.value.messages and all(refused.value.messages)
    db.session.rollback()
    assert entries() == before


def test_a_workbook_declaring_entities_is_refused(register: None, tmp_path: Path) -> None:
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(xlsx([["湖南甲公司", code(1), "存续"]]).getvalue())
    hostile = rewrite_zip(plain, tmp_path / "hostile.xlsx",
                          lambda part, data: DTD + data if part == "xl/worksheets/sheet1.xml" else data)
    before = entries()
    with pytest.raises(reg.RegisterRefused) as refused:
        reg.import_register(io.BytesIO(hostile.read_bytes()), "hostile.xlsx")
    assert "DTD" in refused.value.messages[0]
    assert entries() == before


# -- the identity check -----------------------------------------------------------------------------------------


@pytest.fixture()
def units(register: None) -> None:
    """A register of three units; the employers below are compared with it."""
    reg.import_register(xlsx([["湖南星河电子有限公司", code(11), "存续"], ["长沙麓山软件（集团）有限公司", code(12), "注销"],
                              ["岳阳洞庭物流有限公司", code(13), "存续"]]), "名录.xlsx", "测试名录")
    db.session.flush()


def _e(name: str, credit: str | None, pk: int = 0) -> Employer:
    return Employer(id=pk or None, name=name, credit_code=credit)


def test_same_code_and_same_name_match(units: None) -> None:
    assert reg.identity_of(_e("湖南星河电子有限公司", code(11))) == reg.MATCH
    # half-width brackets and stray spaces are the same name; the register's status is told
    detail = reg.identity_detail(_e("长沙麓山软件 (集团) 有限公司", code(12)))
    assert detail.outcome == reg.MATCH and detail.entry_status == "注销"
    assert "注销" in reg.identity_label(detail)


def test_same_code_other_name_differs_in_the_name(units: None) -> None:
    detail = reg.identity_detail(_e("湖南星河电子科技有限公司", code(11)))
    assert (detail.outcome, detail.differs_in, detail.entry_name) == (reg.DIFFERS, reg.NAME, "湖南星河电子有限公司")
    assert "湖南星河电子有限公司" in reg.identity_label(detail) and "名称" in reg.identity_label(detail)


def test_same_name_other_or_no_code_differs_in_the_code(units: None) -> None:
    for credit in (code(21), None):
        detail = reg.identity_detail(_e("岳阳洞庭物流有限公司", credit))
        assert (detail.outcome, detail.differs_in, detail.entry_code) == (reg.DIFFERS, reg.CODE, code(13))
        assert code(13) in reg.identity_label(detail) and "代码" in reg.identity_label(detail)


def test_neither_is_absent(units: None) -> None:
    assert reg.identity_of(_e("湖南不存在有限公司", code(31))) == reg.ABSENT
    assert reg.identity_of(_e("湖南不存在有限公司", None)) == reg.ABSENT
    assert reg.identity_label(reg.ABSENT) == "不在核验名录"


def test_many_employers_are_checked_in_one_query(app: Any, units: None) -> None:
    employers = [_e("湖南星河电子有限公司", code(11), 1), _e("湖南星河电子科技有限公司", code(11), 2),
                 _e("岳阳洞庭物流有限公司", code(21), 3), _e("无名单位", None, 4)]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        got = reg.identities_of(employers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert {k: v.outcome for k, v in got.items()} == {1: reg.MATCH, 2: reg.DIFFERS, 3: reg.DIFFERS, 4: reg.ABSENT}
    assert len([s for s in statements if "employer_register_entry" in s]) == 1, statements


def test_the_demo_register_shows_all_three_outcomes(ctx: Any) -> None:
    from app.services.demo_employers import APPROVED_DEMO, PENDING_DEMO, credit_code

    names = [row[3] for row in APPROVED_DEMO] + [PENDING_DEMO[1]]
    demo = db.session.execute(select(Employer).where(Employer.name.in_(names))).scalars().all()
    assert len(demo) == 3 and all(check_char(e.credit_code[:17]) == e.credit_code[17] for e in demo)
    outcome = {e.name: reg.identity_of(e) for e in demo}
    assert outcome == {"湖南星辰科技有限公司": reg.MATCH, "长沙岳麓智造有限公司": reg.DIFFERS, "岳阳南湖新材料有限公司": reg.ABSENT}
    assert credit_code(APPROVED_DEMO[0][2]) == next(e.credit_code for e in demo if e.name == "湖南星辰科技有限公司")
    assert db.session.execute(select(func.count()).select_from(EmployerRegisterEntry)).scalar_one() >= 2
