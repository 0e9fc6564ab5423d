"""Normalise cell text and header names the way users expect, without mangling Chinese punctuation."""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that arrive with copy-paste from web pages, Word and WeChat.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"  # zero-width, BOM, soft hyphen
        "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",  # bidi marks
    ),
    None,
)
# Other C0/C1 control characters (tab, CR and LF are whitespace and get collapsed instead).
_INVISIBLE.update(dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], None))
_INVISIBLE.update(dict.fromkeys(range(0x80, 0xA0), None))
_INVISIBLE.pop(0x85, None)  # NEL is whitespace; \s collapses it

_FW_ALL = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW_ALNUM = {
    cp: cp - 0xFEE0
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(lo, hi + 1)
}
_WS = re.compile(r"\s+")
_NEEDS_TRANSLATE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "\uff01-\uff5e]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]")
_HEADER_REQUIRED_MARK = re.compile(r"^\*+|\*+$|\(必填\)$")


def fold_fullwidth(value: str) -> str:
    """Turn full-width ASCII into half-width.

    Full-width digits and Latin letters always become ASCII. Full-width punctuation
    (，（）：；！？) is correct punctuation in Chinese text, so it is kept when the cell
    contains CJK characters, and folded only in cells with no CJK (e-mails, codes, numbers).
    """
    if _CJK.search(value):
        return value.translate(_FW_ALNUM)
    return value.translate(_FW_ALL)


def _clean(value: str) -> str:
    if _NEEDS_TRANSLATE.search(value) is None:
        return value
    return fold_fullwidth(value.translate(_INVISIBLE))


def normalize_text(value: str) -> str:
    """Fold full-width ASCII, drop invisible characters, trim and collapse whitespace (incl. NBSP, U+3000)."""
    if not (value.isascii() and value.isprintable()):
        value = _clean(value)
    return " ".join(value.split())


def normalize_id_text(value: str) -> str:
    """Like :func:`normalize_text` but folds all full-width ASCII and removes every space.

    ID, student, exam and phone numbers never contain spaces, and users paste them grouped
    ("1101 0519 ..."); letter case is kept (upper-casing an ID's X is the validator's job).
    """
    if not (value.isascii() and value.isprintable()):
        value = value.translate(_INVISIBLE).translate(_FW_ALL)
    return "".join(value.split())


def normalize_header(value: object) -> str:
    """Key for matching header names: NFKC, no whitespace, no required marks, case-folded."""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    text = _WS.sub("", text)
    text = _HEADER_REQUIRED_MARK.sub("", text)
    return text.casefold()


def display_width(value: str) -> int:
    """Approximate column width in Excel units: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
