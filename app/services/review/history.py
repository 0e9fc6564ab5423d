"""SRC-9/EMP-2: a record's change history (修改记录) and review log (审核记录), read from the audit chain (X-2)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, or_, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.change import ChangeRequest
from app.models.destination import Destination
from app.timeutil import local_display


@dataclass
class FieldChange:
    at: str
    who: str
    action: str
    field: str
    old: Any
    new: Any


@dataclass
class ReviewEntry:
    at: str
    who: str
    action: str
    from_state: str
    to_state: str
    remark: str


def _label(field: str, target_type: str) -> str:
    from app.services.audit_text import field_label

    return field_label(field, target_type)


def _entries(graduate_id: int) -> list[AuditLog]:
    requests = select(cast(ChangeRequest.id, String)).where(ChangeRequest.graduate_id == graduate_id)
    return list(db.session.execute(select(AuditLog).where(or_(
        AuditLog.target_type.in_(["graduate", "source_info"]) & (AuditLog.target_id == str(graduate_id)),
        (AuditLog.target_type == "change_request") & AuditLog.target_id.in_(requests),
    )).order_by(AuditLog.seq)).scalars())


def _review(entry: AuditLog, detail: dict[str, Any], when: str, who: str) -> ReviewEntry | None:
    """A workflow transition (workflow.<name>.<trigger>) as the review log shows it, in that workflow's words."""
    from app.workflows.catalog import WORKFLOWS

    parts = entry.action.split(".")
    workflow = WORKFLOWS.get(parts[1]) if len(parts) == 3 and parts[0] == "workflow" else None
    if workflow is None:
        return None
    transition = workflow.transitions.get(parts[2])
    return ReviewEntry(when, who, str(transition.label) if transition else parts[2],
                       workflow.label(detail.get("from", "")), workflow.label(detail.get("to", "")),
                       detail.get("remark", ""))


def read(entries: list[AuditLog], target_type: str = "graduate") -> tuple[list[FieldChange], list[ReviewEntry]]:
    """(field changes old → new with who and when, workflow transitions with remarks), in the entries' order."""
    changes: list[FieldChange] = []
    reviews: list[ReviewEntry] = []
    for entry in entries:
        detail = json.loads(entry.detail or "{}")
        when, who = local_display(entry.at, "%Y-%m-%d %H:%M:%S"), entry.actor_name
        review = _review(entry, detail, when, who)
        if review is not None:
            reviews.append(review)
        for field, pair in (detail.get("changes") or {}).items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(FieldChange(when, who, entry.action, _label(field, target_type), old, new))
    return changes, reviews


def history(graduate_id: int) -> tuple[list[FieldChange], list[ReviewEntry]]:
    """The source information's history and review log (its change requests included), oldest first."""
    return read(_entries(graduate_id))


def destination_history(graduate_id: int) -> tuple[list[FieldChange], list[ReviewEntry]]:
    """Every destination version's edits and decisions of one graduate, oldest first."""
    versions = select(cast(Destination.id, String)).where(Destination.graduate_id == graduate_id)
    entries = db.session.execute(select(AuditLog).where(
        AuditLog.target_type == "destination", AuditLog.target_id.in_(versions)).order_by(AuditLog.seq)).scalars()
    return read(list(entries), "destination")
