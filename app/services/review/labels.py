"""Per-record results as the reviewer reads them: who (student number, name), done or skipped, and why."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from app.extensions import db
from app.services.review.query import owned_ids
from app.services.review.workspace import Workspace, source
from app.workflows.engine import CHUNK, RecordResult


@dataclass
class ResultRow:
    id: int
    student_no: str
    name: str
    ok: bool
    reason: str
    state: str


def describe(results: list[RecordResult], user: Any, ws: Optional[Workspace] = None) -> list[ResultRow]:
    """Join results with the visible records' graduates; ids outside the scope stay anonymous."""
    ws = ws or source()
    ids = [r.id for r in results]
    names: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for record_id, student_no, name, _user in db.session.execute(owned_ids(ws, ids[start:start + CHUNK], user)):
            names[record_id] = (student_no, name)
    rows = []
    for r in results:
        student_no, name = names.get(r.id, ("", ""))
        state = ws.workflow.label(r.to_state) if r.to_state else ""
        rows.append(ResultRow(r.id, student_no, name, r.ok, r.reason or "", state))
    rows.sort(key=lambda row: row.ok)  # skipped first: they need attention
    return rows
