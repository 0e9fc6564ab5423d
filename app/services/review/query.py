"""SRC-8: the reviewer list's filters, keyword and pasted-list search, as one scoped SELECT shared by page and export."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from sqlalchemy import Select, and_, func, or_, select, true

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.scope import scope_clause, subtree_ids
from app.security.roles import ADMIN, COLLEGE, SCHOOL, role_names
from app.services.review.columns import BY_KEY, SORTABLE, Column
from app.validation.idcard import normalise_id
from app.workflows.source_info import CENTRAL, DRAFT, SECONDARY

PAGE_SIZES = (20, 50, 100, 200)
MAX_PASTE = 2000
PENDING_MINE = "pending_mine"
_TOKEN_SPLIT = re.compile(r"[\r\n\t,，;；、]+")
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")


class TooManyValues(ValueError):
    """More than MAX_PASTE values were pasted."""


@dataclass
class ReviewFilter:
    """What the reviewer asked for; every field optional. Built from request args by the view."""

    cohort_id: Optional[int] = None
    department_id: Optional[int] = None
    major_ids: list[int] = field(default_factory=list)
    status: Optional[str] = None
    origin: Optional[str] = None
    submitted: Optional[bool] = None
    keyword: str = ""
    pasted: list[str] = field(default_factory=list)
    include_excluded: bool = False


def parse_pasted(text: str) -> list[str]:
    """Values pasted from Excel: one per line, or tab/comma separated; blanks and repeats dropped, order kept."""
    values = [v.strip() for v in _TOKEN_SPLIT.split(text or "")]
    values = list(dict.fromkeys(v for v in values if v))
    if len(values) > MAX_PASTE:
        raise TooManyValues(len(values))
    return values


def pending_states(user: Any) -> list[str]:
    """The states that wait for this reviewer's level: college → 二级待审, school → 中心待审, admin → both."""
    roles = role_names(user)
    states = []
    if roles & {COLLEGE, ADMIN}:
        states.append(SECONDARY)
    if roles & {SCHOOL, ADMIN}:
        states.append(CENTRAL)
    return states


def conditions(f: ReviewFilter, user: Any) -> list[Any]:
    """WHERE conditions for the filter, the scope rule always first."""
    where: list[Any] = [scope_clause(Graduate, user)]
    if not f.include_excluded:
        where.append(Graduate.included == true())  # "= true", not "IS true": PostgreSQL can use indexes for it
    if f.cohort_id:
        where.append(Graduate.cohort_id == f.cohort_id)
    if f.department_id:
        where.append(Graduate.department_id.in_(subtree_ids(f.department_id)))
    if f.major_ids:
        where.append(Graduate.major_id.in_(f.major_ids))
    if f.status == PENDING_MINE:
        where.append(Graduate.status.in_(pending_states(user)))
    elif f.status:
        where.append(Graduate.status == f.status)
    if f.origin:
        where.append(Graduate.origin.startswith(f.origin, autoescape=True))
    if f.submitted is True:
        where.append(Graduate.status != DRAFT)
    elif f.submitted is False:
        where.append(Graduate.status == DRAFT)
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


def base_select(columns: list[Column]) -> Select[Any]:
    """The joined SELECT of the given columns (plus id and version), before WHERE/ORDER."""
    exprs = [Graduate.id.label("id"), Graduate.version.label("version")]
    exprs += [c.expr.label(c.key) for c in columns if c.key not in ("id", "version")]
    return (select(*exprs).select_from(Graduate)
            .join(Department, Department.id == Graduate.department_id)
            .outerjoin(Major, Major.id == Graduate.major_id)
            .join(Cohort, Cohort.id == Graduate.cohort_id))


def ordering(sort: Optional[str], direction: str) -> list[Any]:
    """A whitelisted sort (never a masked column) with the id as tie-breaker so pages are stable."""
    column = BY_KEY[sort].expr if sort in SORTABLE else Graduate.student_no
    order = column.desc() if direction == "desc" else column.asc()
    return [order, Graduate.id.desc() if direction == "desc" else Graduate.id.asc()]


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
            sort: Optional[str] = None, direction: str = "asc") -> Page:
    """One page (an index-ordered LIMIT) and a total counted up to COUNT_CAP; a short first page needs no count."""
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]
    page = max(page, 1)
    where = conditions(f, user)
    stmt = (base_select(columns).where(*where).order_by(*ordering(sort, direction))
            .limit(page_size).offset((page - 1) * page_size))
    rows = list(db.session.execute(stmt).mappings().all())
    if page == 1 and len(rows) < page_size:
        return Page(rows, len(rows), page, page_size)
    total = capped_count(where)
    return Page(rows, min(total, COUNT_CAP), page, page_size, capped=total > COUNT_CAP)


def capped_count(where: list[Any]) -> int:
    """How many rows match, counting no further than COUNT_CAP + 1."""
    limited = select(Graduate.id).where(*where).limit(COUNT_CAP + 1).subquery()
    return db.session.execute(select(func.count()).select_from(limited)).scalar_one()


def count(f: ReviewFilter, user: Any) -> int:
    return db.session.execute(select(func.count()).select_from(Graduate).where(*conditions(f, user))).scalar_one()


def matching_ids(f: ReviewFilter, user: Any) -> list[int]:
    """Every id the filter matches (for "apply to all matching"), scoped."""
    return list(db.session.execute(select(Graduate.id).where(*conditions(f, user))).scalars())


def not_found(f: ReviewFilter, user: Any) -> list[str]:
    """Pasted values that match no visible record's student number or name (reported back to the reviewer)."""
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
           direction: str = "asc", ids: Optional[list[int]] = None, batch: int = 2000) -> Iterator[Any]:
    """Every matching row (or just `ids`), fetched in batches on a server-side cursor so memory stays flat."""
    where = conditions(f, user)
    if ids is not None:
        where.append(Graduate.id.in_(ids))
    stmt = base_select(columns).where(and_(*where)).order_by(*ordering(sort, direction))
    yield from db.session.execute(stmt.execution_options(yield_per=batch)).mappings()
