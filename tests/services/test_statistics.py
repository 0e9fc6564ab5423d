"""PLAN-3/PLAN-5: every figure against a count made here from the fixture's own spec — per dimension, both calibers,
per role's scope; the rollup path equals the live one and is at most GEMS_STATS_MAX_AGE old; snapshots; warnings."""
from __future__ import annotations

import datetime
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.services import statistics, statistics_charts, statistics_data, warnings
from tests.services import plan_world as pw
from tests.services.plan_world import SPECS, Spec, cohort, department, user, world

world = world  # noqa: PLW0127  (the module fixture)
SCOPE = {"school": {"101", "10101", "102"}, "college_a": {"101", "10101"}, "college_b": {"102"}}
COLLEGE_OF = {"101": "101", "10101": "101", "102": "102"}


def visible(role: str) -> list[Spec]:
    return [s for s in SPECS if s.included and s.department in SCOPE[role]]


def expected(specs: list[Spec], key: Any, caliber: str) -> dict[Any, tuple[int, int, dict[str, int]]]:
    out: dict[Any, list[Any]] = {}
    for s in specs:
        entry = out.setdefault(key(s), [0, 0, Counter()])
        entry[0] += 1
        entry[1] += s.counts_placed
        entry[2][s.group(caliber)] += 1
    return {k: (n, p, dict(g)) for k, (n, p, g) in out.items()}


def got(result: statistics.Table, key: Any = lambda line: line.key) -> dict[Any, tuple[int, int, dict[str, int]]]:
    return {key(line): (line.graduates, line.placed, {g: n for g, n in line.by_group.items() if n})
            for line in result.lines}


@pytest.mark.parametrize("caliber", ["current", "2021"])
@pytest.mark.parametrize("role", ["school", "college_a", "college_b"])
def test_rate_by_college_matches_an_independent_count(ctx: Any, world: Any, role: str, caliber: str) -> None:
    result = statistics.table([cohort().id], "college", caliber, user(role))
    codes = {department(c).id: c for c in ("101", "102")}
    assert got(result, lambda line: codes[line.key]) == expected(visible(role), lambda s: COLLEGE_OF[s.department],
                                                                   caliber)
    assert result.total.graduates == len(visible(role))
    assert result.total.placed == sum(s.counts_placed for s in visible(role))


@pytest.mark.parametrize("dimension,key", [
    ("gender", lambda s: s.gender), ("level", lambda s: s.level), ("province", lambda s: s.origin[:2]),
])
@pytest.mark.parametrize("role", ["school", "college_a"])
def test_other_dimensions(ctx: Any, world: Any, role: str, dimension: str, key: Any) -> None:
    for caliber in ("current", "2021"):
        result = statistics.table([cohort().id], dimension, caliber, user(role))
        assert got(result) == expected(visible(role), key, caliber)


def test_by_major_and_by_code(ctx: Any, world: Any) -> None:
    majors = {c: pw.major_of(department(c)).id for c in ("101", "10101", "102")}
    result = statistics.table([cohort().id], "major", "current", user("school"))
    assert got(result, lambda line: int(line.key)) == expected(visible("school"), lambda s: majors[s.department],
                                                                  "current")
    by_code = statistics.table([cohort().id], "code", "current", user("school"))
    ids = {row.id: row.code for row in db.session.execute(select(pw.DestinationCode)).scalars()}
    approved = Counter(s.code if s.status == "complete" and s.code else None for s in visible("school"))
    assert {ids.get(line.key): line.graduates for line in by_code.lines} == dict(approved)


def test_cohort_dimension_has_this_cohort(ctx: Any, world: Any) -> None:
    result = statistics.table(list(db.session.execute(select(pw.Cohort.id)).scalars()), "cohort", "current",
                              user("school"))
    line = next(line for line in result.lines if line.key == cohort().id)
    assert (line.graduates, line.placed) == (len(visible("school")), sum(s.counts_placed for s in visible("school")))


def test_rollup_equals_live_and_is_refreshed_when_older_than_the_max_age(ctx: Any, world: Any) -> None:
    app = ctx
    live = {role: got(statistics.table([cohort().id], "college", "2021", user(role))) for role in SCOPE}
    old = dict(app.config)
    try:
        app.config["GEMS_STATS_LIVE_MAX"] = 0  # every cohort counts as large: read the rollup
        statistics_data.refresh(cohort().id)
        for role in SCOPE:
            result = statistics.table([cohort().id], "college", "2021", user(role))
            assert not result.freshness.live and result.freshness.as_of is not None
            assert got(result) == live[role], role
        # a new placed graduate: the rollup does not see it until it is older than the max age
        app.config["GEMS_STATS_MAX_AGE"] = 3600
        extra = pw.add_graduate(0, Spec("102", "1", "31", "430621", "11"))
        before = statistics.table([cohort().id], "college", "current", user("school")).total.placed
        app.config["GEMS_STATS_MAX_AGE"] = 0
        after = statistics.table([cohort().id], "college", "current", user("school")).total.placed
        assert (before, after) == (sum(s.counts_placed for s in visible("school")),
                                   sum(s.counts_placed for s in visible("school")) + 1)
    finally:
        app.config.clear()
        app.config.update(old)
        db.session.rollback()
        db.session.query(Destination).filter(Destination.graduate_id == extra.id).delete()
        db.session.query(Graduate).filter(Graduate.id == extra.id).delete()
        db.session.commit()


