"""SRC-8/EMP-2: a workspace's filters, keyword and pasted-list search, as one scoped SELECT shared by page and export."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from sqlalchemy import Select, and_, func, or_, select, true
from sqlalchemy.sql import util as sql_util

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.scope import scope_clause, subtree_ids
from app.security.roles import ADMIN, COLLEGE, SCHOOL, role_names
from app.services.review.columns import Column
from app.services.review.workspace import Workspace, source
from app.validation.idcard import normalise_id
from app.workflows.review_builder import CENTRAL, SECONDARY

PAGE_SIZES = (20, 50, 100, 200)
MAX_PASTE = 2000
PENDING_MINE = "pending_mine"
_TOKEN_SPLIT = re.compile(r"[\r\n\t,，;；、]+")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")


class TooManyValues(ValueError):
    """More than MAX_PASTE values were pasted."""


@dataclass
class ReviewFilter:
    """What the reviewer asked for; every field optional. Built from request args by the view; `extra` holds the
    workspace's own filters (Workspace.filters) by URL argument, already parsed."""

    cohort_id: Optional[int] = None
    department_id: Optional[int] = None
    major_ids: list[int] = field(default_factory=list)
    status: Optional[str] = None
    keyword: str = ""
    pasted: list[str] = field(default_factory=list)
    include_excluded: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def parse_pasted(text: str) -> list[str]:
    """Values pasted from Excel: one per line, or tab/comma separated; blanks and repeats dropped, order kept."""
    values = [v.strip() for v in _TOKEN_SPLIT.split(text or "")]
    values = list(dict.fromkeys(v for v in values if v))
    if len(values) > MAX_PASTE:
        raise TooManyValues(len(values))
    return values


def pending_states(user: Any, workflow: Any = None) -> list[str]:
    """The states that wait for this reviewer's level: college → 二级待审 (where the workflow has a college level),
    school → 中心待审, admin → both."""
    states = (workflow if workflow is not None else source().workflow).states
    roles = role_names(user)
    out = []
    if roles & {COLLEGE, ADMIN} and SECONDARY in states:
        out.append(SECONDARY)
    if roles & {SCHOOL, ADMIN}:
        out.append(CENTRAL)
    return out


def owner_scope(ws: Workspace, user: Any) -> Any:
    """The scope rule on the record's graduate (every workspace's records are scoped as their graduate is)."""
    return scope_clause(Graduate, user)


def conditions(f: ReviewFilter, user: Any, ws: Optional[Workspace] = None) -> list[Any]:
    """WHERE conditions for the filter, the scope rule always first."""
    ws = ws or source()
    where: list[Any] = [owner_scope(ws, user)]
    if ws.live is not None and ws.per_graduate is None:
        where.append(ws.live())
    if not f.include_excluded:
        where.append(Graduate.included == true())  # "= true", not "IS true": PostgreSQL can use indexes for it
    if f.cohort_id:
        where.append(Graduate.cohort_id == f.cohort_id)
    if f.department_id:
        where.append(Graduate.department_id.in_(subtree_ids(f.department_id)))
    if f.major_ids:
        where.append(Graduate.major_id.in_(f.major_ids))
    if f.status == PENDING_MINE:
        where.append(ws.model.status.in_(pending_states(user, ws.workflow)))
    elif f.status:
        where.append(ws.model.status == f.status)
    for flt in ws.filters:
        if f.extra.get(flt.arg) is not None:
            where.append(flt.clause(f.extra[flt.arg]))
    keyword = (f.keyword or "").strip()
    if keyword:
        where.append(_keyword_clause(keyword))
    if f.pasted:
        where.append(or_(Graduate.student_no.in_(f.pasted), Graduate.name.in_(f.pasted)))
    return where


def _keyword_clause(keyword: str) -> Any:
    """ID numbers match exactly (never by fragment: the masked digits must stay hidden); otherwise a prefix of
    the student number or the name."""
    if _ID_LIKE.match(normalise_id(keyword)):
        return or_(Graduate.id_number == normalise_id(keyword).upper(), Graduate.student_no == keyword)
    return or_(Graduate.student_no.startswith(keyword, autoescape=True),
               Graduate.name.startswith(keyword, autoescape=True))


def with_owner(ws: Workspace, stmt: Select[Any]) -> Select[Any]:
    """`stmt` joined to the record's graduate (unless the record is the graduate)."""
    return stmt if ws.owner_key is None else stmt.join(Graduate, Graduate.id == ws.owner_key)


def row_key(ws: Workspace) -> Any:
    """What makes a listed row unique: the record's id, or the graduate's in a one-row-per-graduate workspace."""
    return Graduate.id if ws.per_graduate is not None else ws.model.id


def listed_from(ws: Workspace, stmt: Select[Any]) -> Select[Any]:
    """The FROM of the list: the records with their graduate, or every graduate with its one picked record."""
    if ws.per_graduate is not None:
        return stmt.select_from(Graduate).outerjoin(ws.model, and_(ws.owner_key == Graduate.id, ws.per_graduate()))
    return with_owner(ws, stmt.select_from(ws.model))


def filtered_from(ws: Workspace, stmt: Select[Any]) -> Select[Any]:
    """The joins every condition may need: the record's graduate and the workspace's own (outer) joins."""
    return ws.joins(listed_from(ws, stmt))


