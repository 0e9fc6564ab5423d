"""Several servers, one Redis: a decision committed on one server makes every server recount its reviewer tree at
once (a generation number in Redis), instead of showing the old count for the cache period."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, update

from app.extensions import db
from app.models.graduate import Graduate
from app.redis_client import client
from app.security.roles import role_names
from app.services.review import tree
from app.workflows import fire_many
from app.workflows.source_info import SOURCE_INFO
from tests.views.review_helpers import make_graduates
from tests.workflows.helpers_source import user


def _pending(roots: list[tree.DeptNode]) -> int:
    return sum(root.pending for root in roots)


def test_a_decision_on_another_server_shows_in_this_servers_tree_at_once(app: Any, on_queue: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "GEMS_TREE_CACHE_SECONDS", 300)
    with app.test_request_context():
        college = user("college_a")
        assert role_names(college)
        ids = make_graduates(3, "secondary", "101", prefix="TC")
        try:
            tree.invalidate()
            db.session.commit()
            before = _pending(tree.cached(college))
            # another server approves one record: its rows change here, its commit bumps the shared generation
            db.session.execute(update(Graduate).where(Graduate.id == ids[0]).values(status="central"))
            db.session.commit()
            assert _pending(tree.cached(college)) == before, "precondition: this server's cache still holds"
            client().incr(tree.GENERATION_KEY)
            assert _pending(tree.cached(college)) == before - 1

            generation = int(client().get(tree.GENERATION_KEY))
            done = fire_many(SOURCE_INFO, "approve_college", ids[1:2], college)
            assert done.done_ids == ids[1:2]
            assert int(client().get(tree.GENERATION_KEY)) == generation + 1, "the commit did not tell the others"
            assert _pending(tree.cached(college)) == before - 2
        finally:
            db.session.rollback()
            db.session.execute(delete(Graduate).where(Graduate.id.in_(ids)))
            db.session.commit()
