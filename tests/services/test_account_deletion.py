"""Deleting an account releases the student's record and sessions, so a later account with a reused id (SQLite
reuses the highest rowid) can neither inherit the record nor an old session."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.security import UserSession
from app.models.user import User
from tests.views.review_helpers import make_graduates


def test_deleted_account_lets_go_of_its_graduate_and_sessions(app: Any) -> None:
    with app.app_context():
        (gid,) = make_graduates(1, "draft", "101", prefix="DEL")
        user = User(username=f"del{uuid.uuid4().hex[:8]}", first_name="删", last_name="", email="d@x.invalid",
                    active=True, password="x")
        db.session.add(user)
        db.session.flush()
        db.session.get(Graduate, gid).user_id = user.id
        now = datetime.datetime(2026, 6, 1)
        db.session.add(UserSession(id=uuid.uuid4().hex, user_id=user.id, epoch=0, created_at=now, expires_at=now))
        db.session.commit()
        uid = user.id
        db.session.delete(user)
        db.session.commit()
        assert db.session.get(Graduate, gid).user_id is None
        assert db.session.execute(select(UserSession).where(UserSession.user_id == uid)).first() is None
