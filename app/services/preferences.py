"""Remembered per-user settings (column chooser, page size), stored as JSON per (user, key)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.preference import UserPreference


def get(user_id: int, key: str, default: Any = None) -> Any:
    value = db.session.execute(select(UserPreference.value).where(
        UserPreference.user_id == user_id, UserPreference.key == key)).scalar()
    return default if value is None else json.loads(value)


def put(user_id: int, key: str, value: Any) -> None:
    """Insert or update; the caller commits."""
    row = db.session.execute(select(UserPreference).where(
        UserPreference.user_id == user_id, UserPreference.key == key)).scalar_one_or_none()
    if row is None:
        row = UserPreference(user_id=user_id, key=key)
        db.session.add(row)
    row.value = json.dumps(value, ensure_ascii=False)
