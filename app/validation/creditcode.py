"""GB 32100 unified social credit codes (统一社会信用代码): 18 characters, restricted charset, weighted mod-31 check."""

from __future__ import annotations

from .i18n import _
from .result import Check, fail, normalise_text

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUE = {c: i for i, c in enumerate(CHARSET)}  # a character's value in the check sum
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"})


def check_char(first17: str) -> str:
    """Check character for the first 17 characters (all in CHARSET)."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _valid(code: str) -> bool:
    return len(code) == 18 and all(c in CHARSET for c in code) and check_char(code[:17]) == code[17]


def check_credit_code(value: object) -> Check:
    """Check a credit code; value is the upper-case 18-character code when ok."""
    code = normalise_text(value).upper().replace("-", "")
    if not code:
        return fail(_("请填写统一社会信用代码。"))
    if len(code) != 18:
        return fail(_("统一社会信用代码应为18位，当前为%(length)s位。", length=len(code)), code)
    for position, char in enumerate(code, start=1):
        if char not in CHARSET:
            fixed = code.translate(_LOOKALIKES)
            suggestion = fixed if _valid(fixed) else None
            if suggestion:
                return fail(_("统一社会信用代码第%(position)s位“%(char)s”不是有效字符（不使用字母I、O、Z、S、V），"
                              "可能应为“%(suggestion)s”。", position=position, char=char, suggestion=suggestion),
                            code, suggestion=suggestion)
            return fail(_("统一社会信用代码第%(position)s位“%(char)s”不是有效字符（只用数字和除I、O、Z、S、V以外的"
                          "大写字母）。", position=position, char=char), code)
    expected = check_char(code[:17])
    if code[17] != expected:
        return fail(_("统一社会信用代码校验位错误：按前17位计算，最后一位应为%(expected)s，而不是%(actual)s；"
                      "也可能是前面的字符有误，请核对。", expected=expected, actual=code[17]), code)
    return Check(ok=True, value=code, code=code[2:8])
