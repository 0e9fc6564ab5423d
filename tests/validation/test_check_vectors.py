"""Check characters against external vectors only: published IDs and credit codes, never values the code computed.

ID numbers: the GB 11643-1999 examples (11010519491231002X, 440524188001010014, the 15-digit 110105491231002) and
two widely published sample numbers. Credit codes: the often-cited 91350100M000100Y43 and the published codes of
large companies (Huawei, Tencent, Alibaba, Xiaomi, Baidu). The `iso_7064_ok` / `gb_32100_ok` oracles below restate
the standards' verification equations (a different formulation from the app's table lookup) only to assert that
the vectors themselves are right.
"""
from __future__ import annotations

from datetime import date

import pytest

from app.validation import check_credit_code, check_id_number

TODAY = date(2025, 6, 1)
VALID_IDS = {  # number -> (birth date, gender code)
    "11010519491231002X": (date(1949, 12, 31), "2"),
    "110101199003074477": (date(1990, 3, 7), "1"),
    "110101199003070134": (date(1990, 3, 7), "1"),
}
VALID_CODES = (
    "91350100M000100Y43",
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",  # 百度在线网络技术（北京）有限公司
)
ID_CHARS = "0123456789X"
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def iso_7064_ok(number: str) -> bool:
    """ISO 7064 MOD 11-2 as the standard states it: sum of a_i * 2^(18-i) over all 18 characters ≡ 1 (mod 11)."""
    values = [10 if c == "X" else int(c) for c in number]
    return sum(a * 2 ** (17 - i) for i, a in enumerate(values)) % 11 == 1


def gb_32100_ok(code: str) -> bool:
    """GB 32100: (sum of C_i * 3^(i-1) mod 31 over the first 17) + C_18 ≡ 0 (mod 31)."""
    values = [CODE_CHARS.index(c) for c in code]
    return (sum(v * pow(3, i, 31) for i, v in enumerate(values[:17])) + values[17]) % 31 == 0


def test_the_vectors_themselves_are_right() -> None:
    """Guard against a typo in the table: every valid vector satisfies the standard's equation."""
    assert all(iso_7064_ok(n) for n in VALID_IDS) and iso_7064_ok("440524188001010014")
    assert all(gb_32100_ok(c) for c in VALID_CODES)


@pytest.mark.parametrize("number", sorted(VALID_IDS))
def test_published_ids_are_valid_with_their_birth_date_and_gender(number: str) -> None:
    """Each published number passes and yields the birth date and gender it encodes."""
    result = check_id_number(number, today=TODAY)
    assert result.ok, result.message
    assert (result.birth_date, result.gender) == VALID_IDS[number]


@pytest.mark.parametrize("number", sorted(VALID_IDS))
def test_every_other_final_character_is_refused(number: str) -> None:
    """Replacing the check character by any of the ten others — X included — is refused as a check-digit error."""
    for char in ID_CHARS.replace(number[-1], ""):
        result = check_id_number(number[:17] + char, today=TODAY)
        assert not result.ok, number[:17] + char
        assert "校验位" in (result.message or "") and number[-1] in result.message


@pytest.mark.parametrize("number", ["11010119900307447X", "11010119900307013X", "11010519491231001X"])
def test_a_final_x_where_a_digit_belongs_is_refused(number: str) -> None:
    """An X is accepted only where the check really is 10: these three end in X wrongly."""
    assert not iso_7064_ok(number)
    assert not check_id_number(number, today=TODAY).ok


def test_a_changed_body_digit_is_caught() -> None:
    """MOD 11-2 catches every single-digit change in the body; the message says earlier digits may be wrong."""
    number = "11010519491231002X"
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1:]
            result = check_id_number(changed, today=TODAY)
            assert not result.ok, changed


def test_standard_fifteen_digit_example_upgrades_to_the_published_eighteen() -> None:
    """GB 11643's 15-digit example 110105491231002 becomes 11010519491231002X."""
    result = check_id_number("110105491231002", today=TODAY)
    assert result.ok and result.value == "11010519491231002X"


def test_standard_example_born_1880_fails_only_for_its_date() -> None:
    """440524188001010014 (GB 11643's second example) has a right check digit but a birth before 1900."""
    result = check_id_number("440524188001010014", today=TODAY)
    assert not result.ok and "1900" in (result.message or "") and "校验位" not in result.message


@pytest.mark.parametrize("code", VALID_CODES)
def test_published_credit_codes_are_valid(code: str) -> None:
    """Published codes pass; the value is the code and `code` its 6-digit region (positions 3–8)."""
    result = check_credit_code(code)
    assert result.ok, result.message
    assert result.value == code and result.code == code[2:8]


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_other_final_credit_character_is_refused(code: str) -> None:
    """Any of the 30 other charset characters in position 18 is refused as a check-character error naming it."""
    for char in CODE_CHARS.replace(code[-1], ""):
        result = check_credit_code(code[:17] + char)
        assert not result.ok, code[:17] + char
        assert "校验位" in (result.message or "") and code[-1] in result.message


def test_a_changed_credit_body_character_is_caught() -> None:
    """Mod 31 catches every single-character change in the first 17 characters."""
    code = VALID_CODES[0]
    for position in range(17):
        for char in CODE_CHARS.replace(code[position], ""):
            assert not check_credit_code(code[:position] + char + code[position + 1:]).ok
