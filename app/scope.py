"""The one row-scope rule (DESIGN "Scope"): who may see which rows, as a SQL clause every door applies."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from flask import g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from app.extensions import db
from app.security.roles import CENTRAL_ROLES, COLLEGE, EMPLOYER, STUDENT, role_names


def department_subtree(root_id: int) -> list[int]:
    """Ids of a department and all its descendants; the tree is small, so one query per request."""
    from app.models.org import Department

    cache: dict[int, list[int]] = {}
    if has_request_context():
        cache = g.setdefault("_gems_subtrees", {})
    if root_id in cache:
        return cache[root_id]
    children: dict[Optional[int], list[int]] = {}
    for dept_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)):
        children.setdefault(parent_id, []).append(dept_id)
    result, stack = [], [root_id]
    while stack:
        node = stack.pop()
        if node in result:
            continue  # a cycle in bad data must not loop forever
        result.append(node)
        stack.extend(children.get(node, []))
    cache[root_id] = result
    return result


@lru_cache(maxsize=4096)
def subtree_ids(root_id: int) -> Select[Any]:
    """The same subtree as SQL (a recursive CTE; UNION stops on cycles), so scoping a query costs no extra round
    trip. Cached per root: one statement may scope several tables and must reuse the very same CTE object, and
    each root has its own CTE name, so a scope and a department filter on different roots can share a statement."""
    from app.models.org import Department

    table = Department.__table__
    tree = select(table.c.id).where(table.c.id == root_id).cte(f"gems_subtree_{int(root_id)}", recursive=True)
    tree = tree.union(select(table.c.id).where(table.c.parent_id == tree.c.id))
    return select(tree.c.id)


# A model's `__scope__` for reference data every signed-in user may see (cohorts, code tables); a model that declares
# no scope at all is visible to the central roles only.
EVERYONE: dict[str, str] = {"everyone": "yes"}


def _scope_column(model: Any, path: str, test: Any) -> ColumnElement[bool]:
    """`test(column)` for a column of the model, or through one relationship ("graduate.department_id")."""
    if "." not in path:
        return test(getattr(model, path))
    relation, rest = path.split(".", 1)
    attribute = getattr(model, relation)
    return attribute.has(_scope_column(attribute.property.mapper.class_, rest, test))


def scope_clause(model: Any, user: Any) -> ColumnElement[bool]:
    """The rows of `model` that `user` may see; models declare their scope columns (or paths) in `__scope__`."""
    roles = role_names(user)
    if not roles:
        return false()
    spec: dict[str, str] = getattr(model, "__scope__", {})
    if roles & CENTRAL_ROLES or spec.get("everyone"):
        return true()
    clauses: list[ColumnElement[bool]] = []
    if spec.get("everyone_if"):  # "column=value": rows every signed-in user may read (approved employers)
        path, value = spec["everyone_if"].split("=", 1)
        clauses.append(_scope_column(model, path, lambda column: column == value))
    if COLLEGE in roles and spec.get("department") and getattr(user, "department_id", None):
        subtree = subtree_ids(user.department_id)
        clauses.append(_scope_column(model, spec["department"], lambda column: column.in_(subtree)))
    if STUDENT in roles and spec.get("student"):
        clauses.append(_scope_column(model, spec["student"], lambda column: column == user.id))
    if EMPLOYER in roles and spec.get("employer") and getattr(user, "employer_id", None):
        clauses.append(_scope_column(model, spec["employer"], lambda column: column == user.employer_id))
    return or_(*clauses) if clauses else false()


def current_user() -> Any:
    return getattr(g, "user", None) if has_request_context() else None


def in_scope(model: Any, ids: list[Any], user: Any) -> set[Any]:
    """Which of `ids` the user may see."""
    if not ids:
        return set()
    pk = model.__mapper__.primary_key[0]
    stmt = select(pk).where(pk.in_(ids), scope_clause(model, user))
    return set(db.session.execute(stmt).scalars())


class ScopeFilter(BaseFilter):
    """FAB base filter that applies scope_clause for the current user; used by every scoped view and API."""

    name = "scope"
    arg_name = None

    def apply(self, query, value):  # noqa: ANN001
        return query.filter(scope_clause(self.model, current_user()))


def scope_base_filters() -> list[list[Any]]:
    """base_filters value for FAB views and APIs."""
    return [["id", ScopeFilter, lambda: None]]
