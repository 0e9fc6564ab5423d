"""EMP-3 / PLAN-2: destinations in the national file's format (or the school's fields) — one scoped SELECT streamed
in chunks into app.excel.writer, masked per permission, audited. The workspace's export and the plan download
(就业方案数据) both call write_national; national_rows gives the same cells to anyone else."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import Select, and_, select, true

from app.excel.text import display_width
from app.excel.writer import SheetData, write_workbook
from app.extensions import db
from app.models.destination import Destination
from app.models.graduate import Graduate
from app.scope import scope_clause, subtree_ids
from app.security.pii import can_see_full
from app.services import audit
from app.services.national_format import FIELDS, JOINS, NATIONAL, FieldSet, field_set, field_sets, row_formatter
from app.workflows.review_builder import COMPLETE

CHUNK = 2000  # rows fetched per round trip (server-side cursor on PostgreSQL)
PROGRESS_EVERY = 1000
WIDE_FIELDS = {"unit_name", "unit_address", "foreign_school_name", "work_description", "training_unit", "origin"}


@dataclass
class NationalFilter:
    """Which rows: destination versions (the workspace's selection) or, with `plan`, the cohort's employment plan —
    every reported graduate once, with their current destination (only an approved one unless approved_only is off).
    `where` takes the caller's own conditions over Destination, Graduate, Department or Major; the user's scope is
    always added here."""

    plan: bool = False
    cohort_id: Optional[int] = None
    department_id: Optional[int] = None
    destination_ids: Optional[list[int]] = None
    current_only: bool = True  # destination mode: the graduate's current version only (ignored with ids)
    approved_only: bool = True  # plan mode
    where: tuple[Any, ...] = field(default_factory=tuple)

    def summary(self) -> dict[str, Any]:
        """What the audit row records about the filter."""
        out = {"plan": self.plan, "cohort": self.cohort_id, "department": self.department_id,
               "selected": len(self.destination_ids) if self.destination_ids is not None else None,
               "approved_only": self.approved_only if self.plan else None, "conditions": len(self.where) or None}
        return {k: v for k, v in out.items() if v not in (None, False)}


def base_select(f: NationalFilter, user: Any, columns: list[Any]) -> Select[Any]:
    """SELECT columns FROM graduate/destination with every join FIELDS may need, scoped and filtered."""
    if f.plan:
        on = and_(Destination.graduate_id == Graduate.id, Destination.is_current == true())
        if f.approved_only:
            on = and_(on, Destination.status == COMPLETE)
        stmt = select(*columns).select_from(Graduate).outerjoin(Destination, on)
        where: list[Any] = [Graduate.included == true()]
    else:
        stmt = select(*columns).select_from(Destination).join(Graduate, Graduate.id == Destination.graduate_id)
        where = []
        if f.destination_ids is not None:
            where.append(Destination.id.in_(f.destination_ids))
        elif f.current_only:
            where.append(Destination.is_current == true())
    for target, on_clause in JOINS:
        stmt = stmt.outerjoin(target, on_clause)
    # the destination's scope is its graduate's (Destination.__scope__ goes through graduate), and the graduate is
    # joined: the graduate's clause is the same rule without a correlated EXISTS per row
    where.insert(0, scope_clause(Graduate, user))
    if f.cohort_id:
        where.append(Graduate.cohort_id == f.cohort_id)
    if f.department_id:
        where.append(Graduate.department_id.in_(subtree_ids(f.department_id)))
    where.extend(f.where)
    return stmt.where(*where)


def select_for(fs: FieldSet, f: NationalFilter, user: Any) -> Select[Any]:
    """The one SELECT of a field set's fields, in the national file's order (student number)."""
    columns = [FIELDS[name].label(name) for name in fs.fields]
    order = [Graduate.student_no, Graduate.id] + ([] if f.plan else [Destination.version_no])
    return base_select(f, user, columns).order_by(*order)


def national_rows(query_filter: NationalFilter, user: Any, set_key: str = NATIONAL) -> Iterator[list[Any]]:
    """The file's data rows as the user may see them (masked without the full-view permission), streamed."""
    fs = field_set(set_key)
    format_row = row_formatter(fs, can_see_full(user))
    result = db.session.execute(select_for(fs, query_filter, user).execution_options(yield_per=CHUNK))
    for row in result.tuples():
        yield format_row(row)


def count(query_filter: NationalFilter, user: Any) -> int:
    from sqlalchemy import func

    stmt = base_select(query_filter, user, [func.count()])
    return db.session.execute(stmt).scalar_one()


def _widths(fs: FieldSet) -> list[float]:
    return [min(max(display_width(column.header) + 2, 12 if column.field not in WIDE_FIELDS else 30), 60)
            for column in fs.columns]


def write_national(target: Any, query_filter: NationalFilter, user: Any, set_key: str = NATIONAL, *,
                   progress: Optional[Callable[[int], None]] = None, actor: Any = None,
                   action: str = "export.national") -> int:
    """Write the workbook to `target` (path or binary file), audit who exported what (X-2); returns the rows.

    `actor` names the requesting user when this runs in a background job (default: the request's user).
    """
    fs = field_set(set_key)
    # ID-like headers (codes, numbers) are text columns, so the office's edits keep their leading zeros
    sheet = SheetData(fs.sheet[:31], fs.headers, national_rows(query_filter, user, set_key), widths=_widths(fs))
    written = write_workbook(target, sheet, progress=progress, progress_every=PROGRESS_EVERY)
    # employment data leave the school only with the provincial office's consent: every export is recorded
    audit.record(action, "destination", "", actor=actor, rows=written, set=fs.key, filter=query_filter.summary(),
                 masked=not can_see_full(user))
    db.session.commit()
    return written


def chooser_sets() -> list[dict[str, Any]]:
    """The one-click sets for the workspace's field chooser: key, label and the headers each writes."""
    return [{"key": fs.key, "label": fs.label, "headers": fs.headers} for fs in field_sets().values()]


__all__ = ["NationalFilter", "chooser_sets", "count", "national_rows", "select_for", "write_national"]
