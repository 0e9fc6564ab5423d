"""Every refusal of the ID and credit-code checks, word for word, with the value it hands back (clerks read these)."""
from __future__ import annotations

from datetime import date

import pytest

from app.validation import check_credit_code, check_id_number, mask_id
from app.validation.result import Check
from tests.validation.test_check_vectors import iso_7064_ok

TODAY = date(2025, 6, 1)
GB_EXAMPLE = "11010519491231002X"  # GB 11643's example number


def _same(result: Check, ok: bool, value: object, message: str | None) -> None:
    assert (result.ok, result.value, result.message) == (ok, value, message)
    assert result.ok is ok  # a real bool, not a truthy stand-in


@pytest.mark.parametrize(("raw", "value", "message"), [
    ("", None, "请填写身份证号。"),
    ("11010549123100A", "11010549123100A", "15位身份证号必须全部是数字。"),
    ("1101051949123100", "1101051949123100", "身份证号应为18位（或15位旧号码），当前为16位。"),
    ("1101051949123100AX", "1101051949123100AX", "身份证号前17位必须是数字，最后一位是数字或X。"),
    ("110105194902300027", "110105194902300027", "身份证号中的出生日期1949-02-30不存在，请核对。"),
    ("110105202601010020", "110105202601010020", "身份证号中的出生日期2026-01-01晚于今天，请核对。"),
    ("440524188001010014", "440524188001010014", "身份证号中的出生日期1880-01-01早于1900年，请核对。"),
    ("110105194912310021", "110105194912310021",
     "身份证号校验位错误：按前17位计算，最后一位应为X，而不是1；也可能是前面的数字有误，请核对。"),
])
def test_id_refusals_word_for_word(raw: str, value: object, message: str) -> None:
    """Each branch's own message, and the normalised number as the value (none for an empty field)."""
    _same(check_id_number(raw, today=TODAY), False, value, message)


def test_id_dates_on_the_bounds_are_valid() -> None:
    """Born on 1900-01-01 or today is allowed (the refusals are strictly before 1900 / after today)."""
    first = "11010519000101001X"  # its ISO 7064 check character (by the standard's equation) is X
    assert iso_7064_ok(first)
    assert check_id_number(first, today=TODAY).ok
    assert check_id_number(first, today=date(1900, 1, 1)).ok


def test_id_warnings_word_for_word() -> None:
    """The 15-digit upgrade and the unknown region are warnings with exact texts; a valid 18-digit ID has none."""
    upgraded = check_id_number("110105491231002", today=TODAY)
    assert upgraded.warnings == ("15位旧身份证号已按规则升级为18位：11010519491231002X。",)
    assert iso_7064_ok("990105194912310023")
    unknown = check_id_number("990105194912310023", today=TODAY)
    assert unknown.ok and unknown.warnings == ("身份证号前6位地区码990105不在现行或历史行政区划代码中，请核对。",)
    plain = check_id_number(GB_EXAMPLE, today=TODAY)
    assert plain.suggestion is None and plain.warnings == () and plain.ok is True


@pytest.mark.parametrize(("raw", "masked"), [
    ("1234567890", "**********"), ("12345678901", "123456*8901"), ("", ""), (GB_EXAMPLE, "110105********002X")])
def test_mask_bounds(raw: str, masked: str) -> None:
    """Up to 10 characters are fully masked; from 11 on, 6 + stars + 4."""
    assert mask_id(raw) == masked


@pytest.mark.parametrize(("raw", "value", "message", "suggestion"), [
    ("", None, "请填写统一社会信用代码。", None),
    ("91350100M000100Y4", "91350100M000100Y4", "统一社会信用代码应为18位，当前为17位。", None),
    ("9135O100M000100Y43", "9135O100M000100Y43",
     "统一社会信用代码第5位“O”不是有效字符（不使用字母I、O、Z、S、V），可能应为“91350100M000100Y43”。",
     "91350100M000100Y43"),
    ("9135O100M000100Y44", "9135O100M000100Y44",
     "统一社会信用代码第5位“O”不是有效字符（只用数字和除I、O、Z、S、V以外的大写字母）。", None),
    ("9135*100M000100Y43", "9135*100M000100Y43",
     "统一社会信用代码第5位“*”不是有效字符（只用数字和除I、O、Z、S、V以外的大写字母）。", None),
    ("91350100M000100Y44", "91350100M000100Y44",
     "统一社会信用代码校验位错误：按前17位计算，最后一位应为3，而不是4；也可能是前面的字符有误，请核对。", None),
])
def test_credit_code_refusals_word_for_word(raw: str, value: object, message: str, suggestion: str | None) -> None:
    """Each branch's message and value; a lookalike letter gets a suggestion only when the fixed code is valid."""
    result = check_credit_code(raw)
    _same(result, False, value, message)
    assert result.suggestion == suggestion


def test_credit_code_hyphens_are_dropped() -> None:
    """Codes written with hyphens (as some certificates print them) are read without them."""
    result = check_credit_code("913501-00M000100Y43")
    assert result.ok is True and result.value == "91350100M000100Y43" and result.message is None
