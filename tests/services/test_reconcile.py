"""EMP-5: a hand-built national file (title row, messy headers) against the fixture — every kind of difference
counted and listed per graduate, filter by kind, export with Chinese headers, CSV alike, bad files refused in Chinese."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models.org import Cohort
from app.models.reconcile import ReconcileRun
from app.services import reconcile
from app.services.reconcile import ReconcileRefused
from tests.services import national_world
from tests.services.national_world import CREDIT, PREFIX, _user

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADER = [" 学 号 ", "姓名", "毕业去向类别代码*", "毕业去向", "单位名称", "统一社会信用代码", "备注"]

world = national_world.world


def national_rows(world: Any) -> list[list[Any]]:
    no = world.student_no
    return [
        # same employer written with spaces and full-width letters; a different credit code
        [no["张三"], "张三", "10", "签就业协议形式就业", " ＮＸ岳阳甲科技有限公司", "91110000600037341L", ""],
        [no["李四"], "李四", 11, "签劳动合同形式就业", "某某公司", "", ""],  # code and employer differ
        [no["王五"], "王五", "70", "待就业", "", "", ""],  # GEMS has no destination for 王五
        [no["赵六"], "赵六", "85", "境外留学", "牛津大学", "", ""],  # the same as GEMS
        [f"{PREFIX}20939999", "陌生人", "10", "", "别的单位", "", ""],  # not a graduate of GEMS
        # 孙七 is missing from the national file
    ]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER, title: bool = True) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["2093届毕业生毕业去向导出"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cohort(world: Any) -> Cohort:
    return db.session.get(Cohort, world.cohort_id)


def expected(world: Any) -> dict[tuple[str, str], tuple[Any, Any]]:
    no = world.student_no
    return {
        ("credit_code", no["张三"]): ("91110000600037341L", CREDIT),
        ("code", no["李四"]): ("11", "46"),
        ("employer", no["李四"]): ("某某公司", None),
        ("code", no["王五"]): ("70", None),
        ("only_national", f"{PREFIX}20939999"): ("10", None),
        ("only_gems", no["孙七"]): (None, "801"),
    }


def listed(run_id: int, kind: Any = None) -> dict[tuple[str, str], tuple[Any, Any]]:
    rows, total = reconcile.differences(run_id, kind)
    assert total == len(rows)
    return {(d.kind, d.student_no): (d.national_value, d.gems_value) for d in rows}


def test_every_kind_of_difference_is_found_and_counted(ctx: Any, world: Any) -> None:
    record = reconcile.run(io.BytesIO(xlsx(national_rows(world))), "全国导出.xlsx", cohort(world), _user("school"))
    assert listed(record.id) == expected(world)
    assert record.counts == {"only_national": 1, "only_gems": 1, "code": 2, "employer": 1, "credit_code": 1}
    assert (record.national_rows, record.gems_rows) == (5, 5)
    assert listed(record.id, "code") == {k: v for k, v in expected(world).items() if k[0] == "code"}


def test_csv_in_gbk_gives_the_same_differences(ctx: Any, world: Any) -> None:
    lines = [",".join(HEADER)] + [",".join(str(c) for c in row) for row in national_rows(world)]
    record = reconcile.run(io.BytesIO("\r\n".join(lines).encode("gbk")), "导出.csv", cohort(world), _user("school"))
    assert listed(record.id) == expected(world)


def test_export_has_chinese_headers_and_every_difference(ctx: Any, world: Any) -> None:
    record = reconcile.run(io.BytesIO(xlsx(national_rows(world))), "全国导出.xlsx", cohort(world), _user("school"))
    out = io.BytesIO()
    assert reconcile.write_differences(out, record, None) == 6
    out.seek(0)
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert all(CJK.search(h) or h == "GEMS" for h in rows[0]) and len(rows) == 7
    assert {r[1] for r in rows[1:]} == {k[1] for k in expected(world)}
    out = io.BytesIO()
    assert reconcile.write_differences(out, record, "only_gems") == 1


def test_a_college_user_sees_no_run(ctx: Any, world: Any) -> None:
    record = reconcile.run(io.BytesIO(xlsx(national_rows(world))), "全国导出.xlsx", cohort(world), _user("school"))
    assert reconcile.visible_run(record.id, _user("college_a")) is None
    assert reconcile.visible_run(record.id, _user("school")) is not None


def refusal(world: Any, data: bytes, filename: str = "全国.xlsx") -> list[str]:
    before = db.session.execute(select(func.count()).select_from(ReconcileRun)).scalar_one()
    with pytest.raises(ReconcileRefused) as caught:
        reconcile.run(io.BytesIO(data), filename, cohort(world), _user("school"))
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(ReconcileRun)).scalar_one() == before
    assert all(CJK.search(m) for m in caught.value.messages), caught.value.messages
    return caught.value.messages


def test_bad_files_are_refused_in_chinese(ctx: Any, world: Any) -> None:
    no_student_no = refusal(world, xlsx([["张三", "10"]], header=["姓名", "毕业去向类别代码"]))
    assert "学号" in no_student_no[0] and "缺少" in no_student_no[0]
    no_code = refusal(world, xlsx([["NX1", "张三"]], header=["学号", "姓名"]))
    assert "毕业去向类别代码" in no_code[0]
    assert "不是有效的" in refusal(world, b"not a spreadsheet at all")[0]
    assert "xlsx" in refusal(world, b"%PDF-1.4", "export.pdf")[0]
    assert "没有" in refusal(world, xlsx([], title=False))[0]
    rows = national_rows(world)
    duplicate = refusal(world, xlsx(rows + [rows[0]]))
    assert world.student_no["张三"] in duplicate[0] and "重复" in duplicate[0]
    unknown = refusal(world, xlsx([[world.student_no["张三"], "张三", "", "火星就业"]],
                                  header=["学号", "姓名", "毕业去向类别代码", "毕业去向"]))
    assert "火星就业" in unknown[0]


def test_a_destination_name_without_its_code_is_understood(ctx: Any, world: Any) -> None:
    no = world.student_no
    data = xlsx([[no["赵六"], "境外留学", "牛津大学"]], header=["学号", "毕业去向", "单位名称"], title=False)
    record = reconcile.run(io.BytesIO(data), "名称.xlsx", cohort(world), _user("school"))
    assert not [k for k in listed(record.id) if k[1] == no["赵六"]]
