"""生源地 written per the student filling rules (省+市+区, 省+县, short autonomous-region names), with a suggested fix."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from .i18n import _
from .names import (
    ProvinceAlias,
    current_named,
    division_chars,
    historical_named,
    match_province,
    origin_province_name,
    prefixes,
)
from .regions import (
    COUNTY,
    PREFECTURE,
    PROVINCE,
    UNDIVIDED,
    HistoricalName,
    Region,
    divisions,
)
from .result import Check, fail, normalise_text
from .text import to_simplified

# Rules (seed 000/001, 特别提示 2):
# - a city district: province + prefecture + district (湖南省岳阳市岳阳楼区);
# - a county, county-level city, banner or special district under a prefecture-level unit (地级市, 自治州, 地区, 盟):
#   province + county, without the prefecture (湖南省岳阳县, 湖南省汨罗市, 吉林省延吉市);
# - autonomous regions always by their short names (内蒙古, 广西, 西藏, 宁夏, 新疆), e.g. 广西南宁市青秀区, 新疆伊宁市;
# - municipalities: municipality + district or county (北京市海淀区, 重庆市城口县);
# - county-level units directly under a province (济源市, 仙桃市, 石河子市, Hainan's counties): province + unit;
# - prefecture-level cities without districts (东莞市, 中山市, 儋州市, 嘉峪关市): province + city;
# - 香港特别行政区, 澳门特别行政区, 台湾省: the province-level unit alone (no divisions in GB/T 2260).

_LEADING = ("中华人民共和国", "中国")
EXAMPLES = "湖南省岳阳市岳阳楼区、湖南省岳阳县、北京市海淀区、广西南宁市青秀区"


def canonical_origin(code: str) -> str | None:
    """The 生源地 text for a current code, or None when the code is too coarse to be an origin."""
    d = divisions()
    region = d.get(code)
    if region is None:
        return None
    province = d.province_of(region)
    head = origin_province_name(province)
    if region.level == PROVINCE:
        return head if region.code in UNDIVIDED else None
    if region.level == PREFECTURE:
        return None if d.children.get(region.code) else head + region.name
    parent = d.parent_of(region)
    if parent is None or parent.level == PROVINCE or region.type != "市辖区":
        return head + region.name
    return head + parent.name + region.name


@lru_cache(maxsize=1)
def origin_options() -> list[tuple[str, str]]:
    """(code, 生源地 text) for every valid origin, in GB/T 2260 order — for a select or autocomplete."""
    out = []
    for code in divisions().by_code:
        text = canonical_origin(code)
        if text is not None:
            out.append((code, text))
    return out


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way of reading the input: which division it names and what is off about how it is written."""

    rank: int  # 0 exact, 1 wrong prefecture, 2 historical, 3 abolished, 4 too coarse
    region: Region | None
    alias: ProvinceAlias | None
    prefecture: Region | None = None  # a prefecture written in the text
    historical: HistoricalName | None = None


def _readings(text: str) -> list[_Reading]:
    """Every full reading of text as [province][prefecture][county]."""
    d = divisions()
    starts: list[tuple[ProvinceAlias | None, str]] = [(None, text)]
    matched = match_province(text)
    if matched is not None:
        starts.insert(0, matched)
    out: list[_Reading] = []
    for alias, rest in starts:
        province = alias.region if alias else None
        if province is not None and not rest:
            rank = 0 if province.code in UNDIVIDED else 4
            out.append(_Reading(rank, province, alias))
            continue
        options: list[tuple[Region | None, HistoricalName | None, str]] = [(None, None, rest)]
        for name in prefixes(rest, d.by_name):
            for prefecture in current_named(name, province, (PREFECTURE,)):
                options.append((prefecture, None, rest[len(name):]))
        for name in prefixes(rest, d.history_by_name, 3):
            for old in historical_named(name, province):
                renamed = d.successor(old)
                if old.level == PREFECTURE and renamed is not None and renamed.level == PREFECTURE:
                    options.append((renamed, old, rest[len(name):]))
                elif old.level == PREFECTURE and renamed is None and old.parts and rest[len(name):]:
                    options.append((None, old, rest[len(name):]))  # 莱芜市钢城区: the prefecture was split
        for pref, old_pref, tail in options:
            out.extend(_county_readings(alias, province, pref, old_pref, tail))
    return out


