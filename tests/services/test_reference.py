"""The code tables: seeded completely and idempotently, read only through the lookup helpers, and a row still used
elsewhere is found through the schema's foreign keys. Expected values are written out from DOMAIN-DESTINATIONS.md."""
from __future__ import annotations

from typing import Any

import pycountry
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.employer import APPROVED, Employer
from app.models.reference import Country, DestinationCode, EmployerNature, Industry, JobCategory, RejectionReason
from app.services import reference
from app.services.reference_seed import seed_reference_data

# DOMAIN-DESTINATIONS.md "Destination codes": code -> (placed?, group in the current caliber)
DOMAIN_STEMS = {
    "10": (True, "employed"), "11": (True, "employed"), "12": (True, "employed"), "27": (True, "employed"),
    "46": (True, "employed"), "50": (True, "employed"), "51": (True, "employed"), "75": (True, "venture"),
    "76": (True, "freelance"), "80": (True, "study"), "85": (True, "study"), "70": (False, "unplaced"),
    "71": (False, "unplaced"), "72": (False, "unplaced"),
}
DOMAIN_SUB_CODES = {"271": "27", "502": "50", "503": "50", "512": "51", "519": "51", "801": "80", "802": "80"}
# "Which fields a code needs"
DOMAIN_FORM_KINDS = {"10": "employer", "11": "employer", "12": "employer", "27": "host_unit", "50": "host_unit",
                     "51": "host_unit", "46": "none", "75": "venture", "76": "freelance", "80": "domestic_study",
                     "85": "foreign_study"}
# The 2021 caliber (协议和合同就业 / 创业 / 灵活就业 / 升学) as the report states the chosen mapping.
MAPPING_2021 = {"10": "contract", "11": "contract", "27": "contract", "46": "contract", "50": "contract",
                "51": "contract", "12": "flexible", "76": "flexible", "75": "venture", "80": "study", "85": "study",
                "70": "unplaced", "71": "unplaced", "72": "unplaced"}


def _codes(model: Any) -> dict[str, Any]:
    return {row.code: row for row in db.session.execute(select(model)).scalars()}


def test_destination_stems_and_sub_codes_are_seeded(ctx: Any) -> None:
    rows = _codes(DestinationCode)
    stems = {code: row for code, row in rows.items() if row.parent_id is None}
    assert set(DOMAIN_STEMS) <= set(stems)
    for code, (placed, group) in DOMAIN_STEMS.items():
        assert (stems[code].placed, stems[code].rate_group) == (placed, group), code
    for code, stem in DOMAIN_SUB_CODES.items():
        assert rows[code].parent_id == rows[stem].id, code
        assert (rows[code].placed, rows[code].rate_group) == DOMAIN_STEMS[stem], code


def test_lookup_helpers_read_the_table(ctx: Any) -> None:
    expected_placed = {c for c, (placed, _) in DOMAIN_STEMS.items() if placed}
    stems = set(DOMAIN_STEMS)
    assert reference.placed_codes() & stems == expected_placed
    assert reference.placed_codes() >= set(DOMAIN_SUB_CODES)  # every seeded sub-code hangs off a placed stem
    assert not reference.placed_codes() & {"70", "71", "72"}
    for code, (placed, group) in DOMAIN_STEMS.items():
        assert reference.is_placed(code) is placed
        assert reference.group_of(code) == group
        assert reference.group_of(code, "2021") == MAPPING_2021[code]
    for code, kind in DOMAIN_FORM_KINDS.items():
        assert reference.form_kind(code) == kind
    for code, stem in DOMAIN_SUB_CODES.items():
        assert reference.stem_of(code) == stem
        assert reference.form_kind(code) == reference.form_kind(stem)
    assert reference.evidence_needed("12") == ("hiring_proof",)
    assert reference.evidence_needed("76") == ("signed_statement",)
    assert reference.evidence_needed("75") == ("shop_proof",)
    assert reference.evidence_needed("10") == ()
    assert reference.group_of("99") is None and reference.form_kind(None) is None


def test_an_edit_reaches_the_helpers_at_once_and_a_rollback_undoes_it(ctx: Any) -> None:
    assert reference.is_placed("76")
    row = db.session.execute(select(DestinationCode).where(DestinationCode.code == "76")).scalar_one()
    row.placed = False
    db.session.flush()
    assert not reference.is_placed("76")  # the editing transaction sees its own edit
    db.session.rollback()
    assert reference.is_placed("76")  # and nothing uncommitted was left in the cache


