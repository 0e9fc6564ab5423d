"""Rows read for assertions outside the app context that loaded them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select


def detached_rows(app: Any, model: Any, **equal: Any) -> list[Any]:
    """The rows of `model` whose columns equal the given values, detached so their loaded columns stay readable."""
    from app.extensions import db

    with app.app_context():
        stmt = select(model).where(*(getattr(model, column) == value for column, value in equal.items()))
        rows = db.session.execute(stmt).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)
