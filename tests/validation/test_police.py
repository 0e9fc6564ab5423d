"""入学前户口所在地派出所: must name a specific station, never a 公安局 or a bare city/county-level name."""

from __future__ import annotations

import pytest

from app.validation import check_police_station

SPECIFIC = [
    "湖南省岳阳市三眼桥派出所",
    "湖南省岳阳市公安局三眼桥派出所",
    "岳阳市公安局岳阳楼分局三眼桥派出所",
    "广州市白云区新市派出所",
    "湖南省岳阳县城关派出所",
    "湖南省岳阳市开发区派出所",
    " 湖南省 岳阳市 三眼桥 派出所 ",
]


@pytest.mark.parametrize("name", SPECIFIC)
def test_specific_stations_pass(name: str) -> None:
    """Specific stations pass, including one written under its full bureau and one called 新市."""
    result = check_police_station(name)
    assert result.ok, result.message
    assert result.warnings == ()


def test_seed_example_city_level_station_is_refused() -> None:
    """The seed's example 湖南省岳阳市派出所 is refused, pointing to 湖南省岳阳市三眼桥派出所."""
    result = check_police_station("湖南省岳阳市派出所")
    assert not result.ok and "湖南省岳阳市三眼桥派出所" in (result.message or "")


@pytest.mark.parametrize("name", ["岳阳县派出所", "湖南省岳阳市岳阳楼区派出所", "湖南岳阳派出所", "北京市密云县派出所",
                                  "湖南省公安局岳阳市派出所", "派出所"])
def test_bare_division_level_stations_are_refused(name: str) -> None:
    """A station named only by divisions (city, county, district, even historical) is not specific."""
    assert not check_police_station(name).ok


@pytest.mark.parametrize("name", ["湖南省岳阳市公安局", "岳阳市公安局派出所", "岳阳楼公安分局"])
def test_public_security_bureaus_are_refused(name: str) -> None:
    """公安局 itself (or a “bureau station” with no own name) is refused with the 公安局 message."""
    result = check_police_station(name)
    assert not result.ok and "公安局" in (result.message or "")


def test_missing_station_word_is_refused() -> None:
    """The word 派出所 may not be omitted."""
    result = check_police_station("湖南省岳阳市三眼桥")
    assert not result.ok and "派出所" in (result.message or "")


def test_trailing_text_after_station_gets_a_suggestion() -> None:
    """Text after 派出所 is refused with the name cut at 派出所 as suggestion."""
    result = check_police_station("湖南省岳阳市三眼桥派出所户籍室")
    assert not result.ok and result.suggestion == "湖南省岳阳市三眼桥派出所"


def test_station_without_origin_prefix_passes_with_warning() -> None:
    """A station without the 生源地 in front passes but warns to add it."""
    result = check_police_station("三眼桥派出所")
    assert result.ok and result.warnings


def test_empty_is_refused() -> None:
    """The field is required."""
    assert not check_police_station("  ").ok
