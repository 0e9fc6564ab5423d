"""家庭地址 four-part check: province and city/county from GB/T 2260 and consistent, all four parts required."""

from __future__ import annotations

import pytest

from app.validation import check_home_address


def test_seed_example_county_address_passes() -> None:
    """The seed's 湖南省 岳阳县 城关镇 致富街100号 passes (岳阳市 omitted)."""
    result = check_home_address("湖南省", "岳阳县", "城关镇", "致富街100号")
    assert result.ok and result.code == "430621"
    assert result.value == ("湖南省", "岳阳县", "城关镇", "致富街100号")


def test_urban_address_uses_city_then_district() -> None:
    """For a city district, part B is the city and the district goes in part C."""
    assert check_home_address("湖南省", "岳阳市", "岳阳楼区", "某路1号").ok
    result = check_home_address("湖南省", "岳阳楼区", "某街道", "某路1号")
    assert not result.ok and result.field == "city_or_county" and result.suggestion == "岳阳市"


def test_prefecture_plus_county_in_part_b_is_corrected() -> None:
    """岳阳市岳阳县 in part B is refused with 岳阳县 suggested."""
    result = check_home_address("湖南省", "岳阳市岳阳县", "城关镇", "致富街100号")
    assert not result.ok and result.suggestion == "岳阳县"


def test_province_short_names_are_normalised() -> None:
    """湖南 and 广西 are accepted and stored as the official names."""
    assert check_home_address("湖南", "岳阳县", "城关镇", "x").value[0] == "湖南省"
    assert check_home_address("广西", "南宁市", "青秀区", "x").value[0] == "广西壮族自治区"


def test_municipality_accepts_city_or_district() -> None:
    """In Beijing part B may be 北京市 or a district such as 海淀区."""
    assert check_home_address("北京市", "海淀区", "中关村街道", "x").ok
    assert check_home_address("北京市", "北京市", "海淀区", "x").ok


def test_part_b_must_belong_to_the_province() -> None:
    """A county of another province is refused and the right province is named."""
    result = check_home_address("湖北省", "岳阳县", "城关镇", "x")
    assert not result.ok and "湖南省" in (result.message or "")


def test_historical_part_b_gets_current_name() -> None:
    """密云县 in part B is refused with 密云区 suggested."""
    result = check_home_address("北京市", "密云县", "x", "y")
    assert not result.ok and result.suggestion == "密云区" and "2015" in (result.message or "")


def test_unknown_province_gets_suggestion() -> None:
    """A misspelt province is refused with the closest province."""
    result = check_home_address("湖难省", "岳阳县", "x", "y")
    assert not result.ok and result.field == "province" and result.suggestion == "湖南省"


@pytest.mark.parametrize(("parts", "field"), [
    (("", "岳阳县", "城关镇", "x"), "province"), (("湖南省", "", "城关镇", "x"), "city_or_county"),
    (("湖南省", "岳阳县", " ", "x"), "town"), (("湖南省", "岳阳县", "城关镇", None), "street"),
])
def test_all_four_parts_are_required(parts: tuple[str, str, str, str | None], field: str) -> None:
    """Each missing part is reported on its own field."""
    result = check_home_address(*parts)
    assert not result.ok and result.field == field
