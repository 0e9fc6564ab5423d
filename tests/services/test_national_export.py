"""EMP-3 / PLAN-2: the national export's 32 columns in the file's order from the JSON, a row's codes and names
against the fixture, the plan's rows, masking and scope per role, the audit row, and a bad definition refused."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.reference import Country
from app.services import national_format
from app.services.national_export import NationalFilter, national_rows, write_national
from tests.services import national_world
from tests.services.national_world import CREDIT, PREFIX, _user

# DOMAIN-DESTINATIONS "A destination record (current national export, 32 columns)", written out in order
NATIONAL_HEADERS = [
    "学号", "姓名", "性别", "生源地名称", "生源地代码", "民族", "政治面貌", "城乡生源", "学历层次", "专业名称",
    "专业方向", "专业代码", "入学年月", "毕业日期", "培养方式", "委培单位", "学习形式",
    "毕业去向类别代码", "毕业去向", "签约日期", "单位名称", "统一社会信用代码", "留学院校外文名称",
    "单位性质代码", "单位性质", "单位行业代码", "单位行业", "单位所在地代码", "单位所在地", "单位地址",
    "工作职位类别代码", "工作职位类别",
]
EVERYONE = {"张三", "李四", "王五", "赵六", "孙七"}  # the reported graduates of the world (周八 is not reported)
OF_COLLEGE = {"college_a": {"张三", "李四", "王五"}, "college_b": {"赵六", "孙七"}, "school": EVERYONE}

world = national_world.world


def rows_by_name(f: NationalFilter, username: str, set_key: str = "national") -> dict[str, dict[str, Any]]:
    headers = national_format.field_set(set_key).headers
    return {row[1]: dict(zip(headers, row)) for row in national_rows(f, _user(username), set_key)}


def test_the_32_headers_come_from_the_json_in_the_files_order(ctx: Any) -> None:
    with national_format.DATA_FILE.open(encoding="utf-8") as fh:
        doc = json.load(fh)
    national = next(s for s in doc["sets"] if s["key"] == "national")
    assert [c["header"] for c in national["columns"]] == NATIONAL_HEADERS
    assert national_format.field_set("national").headers == NATIONAL_HEADERS


def test_written_workbook_has_the_headers_and_the_rows(ctx: Any, world: Any) -> None:
    out = io.BytesIO()
    f = NationalFilter(plan=True, cohort_id=world.cohort_id)
    count = write_national(out, f, _user("school"), "national")
    out.seek(0)
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == NATIONAL_HEADERS
    assert count == len(rows) - 1 == len(EVERYONE)
    assert {r[1] for r in rows[1:]} == EVERYONE


def test_a_rows_codes_and_names_match_the_fixture(ctx: Any, world: Any) -> None:
    row = rows_by_name(NationalFilter(plan=True, cohort_id=world.cohort_id), "school")["张三"]
    expected = {
        "学号": f"{PREFIX}20930001", "性别": "女", "生源地名称": "湖南省岳阳县", "生源地代码": "430621", "民族": "汉族",
        "政治面貌": "共青团员", "学历层次": "本科", "入学年月": "208909", "毕业日期": "20930630", "培养方式": "非定向",
        "毕业去向类别代码": "10", "毕业去向": "签就业协议形式就业", "签约日期": "2093-05-10",
        "单位名称": f"{PREFIX}岳阳甲科技有限公司", "统一社会信用代码": CREDIT, "单位性质代码": "31",
        "单位性质": "国有企业", "单位行业代码": "34", "单位行业": "信息传输、软件和信息技术服务业",
        "单位所在地代码": "430602", "单位所在地": "湖南省岳阳市岳阳楼区", "单位地址": "岳阳市岳阳楼区巴陵中路1号",
        "工作职位类别代码": "13", "工作职位类别": "工程技术人员",
        "城乡生源": None, "专业方向": None, "学习形式": None, "留学院校外文名称": None, "委培单位": None,
    }
    assert {k: row[k] for k in expected} == expected


def test_study_abroad_names_the_school_and_the_country(ctx: Any, world: Any) -> None:
    row = rows_by_name(NationalFilter(plan=True, cohort_id=world.cohort_id), "school")["赵六"]
    country = db.session.execute(select(Country.name).where(Country.code == "GB")).scalar_one()
    assert (row["毕业去向类别代码"], row["单位名称"], row["留学院校外文名称"]) == ("85", "牛津大学", "University of Oxford")
    assert (row["单位所在地代码"], row["单位所在地"]) == ("GB", country)
    assert row["统一社会信用代码"] is None and row["单位性质代码"] is None


def test_the_plan_holds_approved_destinations_unless_asked_for_every_state(ctx: Any, world: Any) -> None:
    approved = rows_by_name(NationalFilter(plan=True, cohort_id=world.cohort_id), "school")
    assert set(approved) == EVERYONE
    assert approved["李四"]["毕业去向类别代码"] is None  # under college review: not in the plan yet
    assert approved["王五"]["毕业去向类别代码"] is None
    every = rows_by_name(NationalFilter(plan=True, cohort_id=world.cohort_id, approved_only=False), "school")
    assert (every["李四"]["毕业去向类别代码"], every["李四"]["毕业去向"]) == ("46", "应征义务兵")


@pytest.mark.parametrize("username", sorted(OF_COLLEGE))
def test_scope_per_role(ctx: Any, world: Any, username: str) -> None:
    plan = rows_by_name(NationalFilter(plan=True, cohort_id=world.cohort_id), username)
    assert set(plan) == OF_COLLEGE[username]
    destinations = rows_by_name(NationalFilter(cohort_id=world.cohort_id), username)
    assert set(destinations) == OF_COLLEGE[username] - {"王五"}  # 王五 has no destination row


def test_a_student_sees_nothing_of_others(ctx: Any, world: Any) -> None:
    student = db.session.execute(select(type(_user("school"))).where(
        type(_user("school")).username.like("2022101%"))).scalars().first()
    assert list(national_rows(NationalFilter(plan=True, cohort_id=world.cohort_id), student)) == []


def test_selected_destinations_only(ctx: Any, world: Any) -> None:
    f = NationalFilter(destination_ids=[world.destinations["b1"], world.destinations["a1"]])
    assert set(rows_by_name(f, "school")) == {"赵六", "张三"}
    assert set(rows_by_name(f, "college_b")) == {"赵六"}  # a selection never widens the scope


@pytest.mark.parametrize("username, full", [("school", True), ("college_a", False)])
def test_school_fields_are_masked_without_the_full_view_permission(ctx: Any, world: Any, username: str,
                                                                   full: bool) -> None:
    row = rows_by_name(NationalFilter(cohort_id=world.cohort_id), username, "school")["张三"]
    if full:
        assert (row["身份证号"], row["联系电话"], row["单位联系电话"]) == ("430621200305171234", "13812345678",
                                                                "13900001111")
    else:
        assert (row["身份证号"], row["联系电话"], row["单位联系电话"]) == ("430621********1234", "138****5678",
                                                                "139****1111")
    assert row["院系"] and row["单位联系人"] == "李经理" and row["审核状态"]


def test_the_export_is_audited_with_what_and_how_much(ctx: Any, world: Any) -> None:
    before = db.session.execute(select(AuditLog.seq).order_by(AuditLog.seq.desc())).scalars().first() or 0
    count = write_national(io.BytesIO(), NationalFilter(cohort_id=world.cohort_id), _user("college_a"), "school")
    entry = db.session.execute(select(AuditLog).where(AuditLog.seq > before,
                                                      AuditLog.action == "export.national")).scalar_one()
    detail = json.loads(entry.detail)
    assert (detail["rows"], detail["set"], detail["masked"]) == (count, "school", True) and count == 2
    assert entry.target_type == "destination" and detail["filter"] == {"cohort": world.cohort_id}


def test_the_national_set_has_no_masked_column_and_school_set_masks_ids(ctx: Any) -> None:
    national = national_format.field_set("national")
    assert not [c for c in national.columns if c.mask]
    school = {c.header: c.mask for c in national_format.field_set("school").columns}
    assert school["身份证号"] == "id" and school["联系电话"] == "phone"


def test_a_bad_definition_names_the_column(tmp_path: Any) -> None:
    bad = {"sets": [{"key": "national", "label": "x", "columns": [
        {"header": "学号", "field": "student_no"}, {"header": "去向", "field": "no_such_field"}]}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="column 2: unknown field 'no_such_field'"):
        national_format.load(path)


def test_formula_and_control_characters_are_made_inert() -> None:
    assert national_format.safe_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert national_format.safe_text("岳阳\x07公司") == "岳阳公司"
    assert national_format.safe_text("岳阳公司") == "岳阳公司"
