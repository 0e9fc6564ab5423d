"""SRC-8: the department tree beside the reviewer list, with the number of records awaiting this reviewer per major."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Department, Major
from app.scope import scope_clause
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
    children: list["DeptNode"] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return sum(m.pending for m in self.majors) + sum(c.pending for c in self.children)


def build(user: Any, cohort_id: Optional[int] = None) -> list[DeptNode]:
    """Roots of the visible tree; one query for departments and one for majors with their pending counts."""
    departments = db.session.execute(
        select(Department.id, Department.name, Department.code, Department.parent_id)
        .where(scope_clause(Department, user), Department.active.is_(True))
        .order_by(Department.sort_order, Department.code)).all()
    on = [Graduate.major_id == Major.id, Graduate.status.in_(pending_states(user)), Graduate.included.is_(True),
          scope_clause(Graduate, user)]
    if cohort_id:
        on.append(Graduate.cohort_id == cohort_id)
    majors = db.session.execute(
        select(Major.id, Major.name, Major.code, Major.department_id, func.count(Graduate.id))
        .outerjoin(Graduate, and_(*on))
        .where(scope_clause(Major, user), Major.active.is_(True))
        .group_by(Major.id, Major.name, Major.code, Major.department_id)
        .order_by(Major.code)).all()
    nodes = {d.id: DeptNode(d.id, d.name, d.code) for d in departments}
    for major_id, name, code, department_id, pending in majors:
        if department_id in nodes:
            nodes[department_id].majors.append(MajorNode(major_id, name, code, pending))
    roots = []
    for d in departments:
        parent = nodes.get(d.parent_id)
        (parent.children if parent is not None else roots).append(nodes[d.id])
    return roots
