"""AGR-6: names shown on the public verification page are partly masked (张*三, 湖南星辰**有限公司), so a code read
off a paper confirms the document without publishing who signed it. One rule for people and organisations."""
from __future__ import annotations

from typing import Optional

# endings that make a name an organisation's, longest first so 股份有限公司 wins over 有限公司
ORGANISATION_ENDINGS = tuple(sorted((
    "股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "合伙企业", "事务所", "研究院", "研究所",
    "研究中心", "中心", "医院", "大学", "学院", "学校", "中学", "小学", "幼儿园", "银行", "支行", "分行", "协会",
    "委员会", "管理局", "局", "厅", "部", "站", "所", "社", "院", "厂", "店", "馆",
), key=len, reverse=True))
MASK = "*"


def _person(name: str) -> str:
    """First and last character kept, every one between masked: 张* (two), 张*三, 欧**明."""
    if len(name) <= 1:
        return MASK * len(name)
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def _organisation(name: str, ending: str) -> str:
    """The legal-form ending kept, and at most the first four characters of the rest; at least two masked."""
    stem = name[: len(name) - len(ending)]
    if len(stem) <= 2:
        keep = 1 if len(stem) == 2 else 0
    else:
        keep = min(4, len(stem) - 2)
    return stem[:keep] + MASK * (len(stem) - keep) + ending


def _ending(text: str) -> Optional[str]:
    return next((e for e in ORGANISATION_ENDINGS if text.endswith(e) and len(text) > len(e)), None)


def is_organisation(name: str) -> bool:
    """Guessed from a two-character-or-longer ending (公司, 大学 …): one character (院, 所) also ends people's names."""
    ending = _ending(name)
    return ending is not None and len(ending) >= 2


def mask_name(name: Optional[str], organisation: Optional[bool] = None) -> str:
    """The name partly masked; `organisation` None decides by the name's ending (有限公司, 大学 …)."""
    text = " ".join((name or "").split())
    if not text:
        return ""
    ending = _ending(text)
    if organisation is None:
        organisation = is_organisation(text)
    if organisation:
        if ending is None:  # an organisation whose name has no known ending: mask its second half
            keep = min(4, max(1, len(text) // 2))
            return text[:keep] + MASK * (len(text) - keep)
        return _organisation(text, ending)
    return _person(text)


__all__ = ["mask_name", "is_organisation"]
