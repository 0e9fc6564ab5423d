"""Choices for the reviewer's filter bar: cohorts, provinces as 生源地 prefixes, statuses, batch-editable fields."""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models.org import Cohort
from app.services.review.query import PENDING_MINE
from app.validation.names import origin_province_name
from app.validation.regions import PROVINCE, divisions
from app.workflows.source_info import SOURCE_INFO

_COHORTS: list[Any] = [0.0, []]


def cohorts() -> list[Any]:
    """The cohort filter's choices; a handful of rows that change once a year, kept like the tree (see tree.cached)."""
    ttl = float(current_app.config.get("GEMS_TREE_CACHE_SECONDS", 30))
    if ttl > 0 and _COHORTS[0] > time.monotonic():
        return _COHORTS[1]
    rows = db.session.execute(select(Cohort.id, Cohort.name, Cohort.is_current).order_by(Cohort.year.desc())).all()
    _COHORTS[:] = [time.monotonic() + ttl, rows]
    return rows


@lru_cache(maxsize=1)
def provinces() -> tuple[str, ...]:
    """Province names as they begin a canonical 生源地 (内蒙古, 广西 … short forms), in code order."""
    return tuple(origin_province_name(r) for r in sorted(divisions().by_code.values(), key=lambda r: r.code)
                 if r.level == PROVINCE)


def statuses() -> list[tuple[str, str]]:
    return [(PENDING_MINE, _("Awaiting my review"))] + [(s, SOURCE_INFO.label(s)) for s in SOURCE_INFO.states]
