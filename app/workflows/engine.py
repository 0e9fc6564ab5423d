"""The only code that changes a status: scope, role, state and guard checks, a set-based update, audit rows."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import and_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.scope import scope_clause
from app.security.roles import role_names
from app.services import audit
from app.workflows.base import FireContext, Workflow

CHUNK = 2000  # ids per statement, far under SQLite's (32 766) and PostgreSQL's (65 535) bound-parameter limits


class WorkflowError(Exception):
    """The whole call is refused (unknown action, missing reason); nothing was changed."""


@dataclass
class RecordResult:
    id: Any
    ok: bool
    reason: Optional[str] = None
    from_state: Optional[str] = None
    to_state: Optional[str] = None


@dataclass
class FireResult:
    trigger: str
    results: list[RecordResult] = field(default_factory=list)

    @property
    def done(self) -> list[RecordResult]:
        return [r for r in self.results if r.ok]

    @property
    def skipped(self) -> list[RecordResult]:
        return [r for r in self.results if not r.ok]

    @property
    def done_ids(self) -> list[Any]:
        return [r.id for r in self.done]


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def fire_many(
    workflow: Workflow,
    trigger: str,
    ids: Iterable[Any],
    actor: Any,
    remark: str = "",
    expected_versions: Optional[dict[Any, int]] = None,
    extra: Optional[dict[str, Any]] = None,
    commit: bool = True,
) -> FireResult:
    """Fire `trigger` on every id for `actor`; returns one result per id, done or skipped with a reason."""
    transition = workflow.transitions.get(trigger)
    if transition is None:
        raise WorkflowError(_("Unknown action: %(action)s", action=trigger))
    action = str(transition.label)
    remark = (remark or "").strip()
    if transition.requires_reason and not remark:
        raise WorkflowError(_("A reason is required to %(action)s.", action=action))

    wanted = list(dict.fromkeys(ids))
    result = FireResult(trigger)
    roles = role_names(actor)
    if not roles & transition.roles:
        reason = _("Your role may not %(action)s.", action=action)
        result.results = [RecordResult(i, False, reason) for i in wanted]
        return result

    model, session = workflow.model, db.session
    status_col = getattr(model, workflow.status_attr)
    version_col = getattr(model, workflow.version_attr)
    pk = model.__mapper__.primary_key[0]
    ctx = FireContext(actor=actor, roles=roles, remark=remark, extra=dict(extra or {}))

    current = _current(pk, status_col, version_col, wanted, scope_clause(model, actor))
    outcome: dict[Any, RecordResult] = {}
    legal: list[Any] = []
    for record_id in wanted:
        row = current.get(record_id)
        if row is None:
            outcome[record_id] = RecordResult(record_id, False, _("Record not found or not in your scope."))
            continue
        reason = _refusal(workflow, transition, record_id, row.status, row.version, expected_versions)
        if reason:
            outcome[record_id] = RecordResult(record_id, False, reason, row.status, row.status)
        else:
            legal.append(record_id)
    if transition.guards:  # guards read the whole record: load full rows only for those still in play
        loads = _guard_loads(model, transition.guards)
        for chunk in _chunks(legal):
            for obj in session.execute(select(model).where(pk.in_(chunk)).options(*loads)).scalars():
                reason = _guard_refusal(transition, obj, ctx)
                if reason:
                    state = current[getattr(obj, pk.key)].status
                    outcome[getattr(obj, pk.key)] = RecordResult(getattr(obj, pk.key), False, reason, state, state)
        legal = [i for i in legal if i not in outcome]

    groups: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for record_id in legal:
        groups[(current[record_id].status, current[record_id].version)].append(record_id)
    values = transition.sets(ctx) if transition.sets else {}
    entries: list[audit.Entry] = []
    changed: set[Any] = set()
    for (state, version), group_ids in groups.items():
        for chunk in _chunks(sorted(group_ids)):
            stmt = (
                update(model)
                .where(_in_key_order(session, pk, chunk, status_col == state, version_col == version))
                .values({workflow.status_attr: transition.dest, workflow.version_attr: version + 1, **values})
                .returning(pk)
                .execution_options(synchronize_session=False)
            )
            changed.update(session.execute(stmt).scalars())
        for record_id in group_ids:
            if record_id in changed:
                outcome[record_id] = RecordResult(record_id, True, None, state, transition.dest)
                entries.append(audit.Entry(
                    f"workflow.{workflow.name}.{trigger}", workflow.name, str(record_id),
                    {"from": state, "to": transition.dest, "remark": remark, **ctx.extra},
                ))
            else:
                outcome[record_id] = RecordResult(
                    record_id, False, _("Someone else changed this record at the same time; reload and try again."),
                    state, state,
                )
    _expire_loaded(session, model, changed)

    audit.record_many(entries)
    result.results = [outcome[i] for i in wanted]
    done = result.done_ids
    for hook in workflow.after_fire:
        if done:
            hook(workflow, trigger, done, ctx)
    if commit:
        session.commit()
    return result


def _guard_loads(model: Any, guards: Iterable[Any]) -> list[Any]:
    """Relationships the guards read (a guard's `loads`), fetched with the rows in one query per relationship
    instead of one per row: a batch of 5 000 must not lazy-load 5 000 graduates."""
    names = dict.fromkeys(name for guard in guards for name in getattr(guard, "loads", ()))
    return [selectinload(getattr(model, name)) for name in names if hasattr(model, name)]


def _in_key_order(session: Any, pk: Any, chunk: list[Any], *conditions: Any) -> Any:
    """The UPDATE's row filter; where rows are locked, they are locked in key order, whatever plan the database picks.

    Two batches over the same records (a double click, two reviewers) must take their row locks in one order or
    PostgreSQL may deadlock them: a plain `id IN (...)` is walked in heap order under a sequential or bitmap scan.
    """
    if session.get_bind().dialect.name == "sqlite":  # one writer at a time: no row locks to order
        return and_(pk.in_(chunk), *conditions)
    locked = select(pk).where(pk.in_(chunk), *conditions).order_by(pk).with_for_update()
    return and_(pk.in_(locked.scalar_subquery()), *conditions)


def _current(pk: Any, status_col: Any, version_col: Any, ids: list[Any], scope: Any) -> dict[Any, Any]:
    """(id, status, version) of the visible records among `ids`: all a transition without guards needs to read."""
    current: dict[Any, Any] = {}
    for chunk in _chunks(ids):
        stmt = select(pk.label("id"), status_col.label("status"), version_col.label("version")).where(
            pk.in_(chunk), scope)
        current.update((row.id, row) for row in db.session.execute(stmt))
    return current


def _expire_loaded(session: Any, model: Any, ids: set[Any]) -> None:
    """Objects the session already holds for changed records are stale after the set-based UPDATE: expire just those."""
    for record_id in ids:
        obj = session.identity_map.get(identity_key(model, record_id))
        if obj is not None:
            session.expire(obj)


def _guard_refusal(transition: Any, row: Any, ctx: FireContext) -> Optional[str]:
    for guard in transition.guards:
        message = guard(row, ctx)
        if message:
            return str(message)
    return None


def _refusal(workflow: Workflow, transition: Any, record_id: Any, state: Optional[str], version: Optional[int],
             expected_versions: Optional[dict[Any, int]]) -> Optional[str]:
    """Why the record may not take the transition from `state` at `version`, or None; guards are checked apart."""
    if workflow.destination(transition.trigger, state) is None:
        specific = workflow.refusals.get((transition.trigger, state))
        if specific is not None:
            return str(specific)
        return _("Cannot %(action)s: the record is %(state)s.", action=str(transition.label),
                 state=workflow.label(state))
    if expected_versions is not None:
        expected = expected_versions.get(record_id)
        if expected is not None and expected != version:
            return _("Someone else changed this record since you opened it; reload and try again.")
    return None


def fire(workflow: Workflow, trigger: str, record_id: Any, actor: Any, remark: str = "",
         expected_version: Optional[int] = None, **kwargs: Any) -> RecordResult:
    """Fire on one record (the record page's button); same rules and audit as a batch."""
    expected = {record_id: expected_version}  # a None version is no expectation, as in a batch's mapping
    return fire_many(workflow, trigger, [record_id], actor, remark, expected, **kwargs).results[0]


def why_not(workflow: Workflow, trigger: str, row: Any, actor: Any) -> Optional[str]:
    """Why `actor` may not fire `trigger` on `row` now (role, state, guards), or None — for disabled buttons.

    Read-only: the same checks fire() makes before it writes, minus the concurrent-change check.
    """
    transition = workflow.transitions.get(trigger)
    if transition is None:
        return _("Unknown action: %(action)s", action=trigger)
    roles = role_names(actor)
    if not roles & transition.roles:
        return _("Your role may not %(action)s.", action=str(transition.label))
    ctx = FireContext(actor=actor, roles=roles)
    # no expected versions, so no version is consulted: the page shows the row it just read
    state = getattr(row, workflow.status_attr)
    return _refusal(workflow, transition, None, state, None, None) or _guard_refusal(transition, row, ctx)
