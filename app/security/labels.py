"""Words for what FAB shows by its internal names: permissions, screens, auto-generated titles and column labels,
the blank choice of a dropdown. Installed once, so every FAB screen (and every new one) reads in the user's language."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# FAB permission names -> what the holder may do
PERMISSION_LABELS: dict[str, Any] = {
    "can_list": _l("View list"),
    "can_show": _l("View details"),
    "can_add": _l("Add"),
    "can_edit": _l("Edit permission"),
    "can_delete": _l("Delete"),
    "can_get": _l("Read (API)"),
    "can_post": _l("Add (API)"),
    "can_put": _l("Edit (API)"),
    "can_info": _l("Form information (API)"),
    "menu_access": _l("See in the menu"),
    "can_access": _l("Open the screen"),
    "unlock": _l("Unlock"),
    "reset_password": _l("Reset password"),
    "resetpasswords": _l("Set a password for an account"),
    "resetmypassword": _l("Change own password"),
    "userinfoedit": _l("Edit own profile"),
    "can_userinfo": _l("View own account"),
    "can_this_form_get": _l("Open the form"),
    "can_this_form_post": _l("Submit the form"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "submit": _l("Submit"),
    "can_import": _l("Import"),
    "can_decide": _l("Decide"),
    "can_see_full": _l("See full personal data"),
    "can_download": _l("Download"),
    "can_export": _l("Export"),
    "can_print": _l("Print"),
    "can_notify": _l("Send notices"),
    "can_chart": _l("View chart"),
    "can_permissions": _l("View permissions"),
    "copyrole": _l("Copy role"),
    "can_lookup": _l("Look up"),
    "can_merge": _l("Merge"),
    "can_cancel": _l("Cancel"),
    "can_lock": _l("Lock the plan"),
    "can_unlock": _l("Unlock the plan"),
}

# view-menu names that are not (or not only) a menu entry -> a label; menu entries use their menu label first
VIEW_LABELS: dict[str, Any] = {
    "Users": _l("Accounts"),
    "List Users": _l("Accounts"),
    "List Roles": _l("Roles"),
    "RoleModelView": _l("Roles"),
    "List Groups": _l("User groups"),
    "UserGroupModelView": _l("User groups"),
    "User's Statistics": _l("User statistics"),
    "UserStatsChartView": _l("User statistics"),
    "Security": _l("Security"),
    "AdminSetPasswordView": _l("Set a password for an account"),
    "ChangePassword": _l("Change password"),
    "Profile": _l("My profile"),
    "GemsAuthDBView": _l("Sign-in"),
    "GemsSecurityApi": _l("Sign-in (API)"),
    "SecurityApi": _l("Sign-in (API)"),
    "HomeView": _l("Home page"),
    "LocaleView": _l("Language"),
    "UtilView": _l("Navigation"),
    "MenuApi": _l("Menu (API)"),
    "OpenApi": _l("API description"),
    "SwaggerView": _l("API browser"),
    "DepartmentsApi": _l("Departments (API)"),
    "GraduatesApi": _l("Graduates (API)"),
    "SourceReviewApi": _l("Source information review (API)"),
    "PersonalData": _l("Personal data"),
    "Evidence": _l("Evidence files"),
    "Inbox": _l("Messages"),
    "MyJobs": _l("My jobs"),
    "DestinationReviewApi": _l("Destination review (API)"),
    "PlanLock": _l("Employment plan lock"),
    "Statistics": _l("Placement rate statistics"),
    "StudentPlan": _l("Confirm my employment plan"),
    "StudentSourceInfo": _l("My source information"),
    "StudentChangeRequests": _l("My change requests"),
    "StudentDestination": _l("Destination registration"),
    "EmployerLookup": _l("Employer lookup"),
}


def _merge_parts() -> None:
    """Labels the agreements issue's parts declare beside their views (app.security.grants)."""
    from app.security.grants import part_labels

    VIEW_LABELS.update(part_labels())


_merge_parts()

# model class names -> what one record is called, for FAB's generated titles ("Add Graduate")
MODEL_LABELS: dict[str, Any] = {
    "Graduate": _l("graduate"),
    "Department": _l("department"),
    "Major": _l("major"),
    "Cohort": _l("cohort"),
    "GemsUser": _l("account"),
    "Role": _l("role"),
    "Group": _l("user group"),
    "AuditLog": _l("audit entry"),
    "ChangeRequest": _l("change request"),
    "Evidence": _l("evidence file"),
    "Employer": _l("employer"),
    "RegistryRecord": _l("registry record"),
    "ImportJob": _l("import job"),
    "SupplementaryReport": _l("supplementary report"),
    "Notification": _l("message"),
    "DestinationCode": _l("destination code"),
    "EmployerNature": _l("employer nature"),
    "Industry": _l("industry"),
    "JobCategory": _l("job category"),
    "RejectionReason": _l("rejection reason"),
    "Country": _l("country or region"),
    "Permission": _l("permission"),
    "ViewMenu": _l("screen"),
    "PermissionView": _l("permission"),
}

