"""SRC-10/11: batch decisions, batch field changes and batch notices; every door (page, list, API) calls these."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import select, true, update

from app.extensions import db
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.roles import ADMIN, COLLEGE, SCHOOL, role_names
from app.services import audit
from app.services.notify import Message, notify
from app.timeutil import utcnow
from app.workflows.engine import CHUNK, FireResult, RecordResult, fire_many
from app.workflows.source_info import SECONDARY, SOURCE_INFO

# what a reviewer can do to many records at once; "approve" is routed to the reviewer's level per record
ACTIONS = ("approve", "reject", "submit_for_student", "reopen")


def approve_trigger(state: Optional[str], roles: frozenset[str]) -> str:
    """The level a reviewer approves at: college or school by role, by the record's state for someone holding both
    — so a refusal names the real reason ("the college has not approved it yet")."""
    college, school = COLLEGE in roles, bool(roles & {SCHOOL, ADMIN})
    if college and (not school or state == SECONDARY):
        return "approve_college"
    return "approve_school"


def decide(decision: str, ids: Iterable[int], actor: Any, remark: str = "",
           expected_versions: Optional[dict[int, int]] = None) -> FireResult:
    """Fire one of ACTIONS on records (page, list and API all come here); approval is routed to the college or
    school level per record, in one result."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if decision != "approve":
        return fire_many(SOURCE_INFO, decision, wanted, actor, remark, expected_versions)
    roles = role_names(actor)
    if not (COLLEGE in roles and roles & {SCHOOL, ADMIN}):  # one level only: no need to read the states first
        return fire_many(SOURCE_INFO, approve_trigger(None, roles), wanted, actor, remark, expected_versions)
    states = _states(wanted, actor)
    groups: dict[str, list[int]] = defaultdict(list)
    for record_id in wanted:
        groups[approve_trigger(states.get(record_id), roles)].append(record_id)
    merged: dict[int, RecordResult] = {}
    for trigger, group in groups.items():
        for r in fire_many(SOURCE_INFO, trigger, group, actor, remark, expected_versions).results:
            merged[r.id] = r
    return FireResult("approve", [merged[i] for i in wanted])


def _states(ids: list[int], actor: Any) -> dict[int, str]:
    scope = scope_clause(Graduate, actor)
    out: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        out.update(db.session.execute(select(Graduate.id, Graduate.status).where(Graduate.id.in_(chunk), scope)).all())
    return out


def offered(actor: Any) -> list[tuple[str, Any]]:
    """(action, label) of ACTIONS the actor's roles may ever fire, for the list's buttons."""
    roles = role_names(actor)
    out = []
    for action in ACTIONS:
        trigger = "approve_college" if action == "approve" and COLLEGE in roles else (
            "approve_school" if action == "approve" else action)
        transition = SOURCE_INFO.transitions[trigger]
        if roles & transition.roles:
            out.append((action, transition.label))
    return out


def pending_of_majors(major_ids: list[int], actor: Any, cohort_id: Optional[int] = None) -> list[int]:
    """SRC-10 "all pending records of the selected majors": the ids awaiting this reviewer's level, scoped."""
    from app.services.review.query import pending_states

    where = [Graduate.major_id.in_(major_ids), Graduate.status.in_(pending_states(actor)),
             Graduate.included == true(), scope_clause(Graduate, actor)]
    if cohort_id:
        where.append(Graduate.cohort_id == cohort_id)
    return list(db.session.execute(select(Graduate.id).where(*where).order_by(Graduate.student_no)).scalars())


def modify_field(field: str, value: Any, ids: Iterable[int], actor: Any) -> list[RecordResult]:
    """Set one form field on many records where the reviewer may edit (never complete ones); audited per record."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    roles = role_names(actor)
    editable = [s for s in SOURCE_INFO.states if SOURCE_INFO.can_edit(s, roles)]
    column = getattr(Graduate, field)
    scope = scope_clause(Graduate, actor)
    current: dict[int, tuple[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        for record_id, status, old in db.session.execute(
                select(Graduate.id, Graduate.status, column).where(Graduate.id.in_(chunk), scope)):
            current[record_id] = (status, old)
    results, entries, changed = [], [], []
    for record_id in wanted:
        if record_id not in current:
            results.append(RecordResult(record_id, False, _("Record not found or not in your scope.")))
            continue
        status, old = current[record_id]
        if status not in editable:
            results.append(RecordResult(record_id, False, _("The record is %(state)s and can no longer be edited.",
                                                            state=SOURCE_INFO.label(status)), status, status))
            continue
        results.append(RecordResult(record_id, True, None, status, status))
        if old != value:
            changed.append(record_id)
            entries.append(audit.Entry("graduate.batch_modified", "graduate", str(record_id),
                                       {"changes": {field: [old, value]}}))
    now = utcnow()
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        db.session.execute(update(Graduate).where(Graduate.id.in_(chunk), Graduate.status.in_(editable))
                           .values({field: value, "version": Graduate.version + 1, "updated_at": now})
                           .execution_options(synchronize_session=False))
    audit.record_many(entries)
    db.session.commit()
    return results


def notify_students(ids: Iterable[int], text: str, actor: Any) -> int:
    """SRC-11 batch notice: a message to each selected student who has an account; returns how many were sent."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    scope = scope_clause(Graduate, actor)
    users: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        users += db.session.execute(select(Graduate.user_id).where(
            Graduate.id.in_(chunk), scope, Graduate.user_id.isnot(None))).scalars().all()
    sent = notify([Message(user_id, "message", {"text": text}, "/inbox/") for user_id in users])
    audit.record("graduate.batch_notified", "graduate", "", count=sent, selected=len(wanted), text=text)
    db.session.commit()
    return sent
