"""The one text normaliser for every input path (forms, API, Excel/CSV import), and traditional → simplified."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Invisible characters that arrive with copy-paste from web pages, Word and WeChat.
INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"  # zero-width, BOM, soft hyphen
        "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",  # bidi marks
    ),
    None,
)
# Other C0/C1 control characters (tab, CR and LF are whitespace and get collapsed instead).
INVISIBLE.update(dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], None))
INVISIBLE.update(dict.fromkeys(range(0x80, 0xA0), None))
INVISIBLE.pop(0x85, None)  # NEL is whitespace; \s collapses it

FW_ALL = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FW_ALNUM = {
    cp: cp - 0xFEE0
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(lo, hi + 1)
}
_NEEDS_TRANSLATE = re.compile("[" + "".join(re.escape(chr(c)) for c in INVISIBLE) + "\uff01-\uff5e]")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def fold_fullwidth(value: str) -> str:
    """Turn full-width ASCII into half-width.

    Full-width digits and Latin letters always become ASCII. Full-width punctuation
    (，（）：；！？) is correct punctuation in Chinese text, so it is kept when the value
    contains CJK characters, and folded only in values with no CJK (e-mails, codes, numbers).
    """
    if _CJK.search(value):
        return value.translate(_FW_ALNUM)
    return value.translate(FW_ALL)


def drop_invisible(value: str) -> str:
    """Remove zero-width characters, BOMs, bidi marks and control characters."""
    return value.translate(INVISIBLE)


def clean_text(value: object) -> str:
    """Fold full-width ASCII, drop invisible characters, trim and collapse whitespace (incl. NBSP, U+3000).

    Every input path calls this: the student and reviewer forms, the API and the Excel/CSV import.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not (text.isascii() and text.isprintable()) and _NEEDS_TRANSLATE.search(text) is not None:
        text = fold_fullwidth(text.translate(INVISIBLE))
    return " ".join(text.split())


def compact_text(value: object) -> str:
    """clean_text, then NFKC and no whitespace at all: the form the field checks compare."""
    return "".join(unicodedata.normalize("NFKC", clean_text(value)).split())


@lru_cache(maxsize=1)
def _t2s() -> object:
    """OpenCC's traditional → simplified converter, loaded on first use."""
    import opencc  # type: ignore[import-untyped]

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def _simplified_char(char: str) -> str:
    converted = _t2s().convert(char)  # type: ignore[attr-defined]
    return converted if len(converted) == 1 else char


def to_simplified(value: str, keep: frozenset[str] = frozenset()) -> str:
    """Traditional Han characters as simplified (嶽陽縣 -> 岳阳县), character by character.

    Characters in ``keep`` stay as they are: 乾 in 乾县 is the official simplified name, though OpenCC alone
    would turn a lone 乾 into 干.
    """
    if not _HAN.search(value):
        return value
    return "".join(c if c in keep or c.isascii() else _simplified_char(c) for c in value)
