"""Bootstrap keeps the visitors' role under its Chinese name, renaming a legacy English one in place."""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.services.bootstrap import LEGACY_PUBLIC_ROLE, _rename_legacy_public_role


def test_legacy_public_role_is_renamed_not_duplicated(app: Any) -> None:
    """Run inside one transaction that is rolled back, so no audit row about the legacy name is left behind."""
    with app.app_context():
        sm = app.appbuilder.sm
        wanted = app.config["AUTH_ROLE_PUBLIC"]
        role_id = sm.find_role(wanted).id
        table = sm.role_model.__table__  # raw SQL, as an old installation has it
        db.session.execute(table.update().where(table.c.id == role_id).values(name=LEGACY_PUBLIC_ROLE))
        db.session.expire_all()
        try:
            _rename_legacy_public_role(sm)
            assert sm.find_role(LEGACY_PUBLIC_ROLE) is None
            assert sm.find_role(wanted).id == role_id
        finally:
            db.session.rollback()
        assert sm.find_role(wanted).id == role_id
