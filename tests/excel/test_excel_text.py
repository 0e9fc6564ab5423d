"""Unit tests for cell-text normalisation and date parsing rules."""

from __future__ import annotations

import datetime as dt

import pytest

from app.excel import (
    ColumnSpec,
    convert_cell,
    normalize_header,
    normalize_id_text,
    normalize_text,
    parse_date_text,
)


def test_fullwidth_digits_and_letters_become_ascii() -> None:
    """Full-width digits/letters typed with a Chinese IME are stored as ASCII."""
    assert normalize_text("１２３ＡＢＣａｂｃ") == "123ABCabc"
    assert normalize_id_text("１１０１０５１９９００３０７７８９ｘ") == "11010519900307789x"


def test_chinese_punctuation_kept_in_chinese_text() -> None:
    """Chinese full-width punctuation in Chinese text is not turned into ASCII."""
    assert normalize_text("北京市（朝阳区），１号楼") == "北京市（朝阳区），1号楼"
    assert normalize_text("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "zhang@example.com"


def test_invisible_and_odd_spaces_removed() -> None:
    """Zero-width chars, NBSP, ideographic spaces and line breaks are cleaned and collapsed."""
    assert normalize_text("\u200b 张\u00a0\u00a0三\u3000\n") == "张 三"
    assert normalize_text("\ufeff王\u200d五\t\r\n") == "王五"
    assert normalize_id_text(" 1101 0519\u00a09003 0778 9X ") == "11010519900307789X"


def test_header_normalisation_matches_variants() -> None:
    """Headers match despite spaces, full-width forms, required marks and case."""
    assert normalize_header(" 身 份 证 号 ") == normalize_header("身份证号")
    assert normalize_header("*姓名（必填）") == normalize_header("姓名")
    assert normalize_header("ＩＤ") == normalize_header("id")


@pytest.mark.parametrize(
    "text",
    ["2004-09-01", "2004/9/1", "2004.09.01", "20040901", "2004年9月1日", "2004-09-01 00:00:00"],
)
def test_text_dates_parsed(text: str) -> None:
    """Common written date forms are accepted."""
    assert parse_date_text(text) == dt.date(2004, 9, 1)


@pytest.mark.parametrize("text", ["2004-13-01", "2004-02-30", "01/09/2004", "2004-9", "明天", "2004-09/01"])
def test_bad_text_dates_rejected(text: str) -> None:
    """Impossible or ambiguous dates are not guessed."""
    assert parse_date_text(text) is None


def test_small_int_allowed_only_when_spec_says_so() -> None:
    """A numeric student number is accepted only with allow_small_int and at most 15 digits."""
    strict = ColumnSpec("no", "学号", kind="id_text")
    lenient = ColumnSpec("no", "学号", kind="id_text", allow_small_int=True)
    assert convert_cell(lenient, 20230001, "n") == ("20230001", None)
    assert convert_cell(strict, 20230001, "n")[1] is not None
    assert convert_cell(lenient, 1234567890123456, "n")[1] is not None
    assert convert_cell(lenient, 12.5, "n")[1] is not None
