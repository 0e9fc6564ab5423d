"""Employers: the as-you-type lookup a student's form uses, and merging duplicates into one survivor."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select, update

from app.extensions import db
from app.models.employer import APPROVED, MERGED, Employer
from app.scope import scope_clause
from app.services import audit
from app.services.reference import division_city, division_full_name
from app.validation.result import normalise_text

MIN_QUERY, MAX_QUERY, MAX_RESULTS = 2, 60, 20


class LookupRefused(ValueError):
    """The query is too short or too long to search with."""


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lookup(query: object, user: Any, limit: int = MAX_RESULTS) -> list[dict[str, Any]]:
    """Approved employers whose name contains the text or whose credit code starts with it, best matches first."""
    text = normalise_text(query)
    if len(text) < MIN_QUERY:
        raise LookupRefused(_("Type at least %(n)d characters.", n=MIN_QUERY))
    if len(text) > MAX_QUERY:
        raise LookupRefused(_("Type at most %(n)d characters.", n=MAX_QUERY))
    pattern = _like_escaped(text)
    code_prefix = _like_escaped(text.upper()) + "%"
    by_code = Employer.credit_code.like(code_prefix, escape="\\")
    by_name = Employer.name.like(f"%{pattern}%", escape="\\")
    rank = case((Employer.credit_code == text.upper(), 0), (by_code, 1),
                (Employer.name.like(f"{pattern}%", escape="\\"), 2), else_=3)
    stmt = (select(Employer)
            .where(Employer.status == APPROVED, scope_clause(Employer, user), or_(by_code, by_name))
            .order_by(rank, func.length(Employer.name), Employer.name, Employer.id)
            .limit(min(limit, MAX_RESULTS)))
    return [{"id": e.id, "name": e.name, "credit_code": e.credit_code, "city": division_city(e.region_code),
             "region_code": e.region_code, "region": division_full_name(e.region_code)}
            for e in db.session.execute(stmt).scalars()]


# -- merge ----------------------------------------------------------------------------------------------------


class MergeRefused(ValueError):
    """The ticked employers cannot be merged as asked; nothing was changed."""


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    merged_ids: tuple[int, ...]
    repointed: dict[str, int]  # "table.column" -> rows moved to the survivor


def _references() -> list[Any]:
    """Every single-column foreign key to employer.id, found from the schema (tables added later included)."""
    pk = Employer.__table__.c.id
    return [fk.parent for table in db.Model.metadata.tables.values() for fk in table.foreign_keys
            if len(fk.constraint.columns) == 1 and fk.column is pk]


def _check(survivor: Employer, duplicates: list[Employer]) -> None:
    if not duplicates:
        raise MergeRefused(_("Tick at least two employers and choose the one to keep."))
    if survivor.status == MERGED or any(e.status == MERGED for e in duplicates):
        raise MergeRefused(_("An employer that was already merged cannot take part in another merge."))
    codes = {e.credit_code for e in [survivor, *duplicates] if e.credit_code}
    if len(codes) > 1:
        raise MergeRefused(_("These employers have different unified social credit codes (%(codes)s), so they are "
                             "different organisations and are not merged.", codes="、".join(sorted(codes))))


def merge(survivor: Employer, duplicates: list[Employer]) -> MergeResult:
    """Repoint every row that names a duplicate to the survivor, mark the duplicates merged, audit — one
    transaction: the caller's session commits it, or nothing of it happens."""
    duplicates = [e for e in duplicates if e.id != survivor.id]
    _check(survivor, duplicates)
    ids = [e.id for e in duplicates]
    repointed: dict[str, int] = {}
    for column in _references():
        moved = db.session.execute(update(column.table).where(column.in_(ids)).values({column.name: survivor.id}),
                                   execution_options={"synchronize_session": False}).rowcount
        if moved:
            repointed[f"{column.table.name}.{column.name}"] = moved
    originals = {e.id: e.credit_code for e in duplicates}
    code = next((c for c in originals.values() if c), None)
    for employer in duplicates:
        employer.status, employer.merged_into_id, employer.credit_code = MERGED, survivor.id, None
    db.session.flush()  # a duplicate's credit code is released before the survivor takes it (unique column)
    if code and not survivor.credit_code:
        survivor.credit_code = code
    for employer in duplicates:
        audit.record("employer.merged", "employer", employer.id, into=survivor.id, name=employer.name,
                     survivor_name=survivor.name, credit_code=originals[employer.id])
    audit.record("employer.merge_survivor", "employer", survivor.id, merged=ids, repointed=repointed)
    db.session.flush()
    return MergeResult(survivor.id, tuple(ids), repointed)