def _county_readings(alias: ProvinceAlias | None, province: Region | None, pref: Region | None,
                     old_pref: HistoricalName | None, tail: str) -> list[_Reading]:
    """Readings for the part after the province and prefecture."""
    d = divisions()
    if not tail:
        if pref is None:
            return []
        rank = 2 if old_pref else (4 if d.children.get(pref.code) else 0)
        return [_Reading(rank, pref, alias, pref, old_pref)]
    if pref is None and old_pref is not None:
        return _split_readings(alias, province, old_pref, tail)
    scope = pref or province
    found = [_Reading(2 if old_pref else 0, r, alias, pref, old_pref)
             for r in current_named(tail, scope, (COUNTY,))]
    if not found and pref is not None:
        found = [_Reading(1, r, alias, pref) for r in current_named(tail, province, (COUNTY,))]
    if not found and pref is None:
        found = [_Reading(0, r, alias) for r in current_named(tail, province, (PREFECTURE,))
                 if not d.children.get(r.code)]
    if not found:
        for old in historical_named(tail, province):
            new = d.successor(old)
            if pref is not None and new is not None and not d.is_within(new, pref) and old.code[:4] != pref.code[:4]:
                continue
            found.append(_Reading(2 if new else 3, new, alias, pref, old))
    return found


def _split_readings(alias: ProvinceAlias | None, province: Region | None, old_pref: HistoricalName,
                    tail: str) -> list[_Reading]:
    """Readings under a prefecture that was split (莱芜市): its former districts and the units it became."""
    d = divisions()
    parts = {r.code for r in d.parts(old_pref)}
    found = [_Reading(2, r, alias, None, old_pref) for r in current_named(tail, province, (COUNTY,))
             if r.code in parts]
    for old in historical_named(tail, province):
        new = d.successor(old)
        if new is not None and old.code[:4] == old_pref.code[:4]:
            found.append(_Reading(2, new, alias, None, old))
    return found


def _best(readings: list[_Reading]) -> list[_Reading]:
    """Readings of the best rank, preferring those that name the province, one per division.

    Several names that were abolished without a successor are one reading: the latest of them (the one whose
    message can say what it became).
    """
    if not readings:
        return []
    rank = min(r.rank for r in readings)
    best = [r for r in readings if r.rank == rank]
    with_province = [r for r in best if r.alias is not None]
    best = with_province or best
    if rank == 3:
        return [max(best, key=lambda r: (bool(r.historical and r.historical.parts),
                                         r.historical.year if r.historical else 0))]
    unique: dict[str, _Reading] = {}
    for r in best:
        key = r.region.code if r.region else f"old:{r.historical.code if r.historical else ''}"
        unique.setdefault(key, r)
    return list(unique.values())


def _why(text: str, r: _Reading, canonical: str) -> str:
    """Message for an exact reading that is not written canonically."""
    region = r.region
    assert region is not None
    if r.alias is None:
        return _("生源地要写明省份（自治区、直辖市），应填写为“%(suggestion)s”。", suggestion=canonical)
    if r.alias.form == "ar_full":
        return _("自治区名称一律用简称（如内蒙古、广西、西藏、宁夏、新疆），应填写为“%(suggestion)s”。",
                 suggestion=canonical)
    if r.prefecture is not None and region.level == COUNTY and region.type != "市辖区":
        return _("县、县级市直接写在省（自治区）名称之后，不写所属的市（州）：应填写为“%(suggestion)s”，"
                 "不可写为“%(value)s”。", suggestion=canonical, value=text)
    parent = divisions().parent_of(region)
    if region.type == "市辖区" and r.prefecture is None and parent is not None and parent.level == PREFECTURE:
        return _("市辖区要写明所属的市，应填写为“%(suggestion)s”。", suggestion=canonical)
    return _("生源地应填写为“%(suggestion)s”。", suggestion=canonical)


def _historical_message(r: _Reading, canonical: str | None) -> str:
    """Message for a name that is no longer current."""
    old = r.historical
    assert old is not None
    if canonical is None:
        parts = [c for c in (canonical_origin(p.code) for p in divisions().parts(old)) if c]
        if parts:
            return _("“%(old)s”已于%(year)s年撤销，原辖区今分属%(parts)s，请按现行行政区划填写生源地。",
                     old=old.name, year=old.year, parts="、".join(parts))
        return _("“%(old)s”已于%(year)s年撤销，请按现行行政区划填写生源地。", old=old.name, year=old.year)
    if old.level == PREFECTURE and old.successor is None:
        return _("“%(old)s”已于%(year)s年撤销，应填写为“%(new)s”。", old=old.name, year=old.year, new=canonical)
    return _("“%(old)s”已于%(year)s年调整为“%(new)s”，请按现行行政区划填写。",
             old=old.name, year=old.year, new=canonical)


