"""Wires workflow decisions to notifications (MSG-3, SRC-6): every decision on a student's record tells the student."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.services.notify import Message, notify
from app.workflows.base import FireContext, Workflow
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.source_info import SOURCE_INFO, decision_level

SOURCE_DECISIONS = {"submit_for_student", "approve_college", "approve_school", "reject", "reopen"}
SOURCE_LINK = "/student/source/"
CHANGES_LINK = "/student/changes/"


def _source_decided(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    if trigger not in SOURCE_DECISIONS:
        return
    params = {"remark": ctx.remark, "level": decision_level(ctx)}
    users = db.session.execute(select(Graduate.user_id).where(Graduate.id.in_(ids), Graduate.user_id.isnot(None)))
    notify([Message(user_id, f"source_info.{trigger}", params, SOURCE_LINK) for user_id in users.scalars()])


def _change_decided(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    rows = db.session.execute(select(Graduate.user_id, ChangeRequest.field).join(ChangeRequest.graduate)
                              .where(ChangeRequest.id.in_(ids), Graduate.user_id.isnot(None)))
    notify([Message(user_id, f"change_request.{trigger}", {"field": field, "remark": ctx.remark}, CHANGES_LINK)
            for user_id, field in rows])


def register() -> None:
    """Idempotent: hooks are added once per process."""
    if _source_decided not in SOURCE_INFO.after_fire:
        SOURCE_INFO.after_fire.append(_source_decided)
    if _change_decided not in CHANGE_REQUEST.after_fire:
        CHANGE_REQUEST.after_fire.append(_change_decided)
