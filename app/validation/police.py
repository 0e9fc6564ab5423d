"""入学前户口所在地派出所: a specific station, “生源地+派出所名称”, never a 公安局 or a bare city/county name."""

from __future__ import annotations

from .i18n import _
from .names import match_province, prefixes, short_names_below
from .regions import COUNTY, PREFECTURE, Region, divisions
from .result import Check, fail, normalise_text

# A station under a bureau written in full (湖南省岳阳市公安局三眼桥派出所) is accepted: it ends in 派出所 and
# what follows the last 局 is a place name of its own. A name whose part before 派出所 is nothing but division
# names (湖南省岳阳市派出所, 岳阳县派出所, 湖南岳阳派出所) is refused as not specific. Division names are
# recognised from GB/T 2260 rather than by suffix, so a real station such as 广州市白云区新市派出所 passes.

STATION = "派出所"
EXAMPLE_BAD, EXAMPLE_GOOD = "湖南省岳阳市派出所", "湖南省岳阳市三眼桥派出所"
_BUREAU_WORDS = ("公安局", "公安分局", "公安厅", "公安处")


def _peel(text: str, context: Region | None) -> tuple[str, Region | None, bool]:
    """Strip leading division names; return the rest, the last division and whether any was stripped."""
    peeled = False
    while text:
        step: tuple[str, Region] | None = None
        if context is None:
            matched = match_province(text)
            if matched is not None and len(matched[1]) < len(text):
                step = (text[: len(text) - len(matched[1])], matched[0].region)
        if step is None:
            step = _next_division(text, context)
        if step is None:
            break
        text, context, peeled = text[len(step[0]):], step[1], True
    if text and context is not None and text in short_names_below(context):
        return "", context, True
    return text, context, peeled


def _next_division(text: str, context: Region | None) -> tuple[str, Region] | None:
    """Longest division name at the start of text: below context, or (3+ characters) anywhere without one."""
    d = divisions()
    for name in prefixes(text, d.by_name, 2 if context else 3):
        for region in d.by_name[name]:
            if region.level not in (PREFECTURE, COUNTY):
                continue
            if context is None or (region.code != context.code and d.is_within(region, context)):
                return name, region
    for name in prefixes(text, d.history_by_name, 3):
        for old in d.history_by_name[name]:
            target = d.successor(old) or context or d.get(old.code[:2] + "0000")
            if target is not None and (context is None or old.code[:2] == context.code[:2]):
                return name, target
    return None


def check_police_station(value: object) -> Check:
    """Check the 派出所 field; value is the normalised name when ok."""
    text = normalise_text(value)
    if not text:
        return fail(_("请填写入学前户口所在地派出所，格式为“生源地+所在派出所名称”，如“%(good)s”。", good=EXAMPLE_GOOD))
    if STATION not in text:
        if any(word in text for word in _BUREAU_WORDS):
            return fail(_("不可填写公安局，请填写户口所在的派出所，如“%(good)s”。", good=EXAMPLE_GOOD), text)
        return fail(_("不可省略“派出所”字样，格式为“生源地+所在派出所名称”，如“%(good)s”。", good=EXAMPLE_GOOD), text)
    if not text.endswith(STATION):
        cut = text[: text.rindex(STATION) + len(STATION)]
        if check_police_station(cut).ok:  # offer only a fix this check accepts (not 湖南省岳阳县派出所)
            return fail(_("派出所名称应以“派出所”结尾，如“%(suggestion)s”。", suggestion=cut), text, suggestion=cut)
        return fail(_("派出所名称应以“派出所”结尾，并写明具体的派出所，如“%(good)s”。", good=EXAMPLE_GOOD), text)
    head = text[: -len(STATION)]
    if not head:
        return fail(_("请写明派出所的具体名称，格式为“生源地+所在派出所名称”，如“%(good)s”。", good=EXAMPLE_GOOD), text)
    before, station = "", head
    if "局" in head or "厅" in head:
        split = max(head.rfind("局"), head.rfind("厅")) + 1
        before, station = head[:split], head[split:]
        if not station:
            return fail(_("不可填写公安局，请填写户口所在的派出所，如“%(good)s”。", good=EXAMPLE_GOOD), text)
    context: Region | None = None
    located = False
    if before:
        _rest, context, located = _peel(before, None)
    rest, _ctx, peeled = _peel(station, context)
    if not rest:
        return fail(_("不可填写“%(value)s”这样的市、县级名称，必须具体到户口所在的派出所：不可填写“%(bad)s”，"
                      "应填写如“%(good)s”。", value=text, bad=EXAMPLE_BAD, good=EXAMPLE_GOOD), text)
    warnings: tuple[str, ...] = ()
    if not (located or peeled):
        warnings = (_("建议在派出所名称前写明生源地，格式为“生源地+所在派出所名称”，如“%(good)s”。",
                      good=EXAMPLE_GOOD),)
    return Check(ok=True, value=text, warnings=warnings)
