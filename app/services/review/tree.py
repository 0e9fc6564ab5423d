"""SRC-8: the department tree beside the reviewer list, with the number of records awaiting this reviewer per major."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

from flask import current_app
from sqlalchemy import and_, func, select, true

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Department, Major
from app.scope import scope_clause
from app.security.roles import CENTRAL_ROLES, role_names
from app.services.review.query import pending_states


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


def invalidate(*_args: Any) -> None:
    """Forget every cached tree (SOURCE_INFO's after_fire calls this: counts change with decisions)."""
    _CACHE.clear()


def register() -> None:
    """Decisions change the pending counts: clear the cache after every source-information transition."""
    from app.workflows.source_info import SOURCE_INFO

    if invalidate not in SOURCE_INFO.after_fire:
        SOURCE_INFO.after_fire.append(invalidate)


def cached(user: Any, cohort_id: Optional[int] = None) -> list[DeptNode]:
    """The tree for this reviewer's scope and cohort, recounted at most every GEMS_TREE_CACHE_SECONDS.

    Counting pending records per major over a million graduates costs ~300 ms; decisions in this process clear
    the cache at once, decisions in other app servers show within the cache period.
    """
    ttl = float(current_app.config.get("GEMS_TREE_CACHE_SECONDS", 30))
    if ttl <= 0:
        return build(user, cohort_id)
    roles = role_names(user)
    key = (tuple(sorted(roles)), None if roles & CENTRAL_ROLES else user.department_id, cohort_id)
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    roots = build(user, cohort_id)
    _CACHE[key] = (now + ttl, roots)
    return roots


def build(user: Any, cohort_id: Optional[int] = None) -> list[DeptNode]:
    """Roots of the visible tree: departments, their majors and pending counts, in one grouped query."""
    on = [Graduate.major_id == Major.id, Graduate.status.in_(pending_states(user)), Graduate.included == true(),
          scope_clause(Graduate, user)]
    if cohort_id:
        on.append(Graduate.cohort_id == cohort_id)
    rows = db.session.execute(
        select(Department.id, Department.name, Department.code, Department.parent_id,
               Major.id, Major.name, Major.code, func.count(Graduate.id))
        .outerjoin(Major, and_(Major.department_id == Department.id, Major.active.is_(True)))
        .outerjoin(Graduate, and_(*on))
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
