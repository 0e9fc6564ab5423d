"""Match valid registry rows with what a cohort already holds, then write registry and roster in bulk statements."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.excel import CellError
from app.models.graduate import Graduate
from app.models.registry import RegistryRecord
from app.services.registry_rules import IDX, REGISTRY_FIELDS
from app.services.source_form import REGISTRY_PREFILL
from app.timeutil import utcnow
from app.validation import mask_id

CHUNK = 2000
# Roster placement follows the registry whatever the form's state; form fields only while the form is untouched.
PLACEMENT = ("department_id", "major_id", "included", "exclusion_reason")
FORM_FIELDS = ("id_number", *REGISTRY_PREFILL)
_GRADUATE_COLUMNS = ("id", "student_no", "registry_record_id", "status", "bound_at", *PLACEMENT, *FORM_FIELDS)


@dataclass
class Plan:
    """Everything one import will write, decided before the first write so a conflict can still reject it."""

    present: frozenset[str]
    errors: list[CellError] = field(default_factory=list)
    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    updates: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    unchanged: int = 0
    # (record, existing registry id or None, existing graduate row or None)
    roster: list[tuple[tuple[Any, ...], int | None, Any]] = field(default_factory=list)


@dataclass
class Counts:
    """What an applied plan changed, for the page and the audit entry."""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    graduates_added: int = 0
    graduates_updated: int = 0


def _conflict(row: int, column: str, message: str) -> CellError:
    """A row error found while matching with existing records."""
    return CellError(row, column, message, None)


def plan_changes(session: Session, cohort_id: int, records: Sequence[tuple[Any, ...]], row_numbers: Sequence[int],
                 present: frozenset[str]) -> Plan:
    """Match each record by (cohort, 身份证号) and (cohort, 学号); classify added / updated / unchanged."""
    plan = Plan(present=present)
    compared = [name for name in REGISTRY_FIELDS if name in present]
    table = RegistryRecord.__table__
    existing = session.execute(select(table.c.id, *(table.c[name] for name in REGISTRY_FIELDS))
                               .where(table.c.cohort_id == cohort_id)).all()
    by_id = {row.id_number: row for row in existing}
    by_no = {row.student_no: row for row in existing}
    graduates = session.execute(select(*(Graduate.__table__.c[name] for name in _GRADUATE_COLUMNS))
                                .where(Graduate.__table__.c.cohort_id == cohort_id)).all()
    grad_by_record = {g.registry_record_id: g for g in graduates if g.registry_record_id is not None}
    grad_by_no = {g.student_no: g for g in graduates}
    grad_by_id = {g.id_number: g for g in graduates if g.id_number}
    claimed_records: dict[int, int] = {}
    claimed_graduates: dict[int, int] = {}
    for record, number in zip(records, row_numbers, strict=True):
        id_number, student_no = record[IDX["id_number"]], record[IDX["student_no"]]
        match_id, match_no = by_id.get(id_number), by_no.get(student_no)
        if match_id is not None and match_no is not None and match_id.id != match_no.id:
            plan.errors.append(_conflict(number, "身份证号", _(
                "The ID number belongs to the registry record with student number %(student_no)s, but the "
                "student number belongs to another record (ID number %(id_number)s): correct the file or check "
                "the records already imported.", student_no=match_id.student_no,
                id_number=mask_id(match_no.id_number))))
            continue
        if (match_id is not None and match_no is None and match_id.student_no != student_no
                and match_id.name != record[IDX["name"]]):
            plan.errors.append(_conflict(number, "身份证号", _(
                "Conflict, needs a decision: this ID number already belongs to the graduate %(name)s (student "
                "number %(student_no)s) in this cohort, and this row has a different name and student number. "
                "Nothing was changed. If it is the same person, correct that graduate's record first; if the ID "
                "number in the file is wrong, correct the file; then import again.",
                name=match_id.name, student_no=match_id.student_no)))
            continue
        match = match_id or match_no
        if match is not None:
            first = claimed_records.setdefault(match.id, number)
            if first != number:
                plan.errors.append(_conflict(number, "身份证号", _(
                    "Row %(row)d of this file already matches the same registry record (by ID number or "
                    "student number).", row=first)))
                continue
            if all(getattr(match, name) == record[IDX[name]] for name in compared):
                plan.unchanged += 1
            else:
                plan.updates.append((match.id, record))
        else:
            plan.inserts.append(record)
        graduate = (grad_by_record.get(match.id) if match is not None else None) or grad_by_no.get(student_no)
        holder_of_id = grad_by_id.get(id_number)
        if holder_of_id is not None and (graduate is None or holder_of_id.id != graduate.id):
            plan.errors.append(_conflict(number, "身份证号", _(
                "The roster of this cohort already has a graduate with this ID number (student number "
                "%(student_no)s): one ID number can be in a cohort only once. Correct the file or that graduate.",
                student_no=holder_of_id.student_no)))
            continue
        if graduate is not None:
            first = claimed_graduates.setdefault(graduate.id, number)
            holder = grad_by_no.get(student_no)
            if first != number or (holder is not None and holder.id != graduate.id):
                plan.errors.append(_conflict(number, "学号", _(
                    "The roster already has another graduate with student number %(student_no)s in this cohort.",
                    student_no=student_no)))
                continue
        plan.roster.append((record, match.id if match is not None else None, graduate))
    return plan


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """Slices of CHUNK items, so progress moves and statements stay bounded."""
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _copy_text(value: Any) -> Any:
    """A value as PostgreSQL's COPY (csv) reads it; None stays an unquoted empty field, which is NULL."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany INSERT; on PostgreSQL (psycopg2) a COPY, several times faster at 100 000 rows.

    Every row must carry the same keys, and no value may be an empty string (blank cells arrive as None).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg2":
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_copy_text(row[name]) for name in names])
    buffer.seek(0)
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN WITH (FORMAT csv)"
    with connection.connection.dbapi_connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


