"""SRC-8: the department tree beside a reviewer list, with the number of records awaiting this reviewer per major."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from flask import current_app
from sqlalchemy import and_, event, func, select, true
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Department, Major
from app.redis_client import client
from app.scope import scope_clause
from app.security.roles import CENTRAL_ROLES, role_names
from app.services.review.query import pending_states
from app.services.review.workspace import Workspace, source


@dataclass
class MajorNode:
    id: int
    name: str
    code: str
    pending: int


@dataclass
class DeptNode:
    id: int
    name: str
    code: str
    majors: list[MajorNode] = field(default_factory=list)
    children: list[DeptNode] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return sum(m.pending for m in self.majors) + sum(c.pending for c in self.children)


_CACHE: dict[tuple[Any, ...], tuple[float, list[DeptNode]]] = {}
log = logging.getLogger(__name__)


GENERATION_KEY = "gems:tree:generation"


def invalidate(*_args: Any) -> None:
    """Forget every cached tree (each workspace's after_fire calls this: counts change with decisions); once the
    decision commits, tell the other servers too."""
    _CACHE.clear()
    db.session.info["gems_tree_changed"] = True


def _committed(session: Any) -> None:
    """After a decision's commit: drop what was counted meanwhile and bump the shared generation (Redis)."""
    if session.info.pop("gems_tree_changed", False):
        _CACHE.clear()
        shared = client()
        if shared is not None:
            try:
                shared.incr(GENERATION_KEY)
            except Exception:  # noqa: BLE001 - Redis away: other servers fall back to their cache period
                log.warning("could not publish a tree change to Redis")


def _generation() -> Optional[int]:
    """The shared generation (0 without Redis); None when Redis does not answer: then nothing is cached."""
    shared = client()
    if shared is None:
        return 0
    try:
        return int(shared.get(GENERATION_KEY) or 0)
    except Exception:  # noqa: BLE001
        return None


def register() -> None:
    """Decisions change the pending counts: clear the cache after every transition of a workspace's workflow."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
    from app.services.review.workspace import WORKSPACES, get

    get("source")
    for ws in WORKSPACES.values():
        if invalidate not in ws.workflow.after_fire:
            ws.workflow.after_fire.append(invalidate)


def cached(user: Any, cohort_id: Optional[int] = None, ws: Optional[Workspace] = None) -> list[DeptNode]:
    """The tree for this reviewer's scope and cohort, recounted at most every GEMS_TREE_CACHE_SECONDS.

    Counting pending records per major over a million graduates costs ~300 ms; a decision clears the cache at
    once in this server and, through a generation number in Redis (when configured), in every other.
    """
    ws = ws or source()
    ttl = float(current_app.config.get("GEMS_TREE_CACHE_SECONDS", 30))
    if ttl <= 0:
        return build(user, cohort_id, ws)
    generation = _generation()
    if generation is None:
        return build(user, cohort_id, ws)
    roles = role_names(user)
    key = (ws.name, generation, tuple(pending_states(user, ws.workflow)), tuple(sorted(roles)),
           None if roles & CENTRAL_ROLES else user.department_id, cohort_id)
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    roots = build(user, cohort_id, ws)
    _CACHE[key] = (now + ttl, roots)
    return roots


def _pending_join(ws: Workspace, stmt: Any, user: Any, cohort_id: Optional[int]) -> tuple[Any, Any]:
    """(the statement outer-joined to the major's pending records, the expression counting them)."""
    pending = ws.model.status.in_(pending_states(user, ws.workflow))
    on = [Graduate.major_id == Major.id, Graduate.included == true(), scope_clause(Graduate, user)]
    if cohort_id:
        on.append(Graduate.cohort_id == cohort_id)
    if ws.owner_key is None:
        return stmt.outerjoin(Graduate, and_(pending, *on)), func.count(Graduate.id)
    record = [ws.owner_key == Graduate.id, pending] + ([ws.live()] if ws.live is not None else [])
    return (stmt.outerjoin(Graduate, and_(*on)).outerjoin(ws.model, and_(*record)), func.count(ws.model.id))


def build(user: Any, cohort_id: Optional[int] = None, ws: Optional[Workspace] = None) -> list[DeptNode]:
    """Roots of the visible tree: departments, their majors and pending counts, in one grouped query."""
    ws = ws or source()
    stmt = (select(Department.id, Department.name, Department.code, Department.parent_id, Major.id, Major.name,
                   Major.code)
            .outerjoin(Major, and_(Major.department_id == Department.id, Major.active.is_(True))))
    stmt, counted = _pending_join(ws, stmt, user, cohort_id)
    rows = db.session.execute(
        stmt.add_columns(counted)
        .where(scope_clause(Department, user), Department.active.is_(True))
        .group_by(Department.id, Department.name, Department.code, Department.parent_id, Department.sort_order,
                  Major.id, Major.name, Major.code)
        .order_by(Department.sort_order, Department.code, Major.code)).all()
    nodes: dict[int, DeptNode] = {}
    parents: dict[int, Optional[int]] = {}
    for dept_id, name, code, parent_id, major_id, major_name, major_code, pending in rows:
        node = nodes.get(dept_id)
        if node is None:
            node = nodes[dept_id] = DeptNode(dept_id, name, code)
            parents[dept_id] = parent_id
        if major_id is not None:
            node.majors.append(MajorNode(major_id, major_name, major_code, pending))
    roots = []
    for dept_id, node in nodes.items():
        parent = nodes.get(parents[dept_id])
        (parent.children if parent is not None else roots).append(node)
    return roots