# column names FAB would otherwise label by prettifying the name ("Created By")
COLUMN_LABELS: dict[str, Any] = {
    "id": _l("ID"),
    "name": _l("Name"),
    "label": _l("Label"),
    "description": _l("Description"),
    "users": _l("Accounts"),
    "user": _l("Accounts"),
    "roles": _l("Roles"),
    "role": _l("Roles"),
    "groups": _l("User groups"),
    "permissions": _l("Permissions"),
    "permission": _l("Permissions"),
    "view_menu": _l("Screen or API"),
    "created_on": _l("Created on"),
    "changed_on": _l("Changed on"),
    "created_by": _l("Created by"),
    "changed_by": _l("Changed by"),
    "first_name": _l("Full name"),
    "last_name": _l("Last name"),
    "username": _l("User Name"),
    "email": _l("Email"),
    "active": _l("Enabled"),
    "last_login": _l("Last login"),
    "login_count": _l("Login count"),
    "fail_login_count": _l("Failed logins"),
    "code": _l("Code"),
    "active_flag": _l("Enabled"),
}


def permission_label(name: str) -> str:
    label = PERMISSION_LABELS.get(name)
    return str(label) if label is not None else _(name)


def _menu_labels() -> dict[str, Any]:
    labels: dict[str, Any] = {}
    if not has_app_context():
        return labels
    for item in current_app.appbuilder.menu.get_list():
        for entry in [item, *item.childs]:
            if entry.name and entry.name != "-" and entry.label:
                labels.setdefault(entry.name, entry.label)
    return labels


def view_label(name: str) -> str:
    """The screen's menu label, else its entry in VIEW_LABELS, else the catalog's translation of the name."""
    label = VIEW_LABELS.get(name) or _menu_labels().get(name)
    return str(label) if label is not None else _(name)


def permission_view_label(permission: str, view: str) -> str:
    return _("%(action)s · %(screen)s", action=permission_label(permission), screen=view_label(view))


def model_label(model_name: str) -> str:
    label = MODEL_LABELS.get(model_name)
    return str(label) if label is not None else model_name


def fab_permission_text(pv: Any) -> str:
    """FAB's own spelling of a permission pair ("can list on Graduates"), kept for the audit log's stable text."""
    return str(pv.permission).replace("_", " ") + f" on {pv.view_menu}"


def _permission_view_repr(self: Any) -> str:
    if self.permission is None or self.view_menu is None:
        return fab_permission_text(self)
    return permission_view_label(self.permission.name, self.view_menu.name)


TITLES = {"list_title": _l("%(what)s: list"), "add_title": _l("Add %(what)s"), "edit_title": _l("Edit %(what)s"),
          "show_title": _l("%(what)s: details")}
FAB_TITLE_PREFIX = {"list_title": "List ", "add_title": "Add ", "edit_title": "Edit ", "show_title": "Show "}


def _lazy_title(kind: str, model_name: str) -> LazyString:
    return LazyString(lambda: str(TITLES[kind]) % {"what": model_label(model_name)})


def _wrap_init_titles(original: Any) -> Any:
    def _init_titles(self: Any) -> None:
        """FAB's titles are plain English ("Add Graduate"); replace each one FAB generated with a translated one."""
        generated = {k for k in FAB_TITLE_PREFIX if not getattr(self, k, None)}
        original(self)
        model_name = self.datamodel.model_name
        for kind in generated:
            setattr(self, kind, _lazy_title(kind, model_name))
        if hasattr(self, "title") and "list_title" in generated:
            self.title = self.list_title

    _init_titles._gems_labels = True  # type: ignore[attr-defined]
    return _init_titles


def _prettify_column(self: Any, name: str) -> Any:
    """FAB labels a column without a label by prettifying its name; use our column label instead."""
    label = COLUMN_LABELS.get(name)
    if label is not None:
        return label
    from app.services.audit_text import field_label

    return LazyString(lambda: field_label(name))


def _install_blank_choice() -> None:
    """FAB's dropdowns render an empty blank choice as its value "__None"; show "Please choose" instead."""
    from flask_appbuilder.fields import QuerySelectField

    if getattr(QuerySelectField.__init__, "_gems_labels", False):
        return
    original = QuerySelectField.__init__

    def __init__(self: Any, *args: Any, blank_text: Any = "", **kwargs: Any) -> None:
        original(self, *args, blank_text=blank_text or _l("Please choose"), **kwargs)

    __init__._gems_labels = True  # type: ignore[attr-defined]
    QuerySelectField.__init__ = __init__


def _install_enum_labels() -> None:
    """FAB's enum dropdowns offer each member's raw value ("college"); offer the member's label (its __str__)."""
    from flask_appbuilder.fields import EnumField

    if getattr(EnumField.__init__, "_gems_labels", False):
        return
    original = EnumField.__init__

    def __init__(self: Any, enum_class: Any, enums: Any, *args: Any, **kwargs: Any) -> None:
        original(self, enum_class, enums, *args, **kwargs)
        if enum_class is not None:
            self.choices = [(name, LazyString(lambda m=enum_class.__members__[name]: str(m))) for name in enums]

    __init__._gems_labels = True  # type: ignore[attr-defined]
    EnumField.__init__ = __init__


def install() -> None:
    """Patch FAB once (idempotent): permission pairs, generated titles and labels, the blank dropdown choice."""
    from flask_appbuilder.api import ModelRestApi
    from flask_appbuilder.baseviews import BaseCRUDView, BaseModelView
    from flask_appbuilder.security.sqla.models import PermissionView

    PermissionView.__repr__ = _permission_view_repr
    for cls in (BaseCRUDView, ModelRestApi):
        if not getattr(cls._init_titles, "_gems_labels", False):
            cls._init_titles = _wrap_init_titles(cls._init_titles)
    BaseModelView._prettify_column = _prettify_column
    ModelRestApi._prettify_column = staticmethod(lambda name: _prettify_column(None, name))
    _install_blank_choice()
    _install_enum_labels()
