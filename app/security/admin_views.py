"""FAB's own security screens (roles, groups, user statistics, permissions) under the one scope rule, like ours."""
from __future__ import annotations

from typing import Any

from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    UserGroupModelView,
    UserStatsChartView,
    ViewMenuModelView,
)

from app.views.base import ScopedRelationsMixin


def scoped(view_class: type) -> type:
    """The FAB view with its rows and every related lookup passed through app.scope (central roles only here)."""

    def __init__(self: Any, **kwargs: Any) -> None:
        self._scope_relations()
        view_class.__init__(self, **kwargs)

    return type(view_class.__name__, (ScopedRelationsMixin, view_class), {"__init__": __init__,
                                                                           "__doc__": view_class.__doc__})


ROLES = scoped(RoleModelView)
GROUPS = scoped(UserGroupModelView)
USER_STATS = scoped(UserStatsChartView)
PERMISSIONS = scoped(PermissionModelView)
VIEW_MENUS = scoped(ViewMenuModelView)
PERMISSION_VIEWS = scoped(PermissionViewModelView)


def install(manager: Any) -> None:
    """Replace FAB's defaults on the security manager before it registers its views."""
    manager.rolemodelview, manager.groupmodelview, manager.userstatschartview = ROLES, GROUPS, USER_STATS
    manager.permissionmodelview, manager.viewmenumodelview = PERMISSIONS, VIEW_MENUS
    manager.permissionviewmodelview = PERMISSION_VIEWS
