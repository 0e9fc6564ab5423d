"""GB 32100 unified social credit codes: charset, length and the mod-31 check character."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.validation import check_credit_code
from app.validation.creditcode import CHARSET, check_char


def test_known_valid_codes_pass() -> None:
    """Codes whose check characters verify by computation (e.g. the often-cited 91350100M000100Y43) pass."""
    for code in ("91350100M000100Y43", "91110000600037341L", "91440300708461136T"):
        result = check_credit_code(code)
        assert result.ok, result.message
        assert result.value == code


def test_lower_case_and_spaces_are_normalised() -> None:
    """Lower-case letters, spaces and full-width characters are normalised before checking."""
    assert check_credit_code(" 91350100m000100y43 ").value == "91350100M000100Y43"
    assert check_credit_code("９１３５０１００Ｍ０００１００Ｙ４３").ok


def test_wrong_check_character_names_the_expected_one() -> None:
    """A wrong 18th character is refused and the message gives the computed one."""
    result = check_credit_code("91350100M000100Y4X")
    assert not result.ok and "3" in (result.message or "") and "X" in (result.message or "")


def test_excluded_letters_are_refused_with_position() -> None:
    """I, O, Z, S, V are not in the charset; the message names the position and character."""
    for char in "IOZSV":
        code = "91350100M000100" + char + "43"
        result = check_credit_code(code)
        assert not result.ok and "第16位" in (result.message or "") and char in (result.message or "")


def test_letter_o_for_zero_gets_a_suggestion() -> None:
    """An O typed for 0 is refused with the corrected code as suggestion when that code is valid."""
    result = check_credit_code("9135O100M000100Y43")
    assert not result.ok and result.suggestion == "91350100M000100Y43"


def test_wrong_length_is_refused() -> None:
    """Codes that are not 18 characters are refused with the actual length."""
    result = check_credit_code("91350100M000100Y4")
    assert not result.ok and "17" in (result.message or "")
    assert not check_credit_code("").ok


@settings(max_examples=200, deadline=None, database=None)
@given(body=st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_any_code_with_computed_check_character_is_valid(body: str) -> None:
    """Property: 17 charset characters + computed check char pass; any other last char fails."""
    good = body + check_char(body)
    assert check_credit_code(good).ok
    wrong = next(c for c in CHARSET if c != good[-1])
    assert not check_credit_code(body + wrong).ok
