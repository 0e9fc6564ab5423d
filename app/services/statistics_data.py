"""PLAN-3's counting: graduate counts per cohort, department, one dimension's value and approved destination code —
read live for a normal school, or from a rollup rebuilt at most GEMS_STATS_MAX_AGE seconds ago for a large cohort.
Both paths run the very same GROUP BY, so they cannot disagree."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from flask import current_app, has_app_context
from sqlalchemy import String, and_, cast, delete, func, insert, literal, select, text, true

from app.extensions import db
from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.plan import StatRefresh, StatRollup
from app.scope import scope_clause
from app.timeutil import utcnow
from app.workflows.destination import COMPLETE

STORED = ("department", "major", "level", "gender", "province")  # the dimensions a rollup row can be keyed by
LIVE_MAX, MAX_AGE = 50_000, 60.0  # defaults of GEMS_STATS_LIVE_MAX and GEMS_STATS_MAX_AGE
WHOLE_SCHOOL = object()  # the actor for school-wide reference figures (the line a college is compared with)


@dataclass(frozen=True)
class Cell:
    cohort_id: int
    department_id: int
    value: Optional[str]
    code_id: Optional[int]  # None: no approved destination
    graduates: int


@dataclass(frozen=True)
class Freshness:
    live: bool
    as_of: Optional[datetime.datetime]  # the oldest rollup read (naive UTC); None when everything was live


def _setting(key: str, default: float) -> float:
    return float(current_app.config.get(key, default)) if has_app_context() else default


def _value_column(dimension: str) -> Any:
    return {
        "department": literal(None, String),
        "major": cast(Graduate.major_id, String),
        "level": Graduate.education_level,
        "gender": Graduate.gender,
        "province": func.substr(Graduate.origin_code, 1, 2),
    }[dimension]


def grouped(dimension: str, cohort_ids: Iterable[int], where: Any) -> Any:
    """The GROUP BY over graduate and their current approved destination; `where` is the scope (or true())."""
    value = _value_column(dimension)
    entry = and_(Destination.graduate_id == Graduate.id, Destination.is_current, Destination.status == COMPLETE)
    keys = [Graduate.cohort_id, Graduate.department_id, Destination.code_id]
    if dimension != "department":
        keys.insert(2, value)
    return (select(Graduate.cohort_id, Graduate.department_id, value.label("value"), Destination.code_id,
                   func.count().label("graduates"))
            .select_from(Graduate).outerjoin(Destination, entry)
            .where(Graduate.included.is_(True), Graduate.cohort_id.in_(list(cohort_ids)), where)
            .group_by(*keys))


def refresh(cohort_id: int) -> bool:
    """Rebuild one cohort's rollup in the caller's transaction, then commit; False when another process holds the
    rebuild (PostgreSQL advisory lock) — its result will be as fresh."""
    if db.session.get_bind().dialect.name == "postgresql":
        got = db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": 0x5747_0000 + cohort_id}).scalar()
        if not got:
            db.session.rollback()
            return False
    db.session.execute(delete(StatRollup).where(StatRollup.cohort_id == cohort_id))
    for dimension in STORED:
        source = grouped(dimension, [cohort_id], true()).subquery()
        db.session.execute(insert(StatRollup).from_select(
            ["cohort_id", "department_id", "dimension", "value", "code_id", "graduates"],
            select(source.c.cohort_id, source.c.department_id, literal(dimension), source.c.value, source.c.code_id,
                   source.c.graduates)))
    total = db.session.execute(select(func.coalesce(func.sum(StatRollup.graduates), 0)).where(
        StatRollup.cohort_id == cohort_id, StatRollup.dimension == "department")).scalar_one()
    row = db.session.get(StatRefresh, cohort_id)
    if row is None:
        db.session.add(StatRefresh(cohort_id=cohort_id, refreshed_at=utcnow(), graduates=total))
    else:
        row.refreshed_at, row.graduates = utcnow(), total
    db.session.commit()
    return True


def _marks(cohort_ids: list[int]) -> dict[int, StatRefresh]:
    return {r.cohort_id: r for r in db.session.execute(select(StatRefresh).where(
        StatRefresh.cohort_id.in_(cohort_ids))).scalars()}


def large_cohorts(cohort_ids: list[int]) -> set[int]:
    """Cohorts counted from the rollup: those whose last rebuild found more than GEMS_STATS_LIVE_MAX graduates."""
    limit = _setting("GEMS_STATS_LIVE_MAX", LIVE_MAX)
    return {cid for cid, mark in _marks(cohort_ids).items() if mark.graduates > limit}


def cells(dimension: str, cohort_ids: Iterable[int], actor: Any) -> tuple[list[Cell], Freshness]:
    """Every cell of `dimension` for the cohorts, within the actor's scope, and how fresh the numbers are."""
    wanted = sorted(set(cohort_ids))

    def scope(model: Any) -> Any:
        return true() if actor is WHOLE_SCHOOL else scope_clause(model, actor)

    marks = _marks(wanted)
    limit = _setting("GEMS_STATS_LIVE_MAX", LIVE_MAX)
    large = {cid for cid, mark in marks.items() if mark.graduates > limit}
    found: list[Cell] = []
    small = [c for c in wanted if c not in large]
    if small:
        found += [Cell(*row) for row in db.session.execute(grouped(dimension, small, scope(Graduate)))]
    as_of = None
    if large:
        max_age = datetime.timedelta(seconds=_setting("GEMS_STATS_MAX_AGE", MAX_AGE))
        stale = [cid for cid in sorted(large) if utcnow() - marks[cid].refreshed_at > max_age]
        for cohort_id in stale:
            refresh(cohort_id)
        if stale:
            marks = _marks(sorted(large))
        marks = {cid: marks[cid] for cid in large}
        as_of = min(mark.refreshed_at for mark in marks.values())
        stmt = select(StatRollup.cohort_id, StatRollup.department_id, StatRollup.value, StatRollup.code_id,
                      StatRollup.graduates).where(StatRollup.cohort_id.in_(sorted(large)),
                                                  StatRollup.dimension == dimension,
                                                  scope(StatRollup))
        found += [Cell(*row) for row in db.session.execute(stmt)]
    return found, Freshness(live=not large, as_of=as_of)
