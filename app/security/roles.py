"""The five built-in roles and exactly which FAB permissions each one holds (ORG-3)."""
from __future__ import annotations

from typing import Iterable

from flask_babel import lazy_gettext as _l

ADMIN = "系统管理员"
SCHOOL = "校级审核员"
COLLEGE = "院系审核员"
STUDENT = "毕业生"
EMPLOYER = "用人单位"

CENTRAL_ROLES = frozenset({ADMIN, SCHOOL})
STAFF_ROLES = frozenset({ADMIN, SCHOOL, COLLEGE})

ROLE_DESCRIPTIONS = {
    ADMIN: _l("Builds the department tree, accounts, roles and grants; unlocks plans; reopens records"),
    SCHOOL: _l("Final review of every student of the school, batch operations, exports"),
    COLLEGE: _l("First review of the students of their own department, exports of their own students"),
    STUDENT: _l("Fills and submits their own forms, reads their messages"),
    EMPLOYER: _l("Invites students and signs its own agreements"),
}

_READ = ("can_list", "can_show", "menu_access")
_API_READ = ("can_get", "can_info")

_REVIEW = {  # SRC-8 … SRC-12: the reviewer's workspace, its exports and its REST door
    "SourceReview": _READ + ("can_decide", "can_edit", "can_notify", "can_export", "can_print"),
    "SourceReviewApi": _API_READ[:1] + ("can_decide",),
    "DestinationReview": _READ + ("can_decide", "can_edit", "can_notify", "can_export", "can_print"),  # EMP-2
    "DestinationReviewApi": _API_READ[:1] + ("can_decide",),
}

_REFERENCE_VIEWS = ("DestinationCodes", "EmployerNatures", "Industries", "JobCategories", "RejectionReasons",
                    "Countries", "NumberRequestReasons", "TerminationReasons")
_REFERENCE_FULL = {  # 基础数据 (issue 10): the school maintains code tables and employers
    "ReferenceData": ("menu_access",),
    **dict.fromkeys(_REFERENCE_VIEWS, _READ + ("can_add", "can_edit", "can_delete")),
    "Employers": _READ + ("can_add", "can_edit", "can_merge"),
    "EmployerLookup": ("can_lookup",),
}
_REFERENCE_READ = {
    "ReferenceData": ("menu_access",),
    **dict.fromkeys(_REFERENCE_VIEWS, _READ),
    "Employers": _READ,
    "EmployerLookup": ("can_lookup",),
}

_SELF_SERVICE = {
    "Inbox": ("can_list",),
    "Profile": ("can_this_form_get", "can_this_form_post"),
    "ChangePassword": ("can_this_form_get", "can_this_form_post"),
    "Users": ("can_userinfo", "resetmypassword", "userinfoedit"),
}

# view (class_permission_name or menu name) -> permissions, per role. The system admin additionally
# holds every permission FAB creates (AUTH_ROLE_ADMIN); everything else is listed here explicitly.
ROLE_GRANTS: dict[str, dict[str, Iterable[str]]] = {
    SCHOOL: {
        "Departments": _READ,
        "Majors": _READ,
        "Cohorts": _READ,
        "Graduates": _READ + ("can_edit",),
        "StaffAccounts": _READ + ("unlock", "reset_password"),
        "DepartmentTree": ("menu_access",),
        "Organisation": ("menu_access",),
        "Accounts": ("menu_access",),
        "DepartmentsApi": _API_READ,
        "GraduatesApi": _API_READ,
        "PersonalData": ("can_see_full",),
        "SupplementaryReports": _READ + ("can_add", "can_edit", "can_delete", "submit"),
        "Registry": ("menu_access",),
        "RegistryRecords": _READ,
        "RegistryImport": ("can_import", "menu_access"),
        "ImportJobs": _READ,
        "MyJobs": ("can_list", "can_cancel"),
        "ChangeRequests": _READ + ("approve", "reject"),
        "Review": ("menu_access",),
        "Evidence": ("can_download",),
        "EmploymentPlan": ("menu_access",),  # 就业方案 (PLAN-1..4): download, proofs, reconciliation, lock, rate
        "NationalExport": ("menu_access", "can_download"),
        "Reconcile": ("menu_access", "can_import"),
        "PlacementStatistics": ("menu_access",),
        "PlanLockPage": ("menu_access",),
        "PlanLock": ("can_show", "can_lock", "can_export"),
        "Statistics": ("can_show", "can_export"),
        **_REVIEW,
        **_REFERENCE_FULL,
        **_SELF_SERVICE,
    },
    COLLEGE: {
        "Departments": _READ,
        "Majors": _READ,
        "Cohorts": _READ,
        "Graduates": _READ,
        "StaffAccounts": _READ + ("unlock", "reset_password"),
        "DepartmentTree": ("menu_access",),
        "Organisation": ("menu_access",),
        "Accounts": ("menu_access",),
        "DepartmentsApi": _API_READ,
        "GraduatesApi": _API_READ,
        "Registry": ("menu_access",),
        "RegistryRecords": _READ,
        "MyJobs": ("can_list", "can_cancel"),
        "ChangeRequests": _READ + ("approve", "reject"),
        "Review": ("menu_access",),
        "Evidence": ("can_download",),
        "EmploymentPlan": ("menu_access",),
        "NationalExport": ("menu_access", "can_download"),
        "PlacementStatistics": ("menu_access",),
        "PlanLockPage": ("menu_access",),
        "PlanLock": ("can_show", "can_export"),  # a college sees the lock page; only the school locks
        "Statistics": ("can_show", "can_export"),
        **_REVIEW,
        **_REFERENCE_READ,
        **_SELF_SERVICE,
    },
    STUDENT: {
        "StudentServices": ("menu_access",),
        "MySourceInfo": ("menu_access",),
        "StudentSourceInfo": ("can_access",),
        "MyChangeRequests": ("menu_access",),
        "StudentChangeRequests": ("can_list", "can_add"),
        "Evidence": ("can_download",),
        "EmployerLookup": ("can_lookup",),  # the destination form's employer autocomplete
        "MyDestination": ("menu_access",),
        "StudentDestination": ("can_access",),
        "MyPlan": ("menu_access",),  # PLAN-4: confirm the plan entry or report an error
        "StudentPlan": ("can_access",),
        **_SELF_SERVICE,
    },
    EMPLOYER: {
        **_SELF_SERVICE,
    },
}


def _merge_parts() -> None:
    """The agreements issue's screens declare their grants beside their views (app.security.grants)."""
    from app.security.grants import part_grants

    for role, grants in part_grants().items():
        for view, permissions in grants.items():
            mine = ROLE_GRANTS.setdefault(role, {})
            mine[view] = tuple(dict.fromkeys((*mine.get(view, ()), *permissions)))


_merge_parts()


def role_names(user) -> frozenset[str]:  # noqa: ANN001
    """Names of the user's roles, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_gems_role_names", None)
    if cached is None:
        cached = frozenset(role.name for role in user.roles)
        try:
            user._gems_role_names = cached
        except AttributeError:  # pragma: no cover - non-ORM user stand-ins
            pass
    return cached
