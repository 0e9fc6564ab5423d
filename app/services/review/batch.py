"""SRC-10/11, EMP-2: a workspace's batch decisions, field changes and notices; every door (page, list, API) calls
these, and every status change goes through the engine."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import select, true, update

from app.extensions import db
from app.models.graduate import Graduate
from app.security.roles import ADMIN, COLLEGE, SCHOOL, role_names
from app.services import audit
from app.services.notify import Message, notify
from app.services.review.query import owned_ids, owner_scope, pending_states, with_owner
from app.services.review.workspace import Workspace, source
from app.timeutil import utcnow
from app.workflows.engine import CHUNK, FireResult, RecordResult, WorkflowError, fire_many
from app.workflows.review_builder import SECONDARY

# what a reviewer can do to many records at once; "approve" is routed to the reviewer's level per record
ACTIONS = ("approve", "reject", "submit_for_student", "reopen")


def actions_of(ws: Optional[Workspace] = None) -> tuple[str, ...]:
    """The actions a workspace offers: the shared ones its workflow has ("approve" is routed to a level), then the
    workspace's own triggers."""
    ws = ws or source()
    shared = tuple(a for a in ACTIONS if a == "approve" or a in ws.workflow.transitions)
    return shared + tuple(a for a in ws.actions if a not in shared)


def approve_trigger(state: Optional[str], roles: frozenset[str], workflow: Any = None) -> str:
    """The level a reviewer approves at: college or school by role, by the record's state for someone holding both
    — so a refusal names the real reason ("the college has not approved it yet"). A one-level workflow has only
    the school's approval."""
    if "approve_college" not in (workflow if workflow is not None else source().workflow).transitions:
        return "approve_school"
    college, school = COLLEGE in roles, bool(roles & {SCHOOL, ADMIN})
    if college and (not school or state == SECONDARY):
        return "approve_college"
    return "approve_school"


def rejection(ws: Workspace, codes: Iterable[str], text: str) -> tuple[str, dict[str, Any]]:
    """(remark, extra) of a rejection on a workspace that picks reasons from the list; refused as a whole (nothing
    changes) when no reason or an unknown one is picked."""
    from app.services.destination_form import reasons_problem, rejection_remark

    picked = list(dict.fromkeys(str(c) for c in codes if str(c).strip()))
    text = (text or "").strip()[:500]
    problem = reasons_problem(picked, text)
    if problem:
        raise WorkflowError(problem)
    return rejection_remark(picked, text), {"reasons": picked, "reason_text": text}


def decide(decision: str, ids: Iterable[int], actor: Any, remark: str = "",
           expected_versions: Optional[dict[int, int]] = None, ws: Optional[Workspace] = None,
           reasons: Iterable[str] = ()) -> FireResult:
    """Fire one of ACTIONS on records (page, list and API all come here); approval is routed to the college or
    school level per record, in one result. On a workspace with reasons a rejection takes `reasons` (codes) and
    `remark` as the reviewer's own words."""
    ws = ws or source()
    workflow = ws.workflow
    wanted = list(dict.fromkeys(int(i) for i in ids))
    extra = None
    if decision == "reject" and ws.reasons:
        remark, extra = rejection(ws, reasons, remark)
    if decision != "approve":
        return fire_many(workflow, decision, wanted, actor, remark, expected_versions, extra=extra)
    roles = role_names(actor)
    if not (COLLEGE in roles and roles & {SCHOOL, ADMIN}):  # one level only: no need to read the states first
        return fire_many(workflow, approve_trigger(None, roles, workflow), wanted, actor, remark, expected_versions)
    states = _states(ws, wanted, actor)
    groups: dict[str, list[int]] = defaultdict(list)
    for record_id in wanted:
        groups[approve_trigger(states.get(record_id), roles, workflow)].append(record_id)
    merged: dict[int, RecordResult] = {}
    for trigger, group in groups.items():
        for r in fire_many(workflow, trigger, group, actor, remark, expected_versions).results:
            merged[r.id] = r
    return FireResult("approve", [merged[i] for i in wanted])


