"""Registers every view and API with its menu place; the access-matrix test walks what is registered here."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from app.security.views import StaffAccountModelView
from app.views.accounts import GrantRolesView
from app.views.org import (
    CohortModelView,
    DepartmentApi,
    DepartmentModelView,
    GraduateApi,
    GraduateModelView,
    MajorModelView,
)
from app.views.audit import AuditLogModelView
from app.views.inbox import InboxView
from app.views.workflow_admin import WorkflowAdminView


def register_views(appbuilder: AppBuilder) -> None:
    org = dict(category="Organisation", category_label=_l("Organisation"), category_icon="fa-sitemap")
    appbuilder.add_view(DepartmentModelView, "Departments", label=_l("Departments"), icon="fa-building", **org)
    appbuilder.add_link("DepartmentTree", label=_l("Department tree"), href="/departments/tree/",
                        icon="fa-sitemap", category="Organisation")
    appbuilder.add_view(MajorModelView, "Majors", label=_l("Majors"), icon="fa-graduation-cap", **org)
    appbuilder.add_view(CohortModelView, "Cohorts", label=_l("Cohorts"), icon="fa-calendar", **org)
    appbuilder.add_view(GraduateModelView, "Graduates", label=_l("Graduates"), icon="fa-users",
                        category="Graduates", category_label=_l("Graduates"), category_icon="fa-users")
    accounts = dict(category="Accounts", category_label=_l("Accounts"), category_icon="fa-user-shield")
    appbuilder.add_view(StaffAccountModelView, "StaffAccounts", label=_l("Accounts and locks"),
                        icon="fa-unlock", **accounts)
    appbuilder.add_view(GrantRolesView, "GrantRoles", label=_l("Grant roles to a department"),
                        icon="fa-users-cog", **accounts)
    appbuilder.add_view(AuditLogModelView, "AuditLog", label=_l("Audit log"), icon="fa-history",
                        category="Security", category_label=_l("Security"))
    appbuilder.add_view(WorkflowAdminView, "Workflows", label=_l("Workflows"), icon="fa-project-diagram",
                        category="Security")
    appbuilder.add_view_no_menu(InboxView)
    appbuilder.add_api(DepartmentApi)
    appbuilder.add_api(GraduateApi)