def _fuzzy(text: str) -> list[str]:
    """Close canonical origins for a typo, within the province if one was recognised."""
    matched = match_province(text)
    pool = _fuzzy_pool()
    if matched is not None:
        prefix = matched[0].region.code[:2]
        keys = [k for k, code in pool.items() if code[:2] == prefix]
    else:
        keys = list(pool)
    out: list[str] = []
    for key in difflib.get_close_matches(text, keys, n=8, cutoff=0.6):
        canonical = canonical_origin(pool[key])
        if canonical and canonical not in out:
            out.append(canonical)
    return out[:3]


@lru_cache(maxsize=1)
def _fuzzy_pool() -> dict[str, str]:
    """Canonical and official full spellings of every origin -> code."""
    d = divisions()
    pool: dict[str, str] = {}
    for code, canonical in origin_options():
        region = d.by_code[code]
        chain = []
        node: Region | None = region
        while node is not None:
            chain.append(node.name)
            node = d.parent_of(node)
        pool.setdefault("".join(reversed(chain)), code)
        pool[canonical] = code
    return pool


def check_origin(value: object) -> Check:
    """Check a 生源地 text; value is the canonical text when ok, suggestion the corrected text otherwise."""
    text = normalise_text(value)
    for lead in _LEADING:
        if text.startswith(lead) and len(text) > len(lead):
            text = text[len(lead):]
            break
    if not text:
        return fail(_("请填写生源地（入学前户口所在地），如%(examples)s。", examples=EXAMPLES))
    best = _best(_readings(text))
    simplified = to_simplified(text, division_chars())
    if not best and simplified != text:
        best = _best(_readings(simplified))
        if len(best) == 1 and best[0].rank == 0 and best[0].region is not None:
            canonical = canonical_origin(best[0].region.code)
            if canonical:
                return fail(_("生源地请使用简体字，应填写为“%(suggestion)s”。", suggestion=canonical), text,
                            suggestion=canonical, code=best[0].region.code)
        text = simplified if best else text
    if not best:
        close = _fuzzy(text)
        if close:
            return fail(_("未找到“%(value)s”，您是否要填写：%(choices)s？", value=text, choices="、".join(close)),
                        text, suggestion=close[0], code=_code_of(close[0]))
        return fail(_("未找到“%(value)s”，请按“省+市+区”或“省+县”填写，如%(examples)s。",
                      value=text, examples=EXAMPLES), text)
    if len(best) > 1:
        choices = list(dict.fromkeys(c for c in (canonical_origin(r.region.code) if r.region else None
                                                  for r in best) if c))
        if len(choices) > 1:
            return fail(_("“%(value)s”对应多个地区，请写明省份和市：%(choices)s。",
                          value=text, choices="、".join(choices[:6])), text)
        best = [next((r for r in best if r.region is not None and canonical_origin(r.region.code)), best[0])]
    r = best[0]
    region = r.region
    canonical = canonical_origin(region.code) if region else None
    code = region.code if region else None
    if r.rank == 4 or (region is not None and canonical is None):
        example = _example_below(region) if region else None
        return fail(_("生源地要具体到区、县或县级市，如“%(example)s”。", example=example or EXAMPLES), text,
                    code=code)
    if r.rank in (2, 3):
        return fail(_historical_message(r, canonical), text, suggestion=canonical, code=code)
    if r.rank == 1:
        assert region is not None and r.prefecture is not None
        return fail(_("“%(county)s”不属于“%(prefecture)s”，应填写为“%(suggestion)s”。",
                      county=region.name, prefecture=r.prefecture.name, suggestion=canonical),
                    text, suggestion=canonical, code=code)
    assert canonical is not None
    if text == canonical:
        return Check(ok=True, value=canonical, code=code)
    return fail(_why(text, r, canonical), text, suggestion=canonical, code=code)


def _example_below(region: Region) -> str | None:
    """A valid origin below a too-coarse division, for the message."""
    for child in divisions().descendants(region.code):
        text = canonical_origin(child.code)
        if text:
            return text
    return None


def _code_of(canonical: str) -> str | None:
    """Code of a canonical origin text."""
    return _canonical_index().get(canonical)


@lru_cache(maxsize=1)
def _canonical_index() -> dict[str, str]:
    """Canonical origin text -> code."""
    return {text: code for code, text in origin_options()}
