"""Wires workflow decisions to notifications (MSG-3, SRC-6): every decision on a student's record tells the student."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.services.notify import TEMPLATES, Message, notify
from app.validation.i18n import N_
from app.workflows.base import FireContext, Workflow
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.destination import DESTINATION
from app.workflows.source_info import SOURCE_INFO, decision_level

SOURCE_DECISIONS = {"submit_for_student", "approve_college", "approve_school", "reject", "reopen"}
SOURCE_LINK = "/student/source/"
CHANGES_LINK = "/student/changes/"
DESTINATION_LINK = "/student/destination/"
DESTINATION_TEMPLATES = {
    "destination.submit_for_student": N_("Your teacher submitted your destination registration for review on your "
                                         "behalf."),
    "destination.approve_college": N_("Your destination registration passed the college review and is now with the "
                                      "school."),
    "destination.approve_school": N_("Your destination registration passed the school review: it is registered."),
    "destination.reject": N_("Your destination registration was not approved by the %(level)s. Reasons: "
                             "%(reasons)s. %(text)s Please correct it and submit again."),
    "destination.reopen": N_("The administrator reopened your destination registration: %(remark)s"),
}
TEMPLATES.update(DESTINATION_TEMPLATES)


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


def _destination_decided(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """EMP-2: the student hears of every decision; a rejection names the reasons picked and the reviewer's words."""
    if trigger not in SOURCE_DECISIONS:
        return
    from app.models.destination import Destination
    from app.services.destination_form import reason_names

    params = {"remark": ctx.remark, "level": decision_level(ctx),
              "reasons": "、".join(reason_names(list(ctx.extra.get("reasons") or []))),
              "text": ctx.extra.get("reason_text") or ""}
    users = db.session.execute(select(Graduate.user_id).join(Destination, Destination.graduate_id == Graduate.id)
                               .where(Destination.id.in_(ids), Graduate.user_id.isnot(None)))
    notify([Message(user_id, f"destination.{trigger}", params, DESTINATION_LINK) for user_id in users.scalars()])


def register() -> None:
    """Idempotent: hooks are added once per process (and the agreements' message texts are known to the inbox)."""
    from app.services import agreement_notices  # noqa: F401  (its TEMPLATES and WORDS)

    if _source_decided not in SOURCE_INFO.after_fire:
        SOURCE_INFO.after_fire.append(_source_decided)
    if _change_decided not in CHANGE_REQUEST.after_fire:
        CHANGE_REQUEST.after_fire.append(_change_decided)
    if _destination_decided not in DESTINATION.after_fire:
        DESTINATION.after_fire.append(_destination_decided)
