"""Abolished prefectures, reused codes, traditional characters and invisible characters (issue 9, data quality).

Expected successors are the published changes (民政部 yearly change lists), not values read back from the data.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.validation import check_home_address, check_origin, check_police_station
from app.validation.regions import divisions
from app.validation.text import clean_text, to_simplified

DATA = Path(__file__).resolve().parents[2] / "app" / "data"


@pytest.mark.parametrize(("text", "suggestion", "code"), [
    ("山东省莱芜市莱城区", "山东省济南市莱芜区", "370116"),  # 2019: 莱城区 -> 济南市莱芜区
    ("山东省莱芜市钢城区", "山东省济南市钢城区", "370117"),  # 2019: 钢城区 -> 济南市钢城区
    ("湖南省邵东县", "湖南省邵东市", "430582"),  # 2019 撤县设市; 430321 is 湘潭县's since 1984
    ("湖南省邵阳市邵东县", "湖南省邵东市", "430582"),
    ("河北省栾城县", "河北省石家庄市栾城区", "130111"),  # 2014; 130123 is 正定县's
    ("湖北省枝城市", "湖北省宜都市", "420581"),  # 1998 更名; 420583 is 枝江市's
])
def test_successor_is_the_real_one(text: str, suggestion: str | None, code: str | None) -> None:
    """A historical name suggests its real successor, never the unit that reused its code."""
    result = check_origin(text)
    assert not result.ok
    assert result.suggestion == suggestion
    if code:
        assert result.code == code
        assert "湘潭县" not in (result.message or "")


def test_split_prefecture_names_its_parts_without_guessing() -> None:
    """山东省莱芜市 was split (济南市莱芜区 and 钢城区): both named, no single suggestion, no empty list."""
    result = check_origin("山东省莱芜市")
    assert not result.ok and result.suggestion is None
    message = result.message or ""
    assert "2019" in message and "山东省济南市莱芜区" in message and "山东省济南市钢城区" in message
    assert "：。" not in message and not message.endswith("：")


def test_no_message_ends_in_an_empty_list() -> None:
    """Every historical name, with and without its province, gets a message with content after each colon."""
    d = divisions()
    for name, items in d.history_by_name.items():
        for old in items:
            province = d.get(old.code[:2] + "0000")
            for text in (name, (province.name if province else "") + name):
                message = check_origin(text).message or ""
                assert "：。" not in message and "、。" not in message and not message.endswith("："), text


def test_curated_table_facts_reach_the_data() -> None:
    """Each row of app/data/successors.csv is what regions.json says (the generator applied the table)."""
    with (DATA / "successors.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert len(rows) >= 25 and all(row["source"] for row in rows)
    d = divisions()
    for row in rows:
        (item,) = [h for h in d.historical(row["old_code"]) if h.name == row["old_name"]]
        assert (item.successor or "") == row["successor"]
        assert list(item.parts) == row["parts"].split()
        if row["year"]:
            assert item.year == int(row["year"])


@pytest.mark.parametrize(("text", "suggestion"), [
    ("湖南省嶽陽縣", "湖南省岳阳县"),
    ("湖南省嶽陽市嶽陽樓區", "湖南省岳阳市岳阳楼区"),
    ("廣西南寧市青秀區", "广西南宁市青秀区"),
    ("陝西省乾縣", "陕西省乾县"),  # 乾 stays 乾 (OpenCC alone turns a lone 乾 into 干)
])
def test_traditional_characters_get_the_simplified_form(text: str, suggestion: str) -> None:
    """Traditional input is refused with the simplified canonical form as the one-click fix."""
    result = check_origin(text)
    assert not result.ok and result.suggestion == suggestion
    assert check_origin(suggestion).ok


def test_simplified_names_are_never_converted() -> None:
    """Every current division name survives the traditional → simplified step unchanged (乾安县, 乾县 …)."""
    from app.validation.names import division_chars

    keep = division_chars()
    for name in divisions().by_name:
        assert to_simplified(name, keep) == name
    assert check_origin("吉林省乾安县").ok and check_origin("陕西省乾县").ok


def test_traditional_address_parts_are_corrected() -> None:
    """The home address's province and city/county parts get the same simplified fix."""
    result = check_home_address("湖南省", "嶽陽縣", "城关镇", "致富街100号")
    assert not result.ok and result.field == "city_or_county" and result.suggestion == "岳阳县"
    result = check_home_address("陝西省", "乾县", "城关镇", "致富街100号")
    assert result.field == "province" and result.suggestion == "陕西省"


@pytest.mark.parametrize("dirty", ["湖南省岳阳县\u200b", "\ufeff湖南省岳阳县", "湖南\u200d省岳阳县\u2060",
                                   "湖南省\u00a0岳阳县 ", "\u202a湖南省岳阳县\u202c", "湖南省岳阳县\x07"])
def test_invisible_characters_do_not_make_a_place_unknown(dirty: str) -> None:
    """A zero-width space, BOM, bidi mark or control character is dropped before any check."""
    result = check_origin(dirty)
    assert result.ok and result.value == "湖南省岳阳县" and result.code == "430621"
    assert check_police_station(dirty + "城关派出所").ok


def test_one_normaliser_for_forms_and_import() -> None:
    """The form path and the Excel path use the same function, with the same result."""
    from app.excel.text import normalize_text
    from app.services.source_form import typed_values

    dirty = "\ufeff湖南省\u200b岳阳县\u3000"
    assert clean_text(dirty) == normalize_text(dirty) == "湖南省岳阳县"

    class Graduate:
        id_number, student_no = "430621200001011234", "2022101001"

    assert typed_values({"origin": dirty}, Graduate())["origin"] == "湖南省岳阳县"