def base_select(columns: list[Column], ws: Optional[Workspace] = None) -> Select[Any]:
    """The joined SELECT of the given columns (plus id and version), before WHERE/ORDER."""
    ws = ws or source()
    exprs = [ws.model.id.label("id"), ws.model.version.label("version")]
    exprs += [c.expr.label(c.key) for c in columns if c.key not in ("id", "version")]
    stmt = listed_from(ws, select(*exprs))
    stmt = (stmt.join(Department, Department.id == Graduate.department_id)
            .outerjoin(Major, Major.id == Graduate.major_id)
            .join(Cohort, Cohort.id == Graduate.cohort_id))
    return ws.joins(stmt)


def ordering(sort: Optional[str], direction: str, ws: Optional[Workspace] = None) -> list[Any]:
    """A whitelisted sort (never a masked column) with the id as tie-breaker so pages are stable."""
    ws = ws or source()
    column = ws.by_key[sort if sort in ws.sortable else ws.default_sort].expr
    order = column.desc() if direction == "desc" else column.asc()
    key = row_key(ws)
    return [order, key.desc() if direction == "desc" else key.asc()]


COUNT_CAP = 10_000  # beyond this the list says "10 000+": an exact count of 1M rows costs more than the page


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    page_size: int
    capped: bool = False  # total is COUNT_CAP and there are more

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)


def page_of(columns: list[Column], f: ReviewFilter, user: Any, *, page: int = 1, page_size: int = 20,
            sort: Optional[str] = None, direction: str = "asc", ws: Optional[Workspace] = None) -> Page:
    """One page (an index-ordered LIMIT) and a total counted up to COUNT_CAP; a short first page needs no count."""
    ws = ws or source()
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]
    page = max(page, 1)
    where = conditions(f, user, ws)
    stmt = (base_select(columns, ws).where(*where).order_by(*ordering(sort, direction, ws))
            .limit(page_size).offset((page - 1) * page_size))
    rows = list(db.session.execute(stmt).mappings().all())
    if page == 1 and len(rows) < page_size:
        return Page(rows, len(rows), page, page_size)
    total = capped_count(where, ws)
    return Page(rows, min(total, COUNT_CAP), page, page_size, capped=total > COUNT_CAP)


def _graduate_only(ws: Workspace, where: list[Any]) -> bool:
    """One row per graduate and no condition reads the record side: the count needs no join at all."""
    if ws.per_graduate is None:
        return False
    record_side = {t for t in sql_util.find_tables(filtered_from(ws, select(row_key(ws))), include_joins=False)
                   if t is not Graduate.__table__}
    return not any(set(sql_util.find_tables(c, check_columns=True)) & record_side for c in where)


def capped_count(where: list[Any], ws: Optional[Workspace] = None) -> int:
    """How many rows match, counting no further than COUNT_CAP + 1."""
    ws = ws or source()
    if _graduate_only(ws, where):
        stmt = select(Graduate.id)
    else:
        stmt = filtered_from(ws, select(row_key(ws)))
    limited = stmt.where(*where).limit(COUNT_CAP + 1).subquery()
    return db.session.execute(select(func.count()).select_from(limited)).scalar_one()


def count(f: ReviewFilter, user: Any, ws: Optional[Workspace] = None) -> int:
    ws = ws or source()
    stmt = filtered_from(ws, select(func.count(row_key(ws))))
    return db.session.execute(stmt.where(*conditions(f, user, ws))).scalar_one()


def matching_ids(f: ReviewFilter, user: Any, ws: Optional[Workspace] = None) -> list[int]:
    """Every id the filter matches (for "apply to all matching"), scoped."""
    ws = ws or source()
    stmt = filtered_from(ws, select(ws.model.id)).where(*conditions(f, user, ws))
    if ws.per_graduate is not None:
        stmt = stmt.where(ws.model.id.isnot(None))  # a graduate without a record has nothing to act on
    return list(db.session.execute(stmt).scalars())


def not_found(f: ReviewFilter, user: Any) -> list[str]:
    """Pasted values that match no visible graduate's student number or name (reported back to the reviewer)."""
    if not f.pasted:
        return []
    scope = scope_clause(Graduate, user)
    found: set[str] = set()
    for chunk_start in range(0, len(f.pasted), 900):
        chunk = f.pasted[chunk_start:chunk_start + 900]
        rows = db.session.execute(select(Graduate.student_no, Graduate.name).where(
            scope, or_(Graduate.student_no.in_(chunk), Graduate.name.in_(chunk)))).all()
        for student_no, name in rows:
            found.add(student_no)
            found.add(name)
    return [v for v in f.pasted if v not in found]


def stream(columns: list[Column], f: ReviewFilter, user: Any, *, sort: Optional[str] = None,
           direction: str = "asc", ids: Optional[list[int]] = None, batch: int = 2000,
           ws: Optional[Workspace] = None) -> Iterator[Any]:
    """Every matching row (or just `ids`), fetched in batches on a server-side cursor so memory stays flat."""
    ws = ws or source()
    where = conditions(f, user, ws)
    if ids is not None:
        where.append(ws.model.id.in_(ids))
    stmt = base_select(columns, ws).where(and_(*where)).order_by(*ordering(sort, direction, ws))
    yield from db.session.execute(stmt.execution_options(yield_per=batch)).mappings()


def owned_ids(ws: Workspace, ids: list[int], actor: Any, *extra: Any) -> Select[Any]:
    """SELECT of the record id, its graduate's student number, name and account for `ids`, scoped."""
    stmt = select(ws.model.id, Graduate.student_no, Graduate.name, Graduate.user_id).select_from(ws.model)
    stmt = with_owner(ws, stmt)
    return stmt.where(ws.model.id.in_(ids), owner_scope(ws, actor), *extra)
