"""FAB's own security screens (roles, groups, user statistics, permissions) under the one scope rule, like ours,
with their labels, titles and help in the user's language and the built-in Public role kept out of every picker."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    UserGroupModelView,
    UserStatsChartView,
    ViewMenuModelView,
)
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.security import labels, menus
from app.views.base import ScopedRelationsMixin
from app.views.charts import EChartsWidget

ROLE_RELATIONS = ("roles", "role")
_REL_ATTRS = ("add_form_query_rel_fields", "edit_form_query_rel_fields", "search_form_query_rel_fields",
              "add_query_rel_fields", "edit_query_rel_fields")


class NotPublicRole(FilterNotEqual):
    """The role name is not AUTH_ROLE_PUBLIC (read at query time): that role is for visitors, never assigned."""

    def apply(self, query: Any, value: Any) -> Any:
        return super().apply(query, current_app.config.get("AUTH_ROLE_PUBLIC", "Public"))


def without_public_role(view: Any) -> None:
    """Add (never replace) the not-Public filter to every role relation query of the view."""
    model = view.datamodel.obj
    keys = [rel.key for rel in model.__mapper__.relationships if rel.key in ROLE_RELATIONS]
    for attr in _REL_ATTRS:
        if not hasattr(type(view), attr) or not keys:
            continue
        queries = dict(getattr(view, attr, None) or {})
        for key in keys:
            own = list(queries.get(key, []))
            if not any(f[1] is NotPublicRole for f in own):
                own.append(["name", NotPublicRole, ""])
            queries[key] = own
        setattr(view, attr, queries)


def role_name(name: Any) -> str:
    """The Public role's name in words (it is stored under FAB's English name)."""
    if name == current_app.config.get("AUTH_ROLE_PUBLIC", "Public"):
        return _("Visitors not signed in (Public)")
    return name or ""


def scoped(view_class: type, **attrs: Any) -> type:
    """The FAB view with its rows and every related lookup passed through app.scope (central roles only here)."""

    def __init__(self: Any, **kwargs: Any) -> None:
        self._scope_relations()
        without_public_role(self)
        view_class.__init__(self, **kwargs)

    return type(view_class.__name__, (ScopedRelationsMixin, view_class), {"__init__": __init__,
                                                                           "__doc__": view_class.__doc__, **attrs})


ROLES = scoped(RoleModelView, label_columns={"name": _l("Name"), "permissions": _l("Permissions"),
                                             "user": _l("Accounts")},
               list_title=_l("Roles"), show_title=_l("Role"), add_title=_l("Add role"), edit_title=_l("Edit role"),
               formatters_columns={"name": role_name})
GROUPS = scoped(UserGroupModelView,
                label_columns={"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                               "users": _l("Accounts"), "roles": _l("Roles")},
                description_columns={"name": _l("A short unique name for the group"),
                                     "label": _l("The name shown to people"),
                                     "roles": _l("Every account in the group holds these roles")},
                list_title=_l("User groups"), show_title=_l("User group"), add_title=_l("Add user group"),
                edit_title=_l("Edit user group"))

USER_STATS_LABELS = {"username": _l("User Name"), "first_name": _l("Full name"), "last_name": _l("Last name"),
                     "email": _l("Email"), "active": _l("Enabled"), "roles": _l("Roles"), "groups": _l("User groups"),
                     "created_on": _l("Created on"), "changed_on": _l("Changed on"), "last_login": _l("Last login"),
                     "login_count": _l("Login count"), "fail_login_count": _l("Failed logins")}
USER_STATS = scoped(UserStatsChartView, label_columns=USER_STATS_LABELS, chart_title=_l("User statistics"),
                    chart_widget=EChartsWidget,  # served from the app: FAB's default loads Google Charts
                    search_columns=["username", "first_name", "email", "active", "roles", "last_login"],
                    definitions=[
                        {"label": LazyString(lambda: _("Login count")), "group": "username",
                         "series": ["login_count"]},
                        {"label": LazyString(lambda: _("Failed logins")), "group": "username",
                         "series": ["fail_login_count"]},
                    ])
PERMISSIONS = scoped(PermissionModelView, list_title=_l("Permissions"), show_title=_l("Permission"),
                     label_columns={"name": _l("Name")})
VIEW_MENUS = scoped(ViewMenuModelView, list_title=_l("Screens and APIs"), show_title=_l("Screen or API"),
                    label_columns={"name": _l("Name")})
PERMISSION_VIEWS = scoped(PermissionViewModelView, list_title=_l("Permissions on screens"),
                          show_title=_l("Permission on a screen"),
                          label_columns={"permission": _l("Permission"), "view_menu": _l("Screen or API")})


def install(manager: Any) -> None:
    """Replace FAB's defaults on the security manager before it registers its views."""
    labels.install()
    menus.install()
    manager.rolemodelview, manager.groupmodelview, manager.userstatschartview = ROLES, GROUPS, USER_STATS
    manager.permissionmodelview, manager.viewmenumodelview = PERMISSIONS, VIEW_MENUS
    manager.permissionviewmodelview = PERMISSION_VIEWS