def _registry_values(record: tuple[Any, ...], names: Iterable[str]) -> dict[str, Any]:
    """The named fields of a record tuple as a dict."""
    return {name: record[IDX[name]] for name in names}


def apply_plan(session: Session, plan: Plan, cohort_id: int, job_id: int | None,
               progress: Callable[[str, int, int], None]) -> Counts:
    """Write the plan in the caller's transaction with executemany statements (the caller commits)."""
    now = utcnow()
    table = RegistryRecord.__table__
    total = len(plan.inserts) + len(plan.updates) + len(plan.roster)
    done = 0
    stamp = {"import_job_id": job_id, "updated_at": now}
    for chunk in _chunks(plan.inserts):
        _bulk_insert(session, table, [{**_registry_values(r, REGISTRY_FIELDS), "cohort_id": cohort_id, **stamp}
                                      for r in chunk])
        done += len(chunk)
        progress("writing", done, total)
    changed = [name for name in REGISTRY_FIELDS if name in plan.present]
    if plan.updates:
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(
            {name: bindparam(f"b_{name}") for name in (*changed, *stamp)})
        for chunk in _chunks(plan.updates):
            session.execute(stmt, [{"b_id": rid, **{f"b_{n}": v for n, v in _registry_values(r, changed).items()},
                                    **{f"b_{n}": v for n, v in stamp.items()}} for rid, r in chunk])
            done += len(chunk)
            progress("writing", done, total)
    ids = dict(session.execute(select(table.c.id_number, table.c.id).where(table.c.cohort_id == cohort_id)).all())
    counts = Counts(added=len(plan.inserts), updated=len(plan.updates), unchanged=plan.unchanged)
    counts.graduates_added, counts.graduates_updated = _write_roster(session, plan, ids, cohort_id, now,
                                                                     progress, done, total)
    return counts


def _graduate_changes(graduate: Any, record: tuple[Any, ...], record_id: int, present: frozenset[str]) -> dict:
    """The roster fields to change on an existing graduate (empty when nothing differs)."""
    wanted: dict[str, Any] = {"registry_record_id": record_id, "student_no": record[IDX["student_no"]]}
    wanted.update({name: record[IDX[name]] for name in PLACEMENT if name in present})
    if graduate.status == "draft" and graduate.bound_at is None:
        wanted.update({name: record[IDX[name]] for name in FORM_FIELDS if name in present})
    return {name: value for name, value in wanted.items() if getattr(graduate, name) != value}


def _write_roster(session: Session, plan: Plan, ids: dict[str, int], cohort_id: int, now: dt.datetime,
                  progress: Callable[[str, int, int], None], done: int, total: int) -> tuple[int, int]:
    """Insert missing graduates pre-filled from the registry; update placement (and untouched forms)."""
    new: list[dict[str, Any]] = []
    changed: dict[frozenset[str], list[dict[str, Any]]] = {}
    for record, _existing_id, graduate in plan.roster:
        record_id = ids[record[IDX["id_number"]]]
        if graduate is None:
            values = {name: record[IDX[name]] for name in (*PLACEMENT, *FORM_FIELDS, "student_no")}
            values.update(cohort_id=cohort_id, registry_record_id=record_id, status="draft", version=1,
                          added_by_reviewer=False, updated_at=now)
            new.append(values)
            continue
        diff = _graduate_changes(graduate, record, record_id, plan.present)
        if diff:
            changed.setdefault(frozenset(diff), []).append({"b_id": graduate.id, **{f"b_{k}": v for k, v in
                                                                                     diff.items()}})
    table = Graduate.__table__
    for chunk in _chunks(new):
        _bulk_insert(session, table, chunk)
        done += len(chunk)
        progress("writing", done, total)
    updated = 0
    for names, rows in changed.items():
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(
            {**{name: bindparam(f"b_{name}") for name in sorted(names)}, "updated_at": now})
        for chunk in _chunks(rows):
            session.execute(stmt, list(chunk))
            updated += len(chunk)
    progress("writing", total, total)
    return len(new), updated
