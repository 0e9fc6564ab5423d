"""A person's name as a rule: 2–30 characters of Chinese, the middle dot of minority names, or Latin letters."""

from __future__ import annotations

import re
import unicodedata

from .i18n import _
from .result import Check, fail
from .text import clean_text

MIN_LENGTH, MAX_LENGTH = 2, 30
MIDDLE_DOT = "·"
# dots people type for the one in 阿依古丽·买买提: katakana, bullet, full stop forms, hyphenation point, dot operators
_DOT_VARIANTS = str.maketrans(dict.fromkeys("・･•‧∙⋅．.●", MIDDLE_DOT))
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_IN_CJK = re.compile(f"(?<=[{_CJK_CLASS}])\\s+(?=[{_CJK_CLASS}])")  # 张 三 is 张三; Latin names keep spaces


def is_cjk(ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in _CJK_RANGES) or ch == "〇"


def is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")


def normalise_person_name(value: object) -> str:
    """The shared text normaliser, one kind of middle dot, no spaces next to a dot or between Chinese characters."""
    text = clean_text(value).translate(_DOT_VARIANTS)
    text = re.sub(r"\s*·\s*", MIDDLE_DOT, text)
    return _SPACE_IN_CJK.sub("", text)


def check_person_name(value: object) -> Check:
    """Refuse what cannot be a name (too short, digits, symbols, a dot at an end); the value is the normalised name."""
    text = normalise_person_name(value)
    if not text:
        return fail(_("Please fill in the name."))
    if any(ch.isdigit() for ch in text):
        return fail(_("A name cannot contain digits: “%(value)s”.", value=text), text)
    wrong = sorted({ch for ch in text if not (is_cjk(ch) or is_latin_letter(ch) or ch in (MIDDLE_DOT, " "))})
    if wrong:
        return fail(_("A name may contain only Chinese characters, the middle dot · (as in 阿依古丽·买买提) and Latin "
                      "letters with spaces; “%(chars)s” is not allowed.", chars="".join(wrong)), text)
    if text.startswith(MIDDLE_DOT) or text.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in text:
        return fail(_("The middle dot · goes only between two parts of a name, once: “%(value)s”.", value=text), text)
    if len(text) < MIN_LENGTH:
        return fail(_("A name has at least %(min)d characters; “%(value)s” has %(n)d. Write the full name as on "
                      "the ID card.", min=MIN_LENGTH, value=text, n=len(text)), text)
    if len(text) > MAX_LENGTH:
        return fail(_("A name has at most %(max)d characters; this one has %(n)d. Write it as on the ID card.",
                      max=MAX_LENGTH, n=len(text)), text)
    return Check(ok=True, value=text)
