"""家庭地址 in the four parts the rules require (province, city or county, town, street); the first two per GB/T 2260."""

from __future__ import annotations

import difflib
from dataclasses import replace

from .i18n import _
from .names import (
    current_named,
    division_chars,
    historical_named,
    match_province,
    prefixes,
    province_aliases,
)
from .regions import COUNTY, MUNICIPALITIES, PREFECTURE, UNDIVIDED, Region, divisions
from .result import Check, fail, normalise_text
from .text import to_simplified

# Part B is the prefecture-level city for an urban address (岳阳市) or the county itself for a county address
# (岳阳县, never 岳阳市岳阳县); a city district belongs in part C. In a municipality part B may be the
# municipality (北京市) or one of its districts/counties (海淀区).

MAX_TOWN, MAX_STREET = 40, 100


def part_b_ok(region: Region, province: Region) -> bool:
    """Whether a division may stand as part B under the province."""
    d = divisions()
    if region.level == PREFECTURE:
        return True
    parent = d.parent_of(region)
    return parent is not None and (parent.code == province.code or region.type != "市辖区")


def check_home_address(province: object, city_or_county: object, town: object, street: object) -> Check:
    """Check the four parts; value is the normalised (province, city_or_county, town, street) tuple.

    A suggested fix is offered only when the address with it passes this check for that part.
    """
    parts = [province, city_or_county, town, street]
    result = _check_parts(*parts)
    if result.ok or result.suggestion is None or result.field not in _FIELDS:
        return result
    parts[_FIELDS.index(result.field)] = result.suggestion
    again = _check_parts(*parts)
    if again.ok or again.field != result.field:
        return result
    return replace(result, suggestion=None)


_FIELDS = ("province", "city_or_county", "town", "street")


def _check_parts(province: object, city_or_county: object, town: object, street: object) -> Check:
    """The check itself, suggestions unverified."""
    p, b, c, s = (normalise_text(v) for v in (province, city_or_county, town, street))
    for part, text, label in (("province", p, _("省（自治区、直辖市）")), ("city_or_county", b, _("市或县")),
                              ("town", c, _("区、镇或乡")), ("street", s, _("街道门牌号、村或小区"))):
        if not text:
            return fail(_("请填写家庭地址的“%(part)s”部分。", part=label), field=part)
    if len(c) > MAX_TOWN or len(s) > MAX_STREET:
        field = "town" if len(c) > MAX_TOWN else "street"
        return fail(_("家庭地址的这一部分过长。"), field=field)
    region_p = _province(p)
    if isinstance(region_p, Check):
        return region_p
    value = (region_p.name, b, c, s)
    if region_p.code in UNDIVIDED:
        return Check(ok=True, value=value, code=region_p.code)
    result = _city_or_county(b, region_p)
    if isinstance(result, Check):
        return result
    return Check(ok=True, value=(region_p.name, result.name, c, s), code=result.code)


def _province(text: str) -> Region | Check:
    """Part A: any accepted spelling of a province-level unit; normalised to the official name."""
    alias = province_aliases().get(text)
    if alias is not None:
        return alias.region
    simplified = province_aliases().get(to_simplified(text, division_chars()))
    if simplified is not None:
        return fail(_("请使用简体字，应填写为“%(suggestion)s”。", suggestion=simplified.region.name),
                    field="province", suggestion=simplified.region.name)
    close = difflib.get_close_matches(text, list(province_aliases()), n=1, cutoff=0.5)
    suggestion = province_aliases()[close[0]].region.name if close else None
    if suggestion:
        return fail(_("未找到省份“%(value)s”，您是否要填写“%(suggestion)s”？", value=text, suggestion=suggestion),
                    field="province", suggestion=suggestion)
    return fail(_("未找到省份“%(value)s”，请直接填写省份名称，如“湖南省”。", value=text), field="province")


def _city_or_county(text: str, province: Region) -> Region | Check:
    """Part B: a prefecture-level city or a county-level unit of the province, written as one name."""
    d = divisions()
    if province.code in MUNICIPALITIES and text in (province.name, d.province_short[province.code]):
        return province
    matched = match_province(text)
    if matched is not None and matched[0].region.code == province.code and matched[1]:
        return fail(_("第二部分不用重复省份，请只填写市或县的名称。"), field="city_or_county",
                    suggestion=matched[1])
    simplified = to_simplified(text, division_chars())
    if simplified != text and any(part_b_ok(r, province) for r in current_named(simplified, province)):
        return fail(_("请使用简体字，应填写为“%(suggestion)s”。", suggestion=simplified), field="city_or_county",
                    suggestion=simplified)
    found = current_named(text, province)
    allowed = [r for r in found if part_b_ok(r, province)]
    if allowed:
        return allowed[0]
    if found:
        cities = sorted({p.name for p in (d.parent_of(r) for r in found) if p is not None})
        return fail(_("“%(district)s”是市辖区：第二部分请填写所属的市（%(cities)s），区名写在第三部分。",
                      district=text, cities="、".join(cities)), field="city_or_county",
                    suggestion=cities[0] if len(cities) == 1 else None)
    for name in prefixes(text, d.by_name):
        for pref in current_named(name, province, (PREFECTURE,)):
            rest = text[len(name):]
            inner = current_named(rest, pref, (COUNTY,)) if rest else []
            if inner and inner[0].type != "市辖区":
                return fail(_("在县的直接填写县名，可以省略所属的市：第二部分请填写“%(county)s”。",
                              county=inner[0].name), field="city_or_county", suggestion=inner[0].name)
            if inner:
                return fail(_("第二部分只填写市名“%(city)s”，“%(district)s”写在第三部分。",
                              city=pref.name, district=inner[0].name), field="city_or_county", suggestion=pref.name)
    for old in historical_named(text, province):
        new = d.successor(old)
        if new is not None:
            return fail(_("“%(old)s”已于%(year)s年调整为“%(new)s”，请按现行行政区划填写。",
                          old=old.name, year=old.year, new=new.name), field="city_or_county", suggestion=new.name)
        return fail(_("“%(old)s”已于%(year)s年撤销，请按现行行政区划填写。", old=old.name, year=old.year),
                    field="city_or_county")
    elsewhere = current_named(text)
    if elsewhere:
        where = "、".join(sorted({d.province_of(r).name for r in elsewhere}))
        return fail(_("“%(value)s”不在%(province)s（在%(where)s），请核对省份。",
                      value=text, province=province.name, where=where), field="city_or_county")
    names = [r.name for r in d.descendants(province.code) if part_b_ok(r, province)]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    if close:
        return fail(_("在%(province)s未找到“%(value)s”，您是否要填写：%(choices)s？",
                      province=province.name, value=text, choices="、".join(close)),
                    field="city_or_county", suggestion=close[0])
    return fail(_("在%(province)s未找到“%(value)s”，请填写市名（如岳阳市）或县名（如岳阳县）。",
                  province=province.name, value=text), field="city_or_county")
