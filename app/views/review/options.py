"""Choices for the reviewer's filter bar: cohorts, provinces as 生源地 prefixes, statuses, rejection reasons."""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Callable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models.org import Cohort
from app.models.reference import RejectionReason
from app.services.review.query import PENDING_MINE
from app.services.review.workspace import Workspace, source
from app.validation.names import origin_province_name
from app.validation.regions import PROVINCE, divisions

_CACHED: dict[str, tuple[float, Any]] = {}


def kept(key: str, load: Callable[[], Any]) -> Any:
    """A few rows that change rarely (cohorts, code tables), reloaded at most every GEMS_TREE_CACHE_SECONDS, so a
    list page costs no query for its filter choices (see tree.cached)."""
    ttl = float(current_app.config.get("GEMS_TREE_CACHE_SECONDS", 30))
    hit = _CACHED.get(key)
    if ttl > 0 and hit is not None and hit[0] > time.monotonic():
        return hit[1]
    value = load()
    _CACHED[key] = (time.monotonic() + ttl, value)
    return value


def cohorts() -> list[Any]:
    """The cohort filter's choices."""
    return kept("cohorts", lambda: db.session.execute(
        select(Cohort.id, Cohort.name, Cohort.is_current).order_by(Cohort.year.desc())).all())


def rejection_reasons() -> list[Any]:
    """The active rejection reasons (code, name, needs words), in the list's order."""
    return kept("rejection_reasons", lambda: db.session.execute(
        select(RejectionReason.code, RejectionReason.name, RejectionReason.needs_text)
        .where(RejectionReason.active.is_(True)).order_by(RejectionReason.sort_order, RejectionReason.code)).all())


@lru_cache(maxsize=1)
def provinces() -> tuple[str, ...]:
    """Province names as they begin a canonical 生源地 (内蒙古, 广西 … short forms), in code order."""
    return tuple(origin_province_name(r) for r in sorted(divisions().by_code.values(), key=lambda r: r.code)
                 if r.level == PROVINCE)


def statuses(ws: Optional[Workspace] = None) -> list[tuple[str, str]]:
    workflow = (ws or source()).workflow
    return [(PENDING_MINE, _("Awaiting my review"))] + [(s, workflow.label(s)) for s in workflow.states]
