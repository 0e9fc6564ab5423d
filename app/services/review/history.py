"""SRC-9: a record's change history (修改记录) and review log (审核记录), read from the audit chain (X-2)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, or_, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.change import ChangeRequest
from app.timeutil import local_display
from app.workflows.source_info import SOURCE_INFO


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


def _label(field: str) -> str:
    from app.services.audit_text import field_label

    return field_label(field, "graduate")


def _entries(graduate_id: int) -> list[AuditLog]:
    requests = select(cast(ChangeRequest.id, String)).where(ChangeRequest.graduate_id == graduate_id)
    return list(db.session.execute(select(AuditLog).where(or_(
        AuditLog.target_type.in_(["graduate", "source_info"]) & (AuditLog.target_id == str(graduate_id)),
        (AuditLog.target_type == "change_request") & AuditLog.target_id.in_(requests),
    )).order_by(AuditLog.seq)).scalars())


def history(graduate_id: int) -> tuple[list[FieldChange], list[ReviewEntry]]:
    """(field changes old → new with who and when, workflow transitions with remarks), oldest first."""
    changes: list[FieldChange] = []
    reviews: list[ReviewEntry] = []
    for entry in _entries(graduate_id):
        detail = json.loads(entry.detail or "{}")
        when, who = local_display(entry.at, "%Y-%m-%d %H:%M:%S"), entry.actor_name
        if entry.action.startswith("workflow.source_info."):
            trigger = entry.action.rsplit(".", 1)[-1]
            transition = SOURCE_INFO.transitions.get(trigger)
            reviews.append(ReviewEntry(when, who, str(transition.label) if transition else trigger,
                                       SOURCE_INFO.label(detail.get("from", "")), SOURCE_INFO.label(detail.get("to", "")),
                                       detail.get("remark", "")))
        elif entry.action.startswith("workflow.change_request."):
            from app.workflows.change_request import CHANGE_REQUEST

            trigger = entry.action.rsplit(".", 1)[-1]
            transition = CHANGE_REQUEST.transitions.get(trigger)
            reviews.append(ReviewEntry(when, who, str(transition.label) if transition else trigger,
                                       CHANGE_REQUEST.label(detail.get("from", "")),
                                       CHANGE_REQUEST.label(detail.get("to", "")), detail.get("remark", "")))
        for field, pair in (detail.get("changes") or {}).items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(FieldChange(when, who, entry.action, _label(field), old, new))
    return changes, reviews