def test_code_lists_are_seeded(ctx: Any) -> None:
    natures = _codes(EmployerNature)
    assert len(natures) >= 13 and natures["31"].name == "国有企业" and natures["99"].name == "其他"
    industries = _codes(Industry)
    assert len(industries) >= 21 and industries["34"].name == "信息传输、软件和信息技术服务业"
    assert industries["80"].name == "军队"
    jobs = _codes(JobCategory)
    assert len(jobs) >= 18 and jobs["13"].name == "工程技术人员" and jobs["90"].name == "其他人员"
    reasons = {row.name: row.needs_text for row in _codes(RejectionReason).values()}
    assert reasons == {"信息属实": False, "证明材料不充分": False, "个人信息有错误": False, "材料不规范": False,
                       "材料不齐全": False, "其他": True}


def test_countries_come_from_iso_3166_with_chinese_names(ctx: Any) -> None:
    countries = _codes(Country)
    assert len(countries) == len(pycountry.countries) >= 249
    assert (countries["US"].name, countries["JP"].name, countries["GB"].name) == ("美国", "日本", "英国")
    assert (countries["DE"].alpha_3, countries["DE"].numeric) == ("DEU", "276")
    assert countries["HK"].name == "中国香港" and countries["HK"].active
    assert not countries["CN"].active  # 境外留学 never goes to China itself


def test_seeding_is_idempotent_and_keeps_the_admins_edits(ctx: Any) -> None:
    before = {model: db.session.execute(select(func.count()).select_from(model)).scalar_one()
              for model in (DestinationCode, EmployerNature, Industry, JobCategory, RejectionReason, Country)}
    row = db.session.execute(select(JobCategory).where(JobCategory.code == "90")).scalar_one()
    row.name, row.active = "其他从业人员", False
    db.session.flush()
    added = seed_reference_data()
    assert set(added.values()) == {0}
    after = {model: db.session.execute(select(func.count()).select_from(model)).scalar_one() for model in before}
    assert after == before
    db.session.refresh(row)
    assert (row.name, row.active) == ("其他从业人员", False)


def test_choices_offer_active_rows_and_the_current_one(ctx: Any) -> None:
    nature = db.session.execute(select(EmployerNature).where(EmployerNature.code == "55")).scalar_one()
    nature.active = False
    db.session.flush()
    assert nature not in reference.choices(EmployerNature)
    assert nature in reference.choices(EmployerNature, current=nature.id)
    offered = [row.code for row in reference.choices(EmployerNature)]
    assert offered[:3] == ["10", "20", "21"]  # the file's order


def test_usages_follow_every_foreign_key(ctx: Any) -> None:
    nature = db.session.execute(select(EmployerNature).where(EmployerNature.code == "32")).scalar_one()
    assert reference.usages(nature) == []
    db.session.add_all([Employer(name="用途测试甲", nature=nature, status=APPROVED),
                        Employer(name="用途测试乙", nature=nature, status=APPROVED)])
    db.session.flush()
    (usage,) = reference.usages(nature)
    assert (usage.table, usage.column, usage.count) == ("employer", "nature_id", 2)
    with pytest.raises(reference.InUseError, match="用人单位（单位性质）"):
        reference.refuse_delete_if_used(nature)
    stem = db.session.execute(select(DestinationCode).where(DestinationCode.code == "80")).scalar_one()
    assert [(u.table, u.column, u.count) for u in reference.usages(stem)] == [("destination_code", "parent_id", 2)]


@pytest.mark.parametrize(("code", "full", "city"), [
    ("430602", "湖南省岳阳市岳阳楼区", "岳阳市"),
    ("430621", "湖南省岳阳市岳阳县", "岳阳市"),
    ("110101", "北京市东城区", "北京市"),
    ("430600", "湖南省岳阳市", "岳阳市"),
    ("810000", "香港特别行政区", "香港特别行政区"),
])
def test_divisions_by_code(ctx: Any, code: str, full: str, city: str) -> None:
    check = reference.check_division(code)
    assert check.ok and check.value == code and check.code == full
    assert reference.division_full_name(code) == full and reference.division_city(code) == city


@pytest.mark.parametrize(("value", "fragment"), [
    ("", "6"), ("43060", "6"), ("43060x", "6"), ("430000", "湖南省"), ("999999", "999999"), ("110103", "110101"),
])
def test_bad_division_codes_are_refused(ctx: Any, value: str, fragment: str) -> None:
    check = reference.check_division(value)
    assert not check.ok and fragment in check.message
    if value == "110103":  # 崇文区, merged into 东城区 in 2010
        assert check.suggestion == "110101"
