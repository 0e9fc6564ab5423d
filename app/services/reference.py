"""Lookups over the maintained code tables — the only way code learns what a destination code means — plus the
generic "where is this row used" check and the GB/T 2260 division lookup for 单位所在地."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Optional

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.reference import DestinationCode, ReferenceMixin
from app.validation.regions import COUNTY, MUNICIPALITIES, PREFECTURE, UNDIVIDED, Region, divisions
from app.validation.result import Check, fail, normalise_text

DEFAULT_TTL = 30.0  # seconds another process may serve an edited table from its cache
_CHANGED = "gems_reference_changed"


@dataclass(frozen=True)
class Destination:
    """What one destination code row says, detached from the session."""

    code: str
    name: str
    stem: str  # its own code for a stem
    placed: bool
    rate_group: str
    rate_group_2021: str
    form_kind: str
    evidence: tuple[str, ...]
    active: bool


_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, Destination]]] = {}


def _load() -> dict[str, Destination]:
    rows = db.session.execute(select(DestinationCode)).scalars().all()
    by_id = {row.id: row for row in rows}
    result = {}
    for row in rows:
        stem = by_id[row.parent_id].code if row.parent_id in by_id else row.code
        result[row.code] = Destination(row.code, row.name, stem, row.placed, row.rate_group, row.rate_group_2021,
                                       row.form_kind, tuple(row.evidence_list), row.active)
    return result


def destinations() -> dict[str, Destination]:
    """Every destination code (retired ones too: old records keep their meaning), cached for a short TTL."""
    if db.session.info.get(_CHANGED):
        return _load()  # this transaction edited a code table: read its own view, cache nothing uncommitted
    ttl = float(current_app.config.get("GEMS_REFERENCE_CACHE_SECONDS", DEFAULT_TTL)) if has_app_context() else 0
    key = str(db.engine.url)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    table = _load()
    with _lock:
        _cache[key] = (now, table)
    return table


def invalidate() -> None:
    with _lock:
        _cache.clear()


@event.listens_for(Session, "after_flush")
def _reference_flushed(session: Session, _context: Any) -> None:
    """An edit of a code table (any door) drops this process's cache; other processes follow within the TTL."""
    if any(isinstance(obj, ReferenceMixin) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True
        invalidate()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _reference_settled(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        invalidate()


def destination(code: Optional[str]) -> Optional[Destination]:
    return destinations().get(code or "")


def placed_codes() -> frozenset[str]:
    """Codes (stems and sub-codes) that count as placed in the rate's numerator."""
    return frozenset(code for code, row in destinations().items() if row.placed)


def is_placed(code: Optional[str]) -> bool:
    row = destination(code)
    return bool(row and row.placed)


def group_of(code: Optional[str], caliber: str = "current") -> Optional[str]:
    """The code's rate group: RATE_GROUPS keys for the current caliber, RATE_GROUPS_2021 keys for "2021"."""
    row = destination(code)
    if row is None:
        return None
    return row.rate_group_2021 if caliber == "2021" else row.rate_group


def form_kind(code: Optional[str]) -> Optional[str]:
    """Which part of the destination form the code needs (FORM_KINDS keys)."""
    row = destination(code)
    return row.form_kind if row else None


def evidence_needed(code: Optional[str]) -> tuple[str, ...]:
    """Proof files the code needs (EVIDENCE_KINDS keys)."""
    row = destination(code)
    return row.evidence if row else ()


def stem_of(code: Optional[str]) -> Optional[str]:
    row = destination(code)
    return row.stem if row else None


def choices(model: Any, current: Any = None) -> list[Any]:
    """Rows to offer in a form: the active ones in sort order, plus `current` (an id) so an old entry still shows."""
    clause = model.active.is_(True)
    if current is not None:
        clause = or_(clause, model.id == current)
    return list(db.session.execute(select(model).where(clause).order_by(model.sort_order, model.code)).scalars())


# -- where a row is used ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    table: str
    column: str
    count: int
    label: str


def _label_of_table(table: Any) -> str:
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            label = getattr(mapper.class_, "__label__", None)
            return str(label) if label else table.name
    return table.name


def usages(row: Any) -> list[Usage]:
    """Every single-column foreign key in the schema that points at `row`'s table, with how many rows use `row`:
    a table added later is covered without touching this code."""
    table = row.__table__
    pk_column = table.primary_key.columns.values()[0]
    pk = getattr(row, pk_column.key)
    found = []
    for other in db.Model.metadata.tables.values():
        for fk in other.foreign_keys:
            if len(fk.constraint.columns) != 1 or fk.column is not pk_column:
                continue
            column = fk.parent
            count = db.session.execute(select(func.count()).select_from(other).where(column == pk)).scalar_one()
            if count:
                label = f"{_label_of_table(other)}（{column.info.get('label') or column.name}）"
                found.append(Usage(other.name, column.name, count, label))
    return found


class InUseError(ValueError):
    """A row still referenced elsewhere cannot be deleted; the message says where and offers retiring."""


def refuse_delete_if_used(row: Any) -> None:
    found = usages(row)
    if found:
        places = "；".join(_("%(place)s: %(count)d row(s)", place=u.label, count=u.count) for u in found)
        raise InUseError(_("The entry “%(row)s” is still in use (%(places)s) and cannot be deleted; retire it "
                           "instead, so it is no longer offered for new entries.", row=repr(row), places=places))


# -- GB/T 2260 divisions for 单位所在地 ---------------------------------------------------------------------------


def division_full_name(code: Optional[str]) -> Optional[str]:
    """湖南省岳阳市岳阳楼区 for 430602: the names from the province down; None for an unknown or abolished code."""
    d = divisions()
    region = d.get(code)
    if region is None:
        return None
    names: list[str] = []
    current: Optional[Region] = region
    while current is not None:
        names.append(current.name)
        current = d.parent_of(current)
    return "".join(reversed(names))


def division_city(code: Optional[str]) -> Optional[str]:
    """The city a division lies in (岳阳市 for 430602, 北京市 for 110101, 济源市 for a county-level city)."""
    d = divisions()
    region = d.get(code)
    if region is None:
        return None
    parent = d.parent_of(region) if region.level == COUNTY else None
    if parent is not None and (parent.level == PREFECTURE or parent.code in MUNICIPALITIES):
        return parent.name
    return region.name


def _selectable(region: Region) -> bool:
    """A place an employer can be: a prefecture or county, or a province-level unit with no divisions (港澳台)."""
    return region.level in (PREFECTURE, COUNTY) or region.code in UNDIVIDED


def check_division(value: object) -> Check:
    """A current 6-digit GB/T 2260 code for 单位所在地; value is the code, `code` carries the full name."""
    code = normalise_text(value)
    if not code:
        return fail(_("Enter the 6-digit division code of the employer's location."))
    if len(code) != 6 or not code.isdigit():
        return fail(_("The location code has 6 digits (GB/T 2260), e.g. 430602; “%(value)s” is not one.",
                      value=code), code)
    d = divisions()
    region = d.get(code)
    if region is None:
        former = d.historical(code)
        if former:
            successor = d.successor(former[-1])
            if successor is not None:
                return fail(_("%(code)s (%(name)s) is no longer in use; its current code is %(new)s (%(new_name)s).",
                              code=code, name=former[-1].name, new=successor.code,
                              new_name=division_full_name(successor.code)), code, suggestion=successor.code)
            return fail(_("%(code)s (%(name)s) is no longer in use; choose the current division.",
                          code=code, name=former[-1].name), code)
        return fail(_("%(code)s is not a GB/T 2260 division code.", code=code), code)
    if not _selectable(region):
        return fail(_("%(name)s is a whole province; choose the city or county.", name=region.name), code)
    return Check(ok=True, value=code, code=division_full_name(code))


def division_options() -> list[tuple[str, str]]:
    """(code, "code full name") for every place an employer can be, in GB/T 2260 order."""
    return [(r.code, f"{r.code} {division_full_name(r.code)}") for r in divisions().by_code.values() if _selectable(r)]
