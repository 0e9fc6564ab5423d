"""The engine's UPDATE carries its own version predicate: a change between its read and its write is never lost."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models.user import User
from app.workflows import engine, fire, fire_many
from tests.workflows.ticket import TICKET, Ticket, ticket_table  # noqa: F401  (the `wf` fixture)


def _user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _tickets(n: int, status: str = "college") -> list[int]:
    dept = _user("college_a").department_id
    rows = [Ticket(department_id=dept, status=status) for _ in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def _edit_after_read(monkeypatch: pytest.MonkeyPatch, victims: set[int]) -> None:
    """Right after the engine has read (id, status, version), someone else edits `victims`: version +1, same state."""
    real = engine._current

    def current_then_edit(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        seen = real(*args, **kwargs)
        db.session.execute(update(Ticket).where(Ticket.id.in_(victims))
                           .values(version=Ticket.version + 1, note="edited meanwhile"))
        return seen

    monkeypatch.setattr(engine, "_current", current_then_edit)


def test_version_changed_between_read_and_update_is_refused(wf: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The concurrent edit wins: state and the editor's version stay, the decision is refused, nothing is audited."""
    [tid] = _tickets(1)
    _edit_after_read(monkeypatch, {tid})
    result = fire(TICKET, "pass_college", tid, _user("college_a"), remark="ok")
    assert not result.ok and "同时" in result.reason
    db.session.expire_all()
    row = db.session.get(Ticket, tid)
    assert (row.status, row.version, row.note, row.decided_remark) == ("college", 2, "edited meanwhile", "")


def test_batch_refuses_only_the_records_changed_meanwhile(wf: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one batch (one statement per state and version) only the edited record is skipped; the rest move."""
    ids = _tickets(3)
    _edit_after_read(monkeypatch, {ids[1]})
    result = fire_many(TICKET, "pass_college", ids, _user("college_a"))
    assert [(r.id, r.ok, r.reason, r.from_state, r.to_state) for r in result.results] == [
        (ids[0], True, None, "college", "school"),
        (ids[1], False, "其他人同时修改了该记录，请刷新后重试。", "college", "college"),
        (ids[2], True, None, "college", "school")]
    db.session.expire_all()
    assert [(t.status, t.version) for t in (db.session.get(Ticket, i) for i in ids)] == [
        ("school", 2), ("college", 2), ("school", 2)]


def test_state_changed_between_read_and_update_is_refused(wf: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record moved to another state meanwhile is not moved again from the state the engine read."""
    [tid] = _tickets(1)
    real = engine._current

    def current_then_move(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        seen = real(*args, **kwargs)
        db.session.execute(update(Ticket).where(Ticket.id == tid).values(status="draft"))
        return seen

    monkeypatch.setattr(engine, "_current", current_then_move)
    assert not fire(TICKET, "pass_college", tid, _user("college_a")).ok
    db.session.expire_all()
    assert db.session.get(Ticket, tid).status == "draft"
