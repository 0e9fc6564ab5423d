"""Every web route, GET and POST, with hostile path values, query arguments and form bodies, as four roles: no 5xx."""
from __future__ import annotations

import os
import random
import re
import time
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.security.isolated import in_child, run_in_child

SEED = int(os.environ.get("GEMS_FUZZ_SEED", "20260801"))  # fixed; override to explore
HOSTILE = ("0", "-1", str(2**64), str(10**30), "abc", "%00", "\x00", "../", "../../etc/passwd", "x" * 3000,
           "名字🙂\u202e\ufeff", "1e400", "", " ", "[]", "null", "<script>", "²", "٣", "-0", "+1", "1.5")
PATH_VALUES = tuple(v for v in HOSTILE if v.strip()) + ("1",)
QUERY_ARGS = ("page", "page_size", "size", "department", "major", "cohort", "status", "q", "ids", "back", "next",
              "sort", "order", "dir", "field", "province", "pk", "target", "_flt_0_id", "_oc_", "_od_",
              "psize_", "page_")
SKIP_ENDPOINTS = re.compile(r"logout|static", re.I)
ARG = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")

if not in_child():

    def test_every_web_route_survives_hostile_input() -> None:
        """The fuzz below, in a process with its own database (hostile posts may create or change rows)."""
        output = run_in_child(__file__)
        assert "passed" in output

else:
    from tests.conftest import assert_signed_in, csrf_token
    from tests.views.student_support import StudentFactory, signed_in

    @pytest.fixture()
    def browsers(app: Any, as_role: Any) -> dict[str, Any]:
        """admin, school, college_a and a student, each signed in (proved by assert_signed_in)."""
        out = {}
        for role in ("admin", "school", "college_a"):
            out[role] = as_role(role)
            assert_signed_in(out[role], role)
        out["student"] = signed_in(app, StudentFactory(app)())
        return out

    def _routes(app: Any, method: str) -> list[str]:
        rules = [r for r in app.url_map.iter_rules() if method in (r.methods or ())
                 and not r.rule.startswith("/api/") and not SKIP_ENDPOINTS.search(r.endpoint)]
        return sorted({r.rule for r in rules})

    def _fill(rule: str, value: str) -> str:
        return ARG.sub(lambda m: quote(value, safe=""), rule)

    def _hostile_query(rng: random.Random) -> str:
        names = rng.sample(QUERY_ARGS, k=rng.randrange(3, len(QUERY_ARGS)))
        pairs = [(n, rng.choice(HOSTILE)) for n in names] + [("major", rng.choice(HOSTILE))]
        return urlencode(pairs)

    def _check(failures: dict[str, str], rule: str, label: str, call: Any) -> Any:
        """Make the request; a 5xx or an exception (TESTING propagates them) is a failure, one per route and kind."""
        try:
            response = call()
        except Exception as exc:  # noqa: BLE001
            failures.setdefault(f"{rule} {type(exc).__name__}: {str(exc)[:160]}", label)
            return None
        if response.status_code >= 500:
            failures.setdefault(f"{rule} {response.status_code}", label)
        return response

    def _field_names(html: str) -> set[str]:
        return set(re.findall(r'name="([A-Za-z_][\w-]*)"', html)) - {"csrf_token"}

    def _path_values(rng: random.Random, rule: str, k: int) -> list[str]:
        """A seeded sample of hostile values, always with an existing-looking id and one far beyond 64 bits."""
        if not ARG.search(rule):
            return [""]
        return ["1", str(10**30)] + rng.sample([v for v in PATH_VALUES if v not in ("1", str(10**30))], k=k)

    def test_every_route(app: Any, browsers: dict[str, Any], backstop_hits: list[Any]) -> None:
        """GET each route with hostile path values and query arguments, then POST hostile forms to each."""
        rng = random.Random(SEED)
        print(f"fuzz seed {SEED}")
        failures: dict[str, str] = {}
        fields: set[str] = set(QUERY_ARGS)
        started = time.perf_counter()
        gets, posts = _routes(app, "GET"), _routes(app, "POST")
        count = 0
        for role, browser in browsers.items():
            for rule in gets:
                for value in _path_values(rng, rule, 2):
                    url = _fill(rule, value)
                    label = f"{role} GET {url[:200]}"
                    plain = _check(failures, rule, label, partial(browser.get, url))
                    if plain is not None and plain.status_code == 200 and "html" in plain.content_type:
                        fields |= _field_names(plain.get_data(as_text=True))
                    query = _hostile_query(rng)
                    _check(failures, rule, f"{label}?{query[:300]}", partial(browser.get, f"{url}?{query}"))
                    count += 2
        names = sorted(fields)
        for role, browser in browsers.items():
            token = csrf_token(browser.get("/resetmypassword/form").get_data(as_text=True))
            for rule in posts:
                for value in _path_values(rng, rule, 1)[1:] or [""]:
                    url = _fill(rule, value)
                    form = {n: rng.choice(HOSTILE) for n in names} | {"csrf_token": token}
                    _check(failures, rule, f"{role} POST {url[:200]}", partial(browser.client.post, url, data=form))
                    count += 1
        print(f"{count} requests over {len(gets)} GET and {len(posts)} POST routes in "
              f"{time.perf_counter() - started:.1f}s")
        assert len(gets) > 40 and len(posts) > 20, (len(gets), len(posts))
        assert not failures, "\n".join(f"{kind}  e.g. {label}" for kind, label in sorted(failures.items()))
        assert not backstop_hits, [r.getMessage() for r in backstop_hits]
