"""Name indexes over the division data shared by the origin, address and police-station checks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .regions import (
    COUNTY,
    PREFECTURE,
    PROVINCE,
    HistoricalName,
    Region,
    divisions,
    short_name,
)


@dataclass(frozen=True, slots=True)
class ProvinceAlias:
    """A way of writing a province: 'full' (湖南省), 'short' (湖南, 广西) or 'ar_full' (广西壮族自治区)."""

    region: Region
    form: str


@lru_cache(maxsize=1)
def province_aliases() -> dict[str, ProvinceAlias]:
    """Every accepted spelling of each province-level unit."""
    d = divisions()
    out: dict[str, ProvinceAlias] = {}
    for region in d.by_code.values():
        if region.level != PROVINCE:
            continue
        short = d.province_short.get(region.code, region.name)
        out[short] = ProvinceAlias(region, "short")
        if region.type == "自治区":
            out[region.name] = ProvinceAlias(region, "ar_full")
            out[short + "自治区"] = ProvinceAlias(region, "ar_full")
        else:
            out[region.name] = ProvinceAlias(region, "full")
    return out


def origin_province_name(region: Region) -> str:
    """Province as written in 生源地: short names for autonomous regions, official names otherwise."""
    if region.type == "自治区":
        return divisions().province_short[region.code]
    return region.name


def match_province(text: str) -> tuple[ProvinceAlias, str] | None:
    """Longest province alias at the start of text, with the rest of the text."""
    aliases = province_aliases()
    for length in range(min(len(text), 8), 1, -1):
        alias = aliases.get(text[:length])
        if alias is not None:
            return alias, text[length:]
    return None


def prefixes(text: str, names: dict[str, list[Region]] | dict[str, list[HistoricalName]],
             min_length: int = 2) -> list[str]:
    """Names from an index that text starts with, longest first."""
    limit = min(len(text), divisions().max_name_length)
    return [text[:n] for n in range(limit, min_length - 1, -1) if text[:n] in names]


def current_named(name: str, within: Region | None = None, levels: tuple[int, ...] = (PREFECTURE, COUNTY)
                  ) -> list[Region]:
    """Current divisions called name, optionally only those below within."""
    d = divisions()
    found = [r for r in d.by_name.get(name, []) if r.level in levels]
    if within is not None:
        found = [r for r in found if r.code != within.code and d.is_within(r, within)]
    return found


def historical_named(name: str, within: Region | None = None) -> list[HistoricalName]:
    """Former divisions called name within a province (old code or successor); with successors, latest first."""
    d = divisions()
    found = sorted((h for h in d.history_by_name.get(name, []) if h.level != PROVINCE),
                   key=lambda h: (h.successor is None, -h.year))
    if within is None:
        return found
    province = within.code[:2]
    return [h for h in found if h.code[:2] == province or (h.successor or "")[:2] == province]


def short_names_below(region: Region) -> set[str]:
    """Short forms (岳阳 for 岳阳市) of every division below region."""
    return {short_name(r.name) for r in divisions().descendants(region.code)}


@lru_cache(maxsize=1)
def division_chars() -> frozenset[str]:
    """Every character of a current or historical division name: kept as is by the traditional → simplified step."""
    d = divisions()
    return frozenset("".join([*d.by_name, *d.history_by_name, *province_aliases()]))