def _states(ws: Workspace, ids: list[int], actor: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        stmt = select(ws.model.id, ws.model.status).where(ws.model.id.in_(chunk))
        stmt = with_owner(ws, stmt)
        out.update(db.session.execute(stmt.where(owner_scope(ws, actor))).all())
    return out


def offered(actor: Any, ws: Optional[Workspace] = None) -> list[tuple[str, Any]]:
    """(action, label) of the workspace's actions the actor's roles may ever fire, for the list's buttons."""
    workflow = (ws or source()).workflow
    roles = role_names(actor)
    out = []
    for action in actions_of(ws):
        trigger = approve_trigger(None, roles, workflow) if action == "approve" else action
        transition = workflow.transitions[trigger]
        if roles & transition.roles:
            out.append((action, transition.label))
    return out


def pending_of_majors(major_ids: list[int], actor: Any, cohort_id: Optional[int] = None,
                      ws: Optional[Workspace] = None) -> list[int]:
    """SRC-10 "all pending records of the selected majors": the ids awaiting this reviewer's level, scoped."""
    ws = ws or source()
    where = [Graduate.major_id.in_(major_ids), ws.model.status.in_(pending_states(actor, ws.workflow)),
             Graduate.included == true(), owner_scope(ws, actor)]
    if ws.live is not None:
        where.append(ws.live())
    if cohort_id:
        where.append(Graduate.cohort_id == cohort_id)
    stmt = select(ws.model.id)
    stmt = with_owner(ws, stmt)
    return list(db.session.execute(stmt.where(*where).order_by(Graduate.student_no)).scalars())


def modify_field(field: str, value: Any, ids: Iterable[int], actor: Any,
                 ws: Optional[Workspace] = None) -> list[RecordResult]:
    """Set one form field on many records where the reviewer may edit (never complete ones); audited per record."""
    ws = ws or source()
    model, workflow = ws.model, ws.workflow
    wanted = list(dict.fromkeys(int(i) for i in ids))
    roles = role_names(actor)
    editable = [s for s in workflow.states if workflow.can_edit(s, roles)]
    column = getattr(model, field)
    current: dict[int, tuple[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        stmt = select(model.id, model.status, column).where(model.id.in_(chunk))
        stmt = with_owner(ws, stmt)
        for record_id, status, old in db.session.execute(stmt.where(owner_scope(ws, actor))):
            current[record_id] = (status, old)
    refused: dict[int, str] = {}
    if ws.closed is not None:
        found = list(current)
        for start in range(0, len(found), CHUNK):
            refused.update(ws.closed(found[start:start + CHUNK]))
    results, entries, changed = [], [], []
    for record_id in wanted:
        if record_id not in current:
            results.append(RecordResult(record_id, False, _("Record not found or not in your scope.")))
            continue
        status, old = current[record_id]
        if record_id in refused:  # the engine's lock and deadline, for a write that does not go through it
            results.append(RecordResult(record_id, False, refused[record_id], status, status))
            continue
        if status not in editable:
            results.append(RecordResult(record_id, False, _("The record is %(state)s and can no longer be edited.",
                                                            state=workflow.label(status)), status, status))
            continue
        results.append(RecordResult(record_id, True, None, status, status))
        if old != value:
            changed.append(record_id)
            entries.append(audit.Entry(f"{ws.audit_type}.batch_modified", ws.audit_type, str(record_id),
                                       {"changes": {field: [old, value]}}))
    now = utcnow()
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        db.session.execute(update(model).where(model.id.in_(chunk), model.status.in_(editable))
                           .values({field: value, "version": model.version + 1, "updated_at": now})
                           .execution_options(synchronize_session=False))
    audit.record_many(entries)
    db.session.commit()
    return results


def notify_students(ids: Iterable[int], text: str, actor: Any, ws: Optional[Workspace] = None) -> int:
    """SRC-11 batch notice: a message to each selected student who has an account; returns how many were sent."""
    ws = ws or source()
    wanted = list(dict.fromkeys(int(i) for i in ids))
    users: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        users.update(row.user_id for row in db.session.execute(
            owned_ids(ws, chunk, actor, Graduate.user_id.isnot(None))))
    sent = notify([Message(user_id, "message", {"text": text}, "/inbox/") for user_id in sorted(users)])
    audit.record(f"{ws.audit_type}.batch_notified", ws.audit_type, "", count=sent, selected=len(wanted), text=text)
    db.session.commit()
    return sent
