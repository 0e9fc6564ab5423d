"""Bootstrap keeps the visitors' role under its Chinese name, renaming a legacy English one in place."""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.services.bootstrap import LEGACY_PUBLIC_ROLE, sync_permissions_and_roles


def test_legacy_public_role_is_renamed_not_duplicated(app: Any) -> None:
    with app.app_context():
        sm = app.appbuilder.sm
        wanted = app.config["AUTH_ROLE_PUBLIC"]
        role = sm.find_role(wanted)
        role_id = role.id
        role.name = LEGACY_PUBLIC_ROLE
        db.session.commit()
        sync_permissions_and_roles()
        assert sm.find_role(LEGACY_PUBLIC_ROLE) is None
        assert sm.find_role(wanted).id == role_id
