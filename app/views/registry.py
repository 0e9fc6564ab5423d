"""Registers every view and API with its menu place; the access-matrix test walks what is registered here."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from app.security.views import StaffAccountModelView
from app.views.accounts import GrantRolesView
from app.views.agreements import register_agreement_views
from app.views.audit import AuditLogModelView
from app.views.changes import ChangeRequestModelView, StudentChangeRequestsView
from app.views.evidence import EvidenceView
from app.views.inbox import InboxView
from app.views.jobs import JobsView
from app.views.national import register_national_views
from app.views.org import (
    CohortModelView,
    DepartmentApi,
    DepartmentModelView,
    GraduateApi,
    GraduateModelView,
    MajorModelView,
)
from app.views.plan_menu import register_plan_views
from app.views.reference import register_reference_views
from app.views.registry_import import (
    ImportJobModelView,
    RegistryImportView,
    RegistryRecordModelView,
    register_upload_limit,
)
from app.views.review.api import SourceReviewApi
from app.views.review.menu import register_review_workspaces
from app.views.review.source_detail import SourceDetailView
from app.views.review.source_export import SourceExportView
from app.views.review.source_list import SourceReviewView
from app.views.student import CATEGORY as STUDENT_SERVICES
from app.views.student_bind import StudentBindView
from app.views.student_destination import StudentDestinationView
from app.views.student_form import StudentSourceView
from app.views.supplementary import SupplementaryReportModelView
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
    appbuilder.add_view(StudentSourceView, "MySourceInfo", label=_l("My source information"), icon="fa-id-card",
                        **STUDENT_SERVICES)
    appbuilder.add_view_no_menu(StudentBindView)
    appbuilder.add_view(StudentDestinationView, "MyDestination", label=_l("Destination registration"),
                        icon="fa-briefcase", **STUDENT_SERVICES)
    appbuilder.add_view(StudentChangeRequestsView, "MyChangeRequests", label=_l("My change requests"),
                        icon="fa-exchange", **STUDENT_SERVICES)
    appbuilder.add_view(SourceReviewView, "SourceReview", label=_l("Source information review"),
                        icon="fa-check-square-o", category="Review", category_label=_l("Review"),
                        category_icon="fa-check-square-o")
    appbuilder.add_view_no_menu(SourceDetailView)
    appbuilder.add_view_no_menu(SourceExportView)
    register_review_workspaces(appbuilder)  # 毕业去向审核 and the next workspaces (issue 10)
    appbuilder.add_view(ChangeRequestModelView, "ChangeRequests", label=_l("Change requests"), icon="fa-exchange",
                        category="Review", category_label=_l("Review"), category_icon="fa-check-square-o")
    appbuilder.add_view_no_menu(EvidenceView)
    registry = dict(category="Registry", category_label=_l("Student registry"), category_icon="fa-database")
    appbuilder.add_view(RegistryRecordModelView, "RegistryRecords", label=_l("Registry records"),
                        icon="fa-database", **registry)
    appbuilder.add_view(RegistryImportView, "RegistryImport", label=_l("Import registry"), icon="fa-upload",
                        **registry)
    appbuilder.add_view(ImportJobModelView, "ImportJobs", label=_l("Import history"), icon="fa-history",
                        **registry)
    register_upload_limit()
    appbuilder.add_view(SupplementaryReportModelView, "SupplementaryReports", label=_l("Supplementary reporting"),
                        icon="fa-user-plus", **registry)
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
    appbuilder.add_view_no_menu(JobsView)  # 我的任务, in the user menu
    register_reference_views(appbuilder)  # 基础数据: code tables and employers (issue 10)
    register_national_views(appbuilder)  # 就业方案: plan download, proof zip, reconciliation (issue 10)
    register_plan_views(appbuilder)  # 就业方案: lock, placement statistics, the graduate's confirmation (issue 10)
    register_agreement_views(appbuilder)  # 三方协议, 解约, employer portal (issue 12)
    appbuilder.add_api(DepartmentApi)
    appbuilder.add_api(GraduateApi)
    appbuilder.add_api(SourceReviewApi)
