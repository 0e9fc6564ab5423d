"""GB/T 2260 divisions, current and historical, loaded once from app/data/regions.json for the checks."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.json"
PROVINCE, PREFECTURE, COUNTY = 0, 1, 2
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
# Province-level units with no divisions in the data: an origin there is the province itself.
UNDIVIDED = frozenset({"710000", "810000", "820000"})
# GB 11643 also issues 830000 to Taiwan residents' residence permits (港澳台居民居住证).
EXTRA_ID_PREFIXES = frozenset({"830000"})
_SUFFIX = re.compile(r"(自治县|自治旗|自治州|特区|林区|地区|市|县|区|旗|盟)$")


class Region(NamedTuple):
    """A current division: 6-digit code, official name, level, GB/T 2260 type and parent code."""

    code: str
    name: str
    level: int
    type: str
    parent: str | None


class HistoricalName(NamedTuple):
    """A code/name pair that is no longer current: the year it disappeared, its successor, or what it was split into."""

    code: str
    name: str
    level: int
    year: int
    successor: str | None
    parts: tuple[str, ...] = ()


def _historical(code: str, item: list[Any]) -> HistoricalName:
    """One history entry of the JSON: [name, level, year, successor or '', optional split parts]."""
    name, level, year, successor, *rest = item
    return HistoricalName(code, name, level, year, successor or None, tuple(rest[0]) if rest else ())


def short_name(name: str) -> str:
    """Name without its administrative suffix (岳阳市 -> 岳阳), kept whole when too little would remain."""
    stripped = _SUFFIX.sub("", name)
    return stripped if len(stripped) >= 2 else name


class Divisions:
    """Indexes over the division data, each built on first use; get the shared instance from divisions()."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.meta: dict[str, Any] = doc["meta"]
        self.province_short: dict[str, str] = doc["province_short"]
        self._types: list[str] = doc["types"]
        self._current: dict[str, list[Any]] = doc["current"]
        self._history: dict[str, list[list[Any]]] = doc["history"]

    @cached_property
    def by_code(self) -> dict[str, Region]:
        """Current divisions by code, in GB/T 2260 order."""
        types = self._types
        return {code: Region(code, name, level, types[t], parent or None)
                for code, (name, level, t, parent) in self._current.items()}

    @cached_property
    def children(self) -> dict[str, list[Region]]:
        """Direct children of each division."""
        out: dict[str, list[Region]] = defaultdict(list)
        for region in self.by_code.values():
            if region.parent:
                out[region.parent].append(region)
        return out

    @cached_property
    def by_name(self) -> dict[str, list[Region]]:
        """Current divisions by official name (names repeat across provinces)."""
        out: dict[str, list[Region]] = defaultdict(list)
        for region in self.by_code.values():
            out[region.name].append(region)
        return out

    @cached_property
    def history_by_name(self) -> dict[str, list[HistoricalName]]:
        """Historical names (1980 onwards) by name."""
        out: dict[str, list[HistoricalName]] = defaultdict(list)
        for code, items in self._history.items():
            for item in items:
                out[item[0]].append(_historical(code, item))
        return out

    @cached_property
    def max_name_length(self) -> int:
        """Longest current or historical name, bounding prefix searches."""
        return max(len(n) for n in [*self.by_name, *self.history_by_name])

    def get(self, code: str | None) -> Region | None:
        """Current division by code."""
        return self.by_code.get(code or "")

    def historical(self, code: str) -> list[HistoricalName]:
        """Former names that used this code."""
        return [_historical(code, item) for item in self._history.get(code, [])]

    def province_of(self, region: Region) -> Region:
        """The province-level unit a division belongs to."""
        return self.by_code[region.code[:2] + "0000"]

    def parent_of(self, region: Region) -> Region | None:
        """The parent division, if any."""
        return self.by_code.get(region.parent or "")

    def descendants(self, code: str) -> list[Region]:
        """Every division below code (prefectures and counties)."""
        out: list[Region] = []
        for child in self.children.get(code, []):
            out.append(child)
            out.extend(self.descendants(child.code))
        return out

    def is_within(self, region: Region, ancestor: Region) -> bool:
        """True when region is ancestor or lies below it."""
        current: Region | None = region
        while current is not None:
            if current.code == ancestor.code:
                return True
            current = self.parent_of(current)
        return False

    def is_known_code(self, code: str) -> bool:
        """A current or historical 6-digit code (or one issued to residence permits); cheap, no index needed."""
        return code in self._current or code in self._history or code in EXTRA_ID_PREFIXES

    def successor(self, item: HistoricalName) -> Region | None:
        """Current division that replaced a historical one, if known."""
        return self.by_code.get(item.successor or "")

    def parts(self, item: HistoricalName) -> list[Region]:
        """Current divisions a historical one was split into (莱芜市 -> 济南市莱芜区, 钢城区), if known."""
        return [self.by_code[code] for code in item.parts if code in self.by_code]


def load_divisions(path: Path = DATA_FILE) -> Divisions:
    """Parse the JSON file (not cached; application code uses divisions())."""
    with path.open(encoding="utf-8") as fh:
        return Divisions(json.load(fh))


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    """The shared, lazily loaded division data."""
    return load_divisions()
