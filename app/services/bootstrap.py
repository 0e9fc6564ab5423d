"""Creates FAB's permissions for every registered view and syncs the built-in roles to ROLE_GRANTS."""
from __future__ import annotations

import logging

from flask import current_app
from flask_appbuilder.security.manager import BaseSecurityManager

from app.extensions import db
from app.security.roles import ADMIN, ROLE_GRANTS
from app.services.reference_seed import seed_reference_data

LEGACY_PUBLIC_ROLE = "Public"


def _rename_legacy_public_role(sm: BaseSecurityManager) -> None:
    """Installations made before the visitors' role had a Chinese name keep its row (and grants) under the new name."""
    wanted = current_app.config["AUTH_ROLE_PUBLIC"]
    legacy = sm.find_role(LEGACY_PUBLIC_ROLE)
    if legacy is not None and wanted != LEGACY_PUBLIC_ROLE and sm.find_role(wanted) is None:
        legacy.name = wanted
        db.session.flush()


def sync_permissions_and_roles() -> dict[str, int]:
    """Idempotent; raises if ROLE_GRANTS names a permission no view declares (a typo would silently deny)."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    _rename_legacy_public_role(sm)
    fab_log = logging.getLogger("flask_appbuilder.security.manager")
    level = fab_log.level
    fab_log.setLevel(logging.ERROR)  # FAB's "No user yet created, use flask fab command" is wrong advice here
    try:
        BaseSecurityManager.create_db(sm)  # FAB's admin and public roles; the tables come from Alembic
    finally:
        fab_log.setLevel(level)
    appbuilder.add_permissions(update_perms=True)
    from app.security.pii import PERMISSION, VIEW_MENU

    sm.add_permission_view_menu(PERMISSION, VIEW_MENU)  # no view declares it; it gates unmasked values
    summary = {}
    for role_name, grants in ROLE_GRANTS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = []
        for view_name, permissions in grants.items():
            for permission in permissions:
                pv = sm.find_permission_view_menu(permission, view_name)
                if pv is None:
                    raise LookupError(f"{role_name}: no permission {permission} on {view_name}")
                wanted.append(pv)
        role.permissions = wanted
        summary[role_name] = len(wanted)
    admin = sm.find_role(ADMIN)
    summary[ADMIN] = len(admin.permissions) if admin else 0
    seed_reference_data()  # the code tables (issue 10): missing rows only, edits survive
    db.session.commit()
    return summary
