"""Every suggestion any validator offers passes the validator it comes from (issue 9), over every division name."""

from __future__ import annotations

import ast
import inspect
import random
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import app.validation as validation
from app.validation import Check, check_home_address, check_origin
from app.validation.names import province_aliases
from app.validation.regions import divisions

TESTS = Path(__file__).resolve().parent
# The cases issue 9 reported.
ISSUE_CASES = ["山东省莱芜市", "山东省莱芜市莱城区", "山东省莱芜市钢城区", "湖南省邵东县", "湖南省嶽陽縣",
               "湖南省岳阳县\u200b", "\ufeff湖南省岳阳县", "湖南省岳阳市岳阳县", "湖南省岳阳县派出所（城关）",
               "湖南省岳阳县派出所", "湖南省岳阳县派出所xx"]
# Validators taking several fields, re-validated by putting the suggestion into the field it is for.
MULTI_FIELD = {"check_home_address", "check_contact_and_home"}
# Validators whose first parameter is not the value.
NOT_SINGLE = {"check_choice"}


def single_field_validators() -> dict[str, Callable[[object], Check]]:
    """Every check_* exported by app.validation that takes the value as its one required argument."""
    found = {}
    for name in validation.__all__:
        func = getattr(validation, name)
        if not name.startswith("check_") or name in MULTI_FIELD | NOT_SINGLE:
            continue
        required = [p for p in inspect.signature(func).parameters.values() if p.default is inspect.Parameter.empty]
        assert len(required) == 1, f"{name}: add it to MULTI_FIELD or NOT_SINGLE with a re-validation rule"
        found[name] = func
    return found


def test_every_exported_check_is_covered() -> None:
    """A new validator is picked up here automatically, or the test says how to cover it."""
    exported = {n for n in validation.__all__ if n.startswith("check_")}
    assert exported == set(single_field_validators()) | MULTI_FIELD | NOT_SINGLE


@lru_cache(maxsize=1)
def case_strings() -> list[str]:
    """Every string literal in this folder's tests: the cases other tests already name."""
    out: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) <= 60:
                out.add(node.value)
    return sorted(out)


@lru_cache(maxsize=1)
def division_variants() -> list[str]:
    """Each division written the ways people write it: canonical, official chain, name alone, with 省/short."""
    d = divisions()
    out: set[str] = set()
    for region in d.by_code.values():
        chain, node = [], region
        while node is not None:
            chain.append(node.name)
            node = d.parent_of(node)
        province = d.province_of(region)
        short = d.province_short.get(province.code, province.name)
        out.update({"".join(reversed(chain)), region.name, province.name + region.name, short + region.name})
        canonical = validation.canonical_origin(region.code)
        if canonical:
            out.add(canonical)
    for name, items in d.history_by_name.items():
        for old in items:
            province = d.get(old.code[:2] + "0000")
            out.add(name)
            if province is not None:
                out.add(province.name + name)
    return sorted(out)


def typos(texts: list[str], count: int, rng: random.Random) -> Iterator[str]:
    """Deleted, doubled, swapped or replaced characters, seeded."""
    pool = "省市县区州旗岳阳湖南山东莱芜邵城新"
    for _ in range(count):
        text = rng.choice(texts)
        if len(text) < 2:
            continue
        i = rng.randrange(len(text))
        op = rng.randrange(4)
        if op == 0:
            yield text[:i] + text[i + 1:]
        elif op == 1:
            yield text[:i] + text[i] + text[i:]
        elif op == 2 and i + 1 < len(text):
            yield text[:i] + text[i + 1] + text[i] + text[i + 2:]
        else:
            yield text[:i] + rng.choice(pool) + text[i + 1:]


def inputs_for(name: str) -> list[str]:
    """What each validator is fed: the test cases and, for the place-name checks, every division variant."""
    base = ISSUE_CASES + list(case_strings())
    rng = random.Random(20260901)
    if name == "check_origin":
        variants = division_variants()
        return base + variants + list(typos(variants, 1500, rng))
    if name == "check_police_station":
        variants = division_variants()
        stations = [v + "派出所" for v in variants] + [v + "城关派出所" for v in variants[::7]]
        stations += [v + "派出所（城关）" for v in variants[::11]] + [v + "公安局" for v in variants[::13]]
        return base + stations + list(typos(stations, 800, rng))
    return base + list(typos(base, 400, rng))


def _assert_round_trip(check: Callable[[object], Check], text: str) -> None:
    result = check(text)
    if result.suggestion is not None and result.suggestion != result.value:
        again = check(result.suggestion)
        assert again.ok, f"{text!r} -> suggestion {result.suggestion!r} refused: {again.message}"


@pytest.mark.parametrize("name", sorted(single_field_validators()))
def test_suggestions_pass_their_own_validator(name: str) -> None:
    """Feed every input; each suggestion offered must pass the same check."""
    check = single_field_validators()[name]
    for text in inputs_for(name):
        _assert_round_trip(check, text)


def _address_round_trip(parts: list[str]) -> None:
    result = check_home_address(*parts)
    if result.ok or result.suggestion is None:
        return
    fixed = list(parts)
    fixed[("province", "city_or_county", "town", "street").index(result.field)] = result.suggestion
    again = check_home_address(*fixed)
    assert again.ok or again.field != result.field, f"{parts} -> {result.suggestion!r}: {again.message}"


def test_address_suggestions_pass_for_their_part() -> None:
    """Part A/B suggestions, put into their part, pass that part, for every division and province spelling."""
    d = divisions()
    provinces = list(province_aliases())
    for region in d.by_code.values():
        province = d.province_of(region)
        parent = d.parent_of(region)
        for part_b in {region.name, (parent.name + region.name) if parent else region.name,
                       province.name + region.name}:
            _address_round_trip([province.name, part_b, "城关镇", "致富街100号"])
    for text in provinces + [p + "x" for p in provinces] + [p[:-1] for p in provinces]:
        _address_round_trip([text, "岳阳县", "城关镇", "致富街100号"])


def test_contact_and_home_suggestions_pass() -> None:
    """The contact/home phone pair: any suggestion passes with the other field unchanged."""
    for text in case_strings():
        result = validation.check_contact_and_home(text, "")
        if result.suggestion is not None:
            assert validation.check_contact_and_home(result.suggestion, "").ok


@seed(9)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(division_variants()), st.text(alphabet="市县区镇乡村派出所公安局岳阳省城关\u200b", max_size=4))
def test_origin_and_police_suggestions_hold_for_random_tails(text: str, tail: str) -> None:
    """Division names with random tails: origin and police suggestions still pass their own check."""
    _assert_round_trip(check_origin, text + tail)
    _assert_round_trip(validation.check_police_station, text + tail)
