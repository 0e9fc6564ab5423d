"""What every page needs about the signed-in user, loaded in two queries instead of FAB's ~20.

FAB loads roles and groups lazily and checks each permission (menu entries, buttons) with its own EXISTS query.
Here the user comes with roles, groups and the unread-message count in one query, and all (permission, view) pairs
of the user's roles in a second, cached on `g` keyed by the role ids (a role change within the request is seen).
"""
from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu, assoc_permissionview_role
from sqlalchemy import func, select, true
from sqlalchemy.orm import joinedload

from app.models.notification import Notification


class RequestCacheMixin:
    """Mixed into the security manager before FAB's SecurityManager."""

    def _permission_pairs(self, roles: list[Any]) -> frozenset[tuple[str, str]]:
        key = tuple(sorted(role.id for role in roles))
        cache: dict[tuple[int, ...], frozenset[tuple[str, str]]] = (
            g.setdefault("_gems_permission_pairs", {}) if has_app_context() else {})
        if key not in cache:
            rows = self.session.execute(
                select(Permission.name, ViewMenu.name)
                .join(PermissionView, PermissionView.permission_id == Permission.id)
                .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                .join(assoc_permissionview_role, assoc_permissionview_role.c.permission_view_id == PermissionView.id)
                .where(assoc_permissionview_role.c.role_id.in_(key))).all()
            cache[key] = frozenset((p, v) for p, v in rows)
        return cache[key]

    def _uses_builtin_roles(self, roles: list[Any]) -> bool:
        return any(role.name in self.builtin_roles for role in roles)

    def _has_view_access(self, user: Any, permission_name: str, view_name: str) -> bool:
        roles = self.get_user_roles(user)
        if self._uses_builtin_roles(roles):
            return super()._has_view_access(user, permission_name, view_name)  # type: ignore[misc]
        return (permission_name, view_name) in self._permission_pairs(roles)

    def _get_user_permission_view_menus(self, user: Any, permission_name: str, view_menus_name: list[str]) -> set[str]:
        roles = [self.get_public_role()] if user is None else self.get_user_roles(user)
        roles = [r for r in roles if r is not None]
        if self._uses_builtin_roles(roles):
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)  # type: ignore[misc]
        wanted = set(view_menus_name or [])
        return {v for p, v in self._permission_pairs(roles) if p == permission_name and (not wanted or v in wanted)}

    def load_user(self, pk: Any, check: Any = None) -> Any:
        """The signed-in user with roles, groups and unread count (for the navbar badge) in one query.

        `check` is an SQL condition the same query evaluates (app.security.sessions: session or token still valid).
        """
        model = self.user_model
        unread = (select(func.count()).select_from(Notification)
                  .where(Notification.user_id == model.id, Notification.read_at.is_(None)).scalar_subquery())
        valid = (true() if check is None else check).label("valid")
        row = self.session.execute(
            select(model, unread.label("unread"), valid).options(joinedload(model.roles), joinedload(model.groups))
            .where(model.id == int(pk))).unique().first()
        if row is None or not row[0].is_active or not row[2]:
            return None
        user = row[0]
        user._gems_unread = row[1]
        return user
