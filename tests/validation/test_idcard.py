"""GB 11643 ID checks: format, check digit, birth date, 15-digit upgrade, derived data, masking."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.validation import check_id_number, mask_id, upgrade_15
from app.validation.idcard import check_digit
from app.validation.regions import COUNTY, divisions

TODAY = date(2025, 6, 1)


def make_id(region: str, born: date, sequence: int) -> str:
    """A valid 18-digit ID for the given parts."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def test_standard_example_is_valid_and_derives_birth_and_gender() -> None:
    """The GB 11643 sample number passes and yields its birth date and gender (even = 女)."""
    result = check_id_number("11010519491231002X", today=TODAY)
    assert result.ok and result.value == "11010519491231002X"
    assert result.birth_date == date(1949, 12, 31)
    assert result.gender == "2"
    assert result.code == "110105"
    assert result.warnings == ()


def test_odd_sequence_digit_is_male() -> None:
    """An odd 17th digit means 男 (gender code 1)."""
    assert check_id_number(make_id("430621", date(2003, 5, 17), 123), today=TODAY).gender == "1"


def test_lower_case_x_is_accepted_and_upper_cased() -> None:
    """A lower-case check character x is normalised to X."""
    result = check_id_number("11010519491231002x", today=TODAY)
    assert result.ok and result.value.endswith("X")


def test_full_width_digits_and_spaces_are_normalised() -> None:
    """Full-width digits, a full-width X and spaces (including ideographic ones) are accepted."""
    result = check_id_number("１１０１０５　１９４９１２３１ ００２Ｘ", today=TODAY)
    assert result.ok and result.value == "11010519491231002X"


def test_wrong_check_digit_names_the_expected_one() -> None:
    """A wrong last character is refused and the message gives the computed check digit."""
    result = check_id_number("110105194912310021", today=TODAY)
    assert not result.ok
    assert "X" in (result.message or "") and "1" in (result.message or "")


def test_fifteen_digit_id_is_upgraded_with_suggestion() -> None:
    """A 15-digit ID is valid, upgraded to 18 digits (century 19 + check digit) and offered as a suggestion."""
    result = check_id_number("110105491231002", today=TODAY)
    assert result.ok
    assert result.value == result.suggestion == "11010519491231002X"
    assert result.birth_date == date(1949, 12, 31)
    assert result.warnings and "11010519491231002X" in result.warnings[0]
    assert upgrade_15("110105491231002") == "11010519491231002X"


def test_fifteen_digit_id_with_bad_date_is_refused() -> None:
    """An upgraded 15-digit ID still needs a real date (19 + 990230 is not one)."""
    assert not check_id_number("430621990230123", today=TODAY).ok


def test_feb_29_in_leap_year_2000_is_valid() -> None:
    """2000-02-29 exists (2000 is a leap year)."""
    result = check_id_number(make_id("430621", date(2000, 2, 29), 42), today=TODAY)
    assert result.ok and result.birth_date == date(2000, 2, 29)


def test_feb_29_in_2001_is_refused() -> None:
    """2001-02-29 does not exist, even with a correct check digit."""
    first17 = "43062120010229123"
    result = check_id_number(first17 + check_digit(first17), today=TODAY)
    assert not result.ok and "2001-02-29" in (result.message or "")


def test_feb_30_is_refused() -> None:
    """February 30 is never a date."""
    first17 = "43062120040230123"
    assert not check_id_number(first17 + check_digit(first17), today=TODAY).ok


def test_future_birth_date_is_refused() -> None:
    """A birth date after today is refused."""
    result = check_id_number(make_id("430621", TODAY + timedelta(days=1), 1), today=TODAY)
    assert not result.ok and "晚于今天" in (result.message or "")


def test_birth_before_1900_is_refused() -> None:
    """Birth years before 1900 are refused."""
    assert not check_id_number(make_id("430621", date(1899, 12, 31), 1), today=TODAY).ok


def test_unknown_region_prefix_is_only_a_warning() -> None:
    """An unknown 6-digit region prefix passes with a warning, not an error."""
    result = check_id_number(make_id("990101", date(2001, 1, 1), 5), today=TODAY)
    assert result.ok and result.warnings and "990101" in result.warnings[0]


def test_historical_region_prefix_has_no_warning() -> None:
    """A prefix that only existed historically (密云县 110228) is known: no warning."""
    result = check_id_number(make_id("110228", date(1990, 3, 3), 7), today=TODAY)
    assert result.ok and result.warnings == ()


def test_wrong_lengths_and_characters_are_refused() -> None:
    """Empty, 17-digit, 19-digit and letter-containing values are refused with messages."""
    for bad in ("", "11010519491231002", "11010519491231002X1", "1101051949123100AX", "11010549123100A"):
        result = check_id_number(bad, today=TODAY)
        assert not result.ok and result.message


def test_mask_id_shows_first_six_and_last_four() -> None:
    """mask_id keeps 6 + 4 characters and masks the birth date and sequence."""
    assert mask_id("43062120000229123X") == "430621********123X"
    assert mask_id("110105491231002") == "110105*****1002"
    assert mask_id("12345") == "*****"


_COUNTIES = sorted(r.code for r in divisions().by_code.values() if r.level == COUNTY)


@settings(max_examples=200, deadline=None, database=None)
@given(region=st.sampled_from(_COUNTIES), born=st.dates(date(1900, 1, 1), TODAY), sequence=st.integers(0, 999))
def test_any_generated_valid_id_validates_and_masks(region: str, born: date, sequence: int) -> None:
    """Property: a real date + current region + sequence + computed check digit always validates and masks 6+8*+4."""
    number = make_id(region, born, sequence)
    result = check_id_number(number, today=TODAY)
    assert result.ok and result.warnings == ()
    assert result.birth_date == born
    assert result.gender == ("1" if sequence % 2 else "2")
    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", mask_id(number))
