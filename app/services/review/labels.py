"""Per-record results as the reviewer reads them: who (student number, name), done or skipped, and why."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.workflows.engine import CHUNK, RecordResult
from app.workflows.source_info import SOURCE_INFO


@dataclass
class ResultRow:
    id: int
    student_no: str
    name: str
    ok: bool
    reason: str
    state: str


def describe(results: list[RecordResult], user: Any) -> list[ResultRow]:
    """Join results with the visible records' names; ids outside the scope stay anonymous."""
    ids = [r.id for r in results]
    names: dict[int, tuple[str, str]] = {}
    scope = scope_clause(Graduate, user)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for record_id, student_no, name in db.session.execute(
                select(Graduate.id, Graduate.student_no, Graduate.name).where(Graduate.id.in_(chunk), scope)):
            names[record_id] = (student_no, name)
    rows = []
    for r in results:
        student_no, name = names.get(r.id, ("", ""))
        state = SOURCE_INFO.label(r.to_state) if r.to_state else ""
        rows.append(ResultRow(r.id, student_no, name, r.ok, r.reason or "", state))
    rows.sort(key=lambda row: row.ok)  # skipped first: they need attention
    return rows
