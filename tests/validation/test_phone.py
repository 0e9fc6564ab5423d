"""Mobile and landline formats, and the rule that 联系电话 differs from 家庭电话."""

from __future__ import annotations

import pytest

from app.validation import (
    check_contact_and_home,
    check_home_phone,
    check_landline,
    check_mobile,
    mask_phone,
)


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "8613800138000", "0086-138-0013-8000",
                                 "１３８００１３８０００", "199 1234 5678"])
def test_mobile_variants_normalise_to_eleven_digits(raw: str) -> None:
    """Country prefixes, spaces, dashes and full-width digits are stripped from mobiles."""
    result = check_mobile(raw)
    assert result.ok and len(result.value) == 11 and result.value.startswith("1")


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "138001380001", "23800138000", "1380013800a", ""])
def test_invalid_mobiles_are_refused(raw: str) -> None:
    """Wrong length, a second digit below 3, letters and empty values are refused."""
    result = check_mobile(raw)
    assert not result.ok and result.message


@pytest.mark.parametrize(("raw", "expected"), [
    ("0730-8221234", "0730-8221234"), ("07308221234", "0730-8221234"), ("(0730)8221234", "0730-8221234"),
    ("010-62345678", "010-62345678"), ("021 6123 4567", "021-61234567"), ("0730-8221234-801", "0730-8221234-801"),
    ("0730-8221234转801", "0730-8221234-801"), ("+86 730 8221234", "0730-8221234"), ("0730-822-1234", "0730-8221234"),
])
def test_landlines_normalise_to_area_dash_number(raw: str, expected: str) -> None:
    """Landlines with 3- or 4-digit area codes and optional extensions normalise to area-number[-ext]."""
    result = check_landline(raw)
    assert result.ok and result.value == expected


@pytest.mark.parametrize("raw", ["8221234", "0730-822123", "0730-0221234", "0730-822123456", "0730-abc1234"])
def test_invalid_landlines_are_refused(raw: str) -> None:
    """No area code, too short/long, a local number starting 0/1, or letters are refused."""
    assert not check_landline(raw).ok


def test_home_phone_accepts_mobile_or_landline() -> None:
    """家庭电话 may be a parent's mobile or a landline, but not something else."""
    assert check_home_phone("13900139000").ok
    assert check_home_phone("0730-8221234").ok
    assert not check_home_phone("12345").ok
    assert not check_home_phone("").ok


def test_same_contact_and_home_phone_is_refused() -> None:
    """The two numbers may not be the same, compared after normalisation."""
    result = check_contact_and_home("13800138000", "+86 138-0013-8000")
    assert not result.ok and result.field == "home_phone" and "不能相同" in (result.message or "")


def test_different_contact_and_home_phone_pass() -> None:
    """A student mobile plus a parent's landline is fine."""
    result = check_contact_and_home("13800138000", "0730 8221234")
    assert result.ok and result.value == ("13800138000", "0730-8221234")


def test_contact_phone_must_be_a_mobile() -> None:
    """联系电话 is the binding mobile; a landline there is refused on the contact field."""
    result = check_contact_and_home("0730-8221234", "13800138000")
    assert not result.ok and result.field == "contact_phone"


def test_mask_phone() -> None:
    """Mobiles mask as 138****8000; landlines keep area code and last two digits."""
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 138 0013 8000") == "138****8000"
    assert mask_phone("0730-8221234") == "0730-*****34"
