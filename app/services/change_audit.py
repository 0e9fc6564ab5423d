"""Audits account, role, permission and organisation changes at the session level, whichever screen made them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.services import audit

# model class name -> attributes worth auditing (relationships included); others (login counters) are noise
AUDITED: dict[str, tuple[str, ...]] = {
    "GemsUser": ("username", "first_name", "last_name", "email", "active", "department_id", "phone",
             "roles", "password", "must_change_password"),
    "Role": ("name", "permissions"),
    "Department": ("code", "name", "kind", "parent_id", "active"),
    "Major": ("code", "name", "department_id", "education_level", "active"),
    "Cohort": ("year", "name", "is_current"),
}
SECRET = {"password"}


def _text(value: Any) -> str:
    """A related row as stored text; a permission pair keeps FAB's stable spelling, whatever the screen language
    (app.services.audit_text translates it when the entry is read)."""
    if hasattr(value, "permission") and hasattr(value, "view_menu"):
        from app.security.labels import fab_permission_text

        return fab_permission_text(value)
    return str(value)


def _show(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return value if isinstance(value, (int, float, bool, type(None))) else str(value)


def _changes(obj: Any, attrs: tuple[str, ...], new: bool) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for name in attrs:
        if name not in state.attrs:
            continue
        hist = state.attrs[name].history
        if not hist.has_changes():
            continue
        if name in SECRET:
            changes[name] = "***"
            continue
        if hasattr(state.mapper.attrs[name], "direction"):  # relationship: list what was added and removed
            added, removed = [_text(v) for v in hist.added], [_text(v) for v in hist.deleted]
            changes[name] = {"added": added, "removed": removed}
        elif new:
            changes[name] = _show(hist.added[0] if hist.added else None)
        else:
            old = hist.deleted[0] if hist.deleted else None
            changes[name] = {"old": _show(old), "new": _show(hist.added[0] if hist.added else None)}
    return changes


@event.listens_for(Session, "after_flush")
def _audit_changes(session: Session, flush_context: Any) -> None:
    """One audit row per created, changed or deleted audited object, in the same transaction."""
    entries: list[audit.Entry] = []
    for kind, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            name = type(obj).__name__
            attrs = AUDITED.get(name)
            if attrs is None:
                continue
            if kind == "delete":
                detail: dict[str, Any] = {"was": str(obj)}
            else:
                detail = _changes(obj, attrs, new=kind == "create")
                if not detail:
                    continue
            entries.append(audit.Entry(f"{name.lower()}.{kind}", name, str(getattr(obj, "id", "")), detail))
    if entries:
        audit.record_many(entries, session=session)
