"""The engine's row filter as PostgreSQL receives it (locks taken in key order), checked on any test database."""
from __future__ import annotations

import re
from types import SimpleNamespace

from sqlalchemy.dialects import postgresql, sqlite

from app.workflows import engine
from tests.workflows.ticket import Ticket


def _session(dialect: str) -> SimpleNamespace:
    return SimpleNamespace(get_bind=lambda: SimpleNamespace(dialect=SimpleNamespace(name=dialect)))


def _sql(clause: object, dialect: object) -> str:
    text = str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", text).strip()


def test_postgresql_locks_the_rows_in_key_order_under_the_version_predicate() -> None:
    """On PostgreSQL the UPDATE takes its rows from a key-ordered SELECT ... FOR UPDATE; state and version are
    checked both there and on the row updated, so a row changed meanwhile is neither locked nor written."""
    clause = engine._in_key_order(_session("postgresql"), Ticket.id, [3, 1], Ticket.status == "college",
                                  Ticket.version == 2)
    t = "wf_test_ticket"
    assert _sql(clause, postgresql.dialect()) == (
        f"{t}.id IN (SELECT {t}.id FROM {t} WHERE {t}.id IN (3, 1) AND {t}.status = 'college' AND {t}.version = 2 "
        f"ORDER BY {t}.id FOR UPDATE) AND {t}.status = 'college' AND {t}.version = 2"
    )


def test_sqlite_has_no_row_locks_and_filters_directly() -> None:
    clause = engine._in_key_order(_session("sqlite"), Ticket.id, [3, 1], Ticket.status == "college",
                                  Ticket.version == 2)
    t = "wf_test_ticket"
    assert _sql(clause, sqlite.dialect()) == f"{t}.id IN (3, 1) AND {t}.status = 'college' AND {t}.version = 2"


def test_ids_are_cut_into_chunks_in_order_without_loss() -> None:
    """Statements stay under the bound-parameter limits: at most `size` ids each, every id once, in order."""
    assert list(engine._chunks(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(engine._chunks([], 3)) == []
    ids = list(range(engine.CHUNK * 2 + 1))
    chunks = list(engine._chunks(ids))
    assert [len(c) for c in chunks] == [engine.CHUNK, engine.CHUNK, 1] and sum(chunks, []) == ids
