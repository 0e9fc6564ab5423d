"""A record page's workflow buttons and their POST, shared by every workspace's detail page."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request
from flask_babel import gettext as _

from app.security.errors import bounded_int
from app.security.roles import role_names
from app.services.review import batch
from app.services.review.workspace import Workspace
from app.workflows.engine import WorkflowError, why_not

# the buttons a reviewer may see on a record, in this order; each is enabled or disabled with the engine's reason
BUTTONS = ("submit_for_student", "approve", "reject", "reopen")


def buttons(row: Any, ws: Workspace) -> list[tuple[str, Any, str | None]]:
    """(name, label, why disabled or None) for each workflow button; "approve" is at this reviewer's level."""
    workflow = ws.workflow
    roles = role_names(g.user)
    out = []
    for name in (*BUTTONS, *ws.actions):
        trigger = batch.approve_trigger(row.status, roles, workflow) if name == "approve" else name
        transition = workflow.transitions.get(trigger)
        if transition is None:
            continue  # a workflow without this shared action (a one-level request has no reopen)
        if name not in ("approve", "reject") and (
                not roles & transition.roles or row.status not in transition.sources):
            continue  # situational actions appear only where they apply; approve/reject always show, maybe disabled
        out.append((name, transition.label, why_not(workflow, trigger, row, g.user)))
    return out


def decide_posted(ws: Workspace, pk: int, who: str, back: str) -> Any:
    """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
    name = request.form.get("decision", "")
    version = request.form.get("version", type=bounded_int)
    if name not in batch.actions_of(ws):
        abort(400)
    try:
        result = batch.decide(name, [pk], g.user, request.form.get("remark", ""), {pk: version}, ws=ws,
                              reasons=request.form.getlist("reasons")).results[0]
    except WorkflowError as exc:
        flash(str(exc), "danger")
        return redirect(back)
    if result.ok:
        flash(_("%(name)s: now %(state)s.", name=who, state=ws.workflow.label(result.to_state)), "success")
    else:
        flash(result.reason, "warning")
    return redirect(back)
