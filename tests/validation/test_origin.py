"""生源地 canonical forms per the seed rules, and the corrections suggested for every common variant."""

from __future__ import annotations

import pytest

from app.validation import canonical_origin, check_origin, origin_options


@pytest.mark.parametrize(("text", "code"), [
    ("湖南省岳阳市岳阳楼区", "430602"),  # city district: province + city + district
    ("湖南省岳阳县", "430621"),  # county: province + county, no prefecture
    ("湖南省汨罗市", "430681"),  # county-level city under a prefecture: same as a county
    ("北京市海淀区", "110108"),  # municipality + district
    ("重庆市城口县", "500229"),  # municipality + county
    ("内蒙古呼和浩特市新城区", "150102"),  # autonomous region by short name
    ("广西南宁市青秀区", "450103"),
    ("广西阳朔县", "450321"),
    ("新疆伊宁市", "654002"),
    ("西藏拉萨市城关区", "540102"),
    ("宁夏银川市兴庆区", "640104"),
    ("吉林省延吉市", "222401"),  # county-level city under an autonomous prefecture
    ("河南省济源市", "419001"),  # county-level unit directly under the province
    ("广东省东莞市", "441900"),  # prefecture-level city without districts
    ("香港特别行政区", "810000"),
])
def test_canonical_origins_pass(text: str, code: str) -> None:
    """Correctly written origins pass with their GB/T 2260 code."""
    result = check_origin(text)
    assert result.ok, result.message
    assert result.value == text and result.code == code
    assert canonical_origin(code) == text


def test_prefecture_before_county_is_corrected() -> None:
    """湖南省岳阳市岳阳县 is refused with the seed's correction 湖南省岳阳县."""
    result = check_origin("湖南省岳阳市岳阳县")
    assert not result.ok and result.suggestion == "湖南省岳阳县" and result.code == "430621"
    assert "不可写为" in (result.message or "")


def test_historical_county_names_give_successor_and_year() -> None:
    """北京市密云县 (the seed's own example) became 北京市密云区 in 2015: suggestion plus the year."""
    result = check_origin("北京市密云县")
    assert not result.ok and result.suggestion == "北京市密云区" and result.code == "110118"
    assert "2015" in (result.message or "")
    assert check_origin("上海市崇明县").suggestion == "上海市崇明区"
    assert "2016" in (check_origin("上海市崇明县").message or "")
    assert check_origin("北京市延庆县").suggestion == "北京市延庆区"


def test_historical_prefecture_name_is_corrected() -> None:
    """A renamed prefecture (襄樊市 -> 襄阳市, 2010) is corrected with the current text."""
    result = check_origin("湖北省襄樊市樊城区")
    assert not result.ok and result.suggestion == "湖北省襄阳市樊城区" and "2010" in (result.message or "")


def test_full_autonomous_region_names_become_short() -> None:
    """广西壮族自治区… / 内蒙古自治区… are refused in favour of 广西… / 内蒙古…."""
    result = check_origin("广西壮族自治区南宁市青秀区")
    assert not result.ok and result.suggestion == "广西南宁市青秀区" and "简称" in (result.message or "")
    assert check_origin("内蒙古自治区呼和浩特市新城区").suggestion == "内蒙古呼和浩特市新城区"
    assert check_origin("新疆维吾尔自治区伊宁市").suggestion == "新疆伊宁市"


def test_missing_province_is_added() -> None:
    """A unique county or district written without its province gets the full form."""
    assert check_origin("岳阳县").suggestion == "湖南省岳阳县"
    assert check_origin("岳阳市岳阳楼区").suggestion == "湖南省岳阳市岳阳楼区"


def test_district_without_city_is_completed() -> None:
    """A city district needs its city: 湖南省岳阳楼区 -> 湖南省岳阳市岳阳楼区."""
    result = check_origin("湖南省岳阳楼区")
    assert not result.ok and result.suggestion == "湖南省岳阳市岳阳楼区"


def test_county_under_wrong_prefecture_is_corrected() -> None:
    """A county written under a prefecture it does not belong to is refused with the right form."""
    result = check_origin("湖南省长沙市岳阳县")
    assert not result.ok and result.suggestion == "湖南省岳阳县" and "不属于" in (result.message or "")


def test_typo_gets_did_you_mean() -> None:
    """A close typo gets a did-you-mean suggestion via difflib."""
    result = check_origin("湖南省岳阳具")
    assert not result.ok and result.suggestion == "湖南省岳阳县" and "是否" in (result.message or "")


def test_ambiguous_district_lists_candidates() -> None:
    """朝阳区 exists in Beijing and Changchun: both are listed, none is guessed."""
    result = check_origin("朝阳区")
    assert not result.ok and result.suggestion is None
    assert "北京市朝阳区" in (result.message or "") and "吉林省长春市朝阳区" in (result.message or "")


@pytest.mark.parametrize("text", ["湖南省", "湖南省岳阳市", "吉林省吉林市"])
def test_too_coarse_origins_are_refused(text: str) -> None:
    """A province or a city with districts is not specific enough."""
    result = check_origin(text)
    assert not result.ok and "具体到" in (result.message or "")


def test_unknown_and_empty_are_refused() -> None:
    """Nonsense and empty input get a message with examples."""
    assert not check_origin("abc").ok
    assert "湖南省岳阳县" in (check_origin("").message or "")


def test_whitespace_and_full_width_are_ignored() -> None:
    """Spaces between parts do not matter."""
    assert check_origin(" 湖南省　岳阳县 ").ok


def test_origin_options_are_unique_and_round_trip() -> None:
    """Every option is a distinct text that validates to its own code."""
    options = origin_options()
    texts = [t for _c, t in options]
    assert len(texts) == len(set(texts)) > 2800
    for code, text in options[::50]:
        assert check_origin(text).code == code