def test_snapshots_give_the_season_per_scope(ctx: Any, world: Any) -> None:
    day = datetime.date(2093, 6, 1)
    statistics_charts.snapshot(day)
    statistics_charts.snapshot(day)  # a second run replaces the day, never doubles it
    for role in SCOPE:
        specs = visible(role)
        rate = round(100.0 * sum(s.counts_placed for s in specs) / len(specs), 2)
        assert statistics_charts.season(cohort().id, user(role)) == [(day.isoformat(), rate)], role
    school = statistics_charts.school_rate(cohort().id)
    assert school == sum(s.counts_placed for s in visible("school")) / len(visible("school"))


def test_flexible_share_warning_names_the_college_only_in_scope(ctx: Any, world: Any) -> None:
    flagged = warnings.flexible_shares(cohort().id, user("school"))
    assert [w.college_id for w in flagged] == [department("102").id]
    flexible = sum(1 for s in visible("college_b") if s.group("2021") in ("flexible", "venture"))
    assert flagged[0].flexible == flexible and flagged[0].graduates == len(visible("college_b"))
    assert warnings.flexible_shares(cohort().id, user("college_a")) == []
    assert [w.college_id for w in warnings.flexible_shares(cohort().id, user("college_b"))] == [department("102").id]
    ctx.config["GEMS_WARN_FLEX_RATIO"] = 100.0
    try:
        assert warnings.flexible_shares(cohort().id, user("school")) == []
    finally:
        ctx.config["GEMS_WARN_FLEX_RATIO"] = 1.5


def test_missing_evidence_warning(ctx: Any, world: Any) -> None:
    needing = {"12", "76"}  # 12 needs a hiring proof, 76 the signed statement (2021 notice)
    wanted = sum(1 for s in SPECS if s.status == "complete" and s.code in needing)
    total, rows = warnings.missing_evidence(cohort().id, user("school"))
    assert total == wanted and len(rows) == wanted
    in_a = sum(1 for s in SPECS if s.status == "complete" and s.code in needing and s.department in SCOPE["college_a"])
    assert warnings.missing_evidence(cohort().id, user("college_a"))[0] == in_a
    from app.models.change import Evidence

    first = db.session.get(Destination, rows[0].destination_id)
    evidence = Evidence(graduate_id=first.graduate_id, original_name="p.pdf", content_type="application/pdf", size=1,
                        sha256="0" * 64, storage_key=f"pl-{uuid.uuid4().hex}")
    db.session.add(evidence)
    db.session.flush()
    link = DestinationEvidence(destination_id=first.id, evidence_id=evidence.id, kind=rows[0].kind)
    db.session.add(link)
    db.session.commit()
    try:
        assert warnings.missing_evidence(cohort().id, user("school"))[0] == wanted - 1
    finally:
        db.session.delete(link)
        db.session.delete(evidence)
        db.session.commit()


def test_employer_with_many_graduates_and_no_credit_code(ctx: Any, world: Any) -> None:
    bare = Employer(name=f"{pw.PREFIX}无代码小公司", status="approved")
    sound = Employer(name=f"{pw.PREFIX}正规公司", credit_code="91350100M000100Y43", status="approved")
    db.session.add_all([bare, sound])
    db.session.commit()
    added = [pw.add_graduate(0, Spec("101", "1", "31", "430621", "11"), employer=bare) for _ in range(10)]
    added += [pw.add_graduate(0, Spec("101", "1", "31", "430621", "11"), employer=sound) for _ in range(10)]
    try:
        flagged = warnings.unverified_employers(cohort().id, user("school"))
        assert [(w.employer_id, w.graduates, w.problem) for w in flagged] == [(bare.id, 10, "missing")]
        assert warnings.unverified_employers(cohort().id, user("college_b")) == []
        ctx.config["GEMS_WARN_EMPLOYER_GRADUATES"] = 11
        assert warnings.unverified_employers(cohort().id, user("school")) == []
    finally:
        ctx.config["GEMS_WARN_EMPLOYER_GRADUATES"] = 10
        ids = [g.id for g in added]
        db.session.rollback()
        db.session.query(Destination).filter(Destination.graduate_id.in_(ids)).delete()
        db.session.query(Graduate).filter(Graduate.id.in_(ids)).delete()
        db.session.query(Employer).filter(Employer.id.in_([bare.id, sound.id])).delete()
        db.session.commit()
