"""Msgids that `pybabel extract` cannot find in our code, listed here so extract puts them into messages.pot.

Never imported by the app; it only exists so that `pybabel extract -F babel.cfg ...` (pattern app/**.py)
sees these strings and `pybabel update` keeps them in app/translations/*/LC_MESSAGES/messages.po instead of
marking them obsolete.

1. FAB permission and view-menu names: the permissions page (templates/security/permissions.html) shows
   them through `_(name)` at request time.
2. Strings FAB's own code and templates use but FAB's zh catalog lacks, leaves empty or marks fuzzy;
   regenerate the list with `.venv/bin/python scripts/i18n_fab_missing.py`.
"""
from flask_babel import lazy_gettext as _l

PERMISSION_NAMES = [
    _l("can_list"),
    _l("can_show"),
    _l("can_add"),
    _l("can_edit"),
    _l("can_delete"),
    _l("menu_access"),
    _l("can_get"),
    _l("can_info"),
    _l("can_post"),
    _l("can_put"),
    _l("can_this_form_get"),
    _l("can_this_form_post"),
    _l("can_userinfo"),
    _l("unlock"),
    _l("reset_password"),
    _l("resetmypassword"),
    _l("userinfoedit"),
    _l("resetpasswords"),
    # also created by FAB's own security views (seen in the admin role after `flask gems bootstrap`)
    _l("can_chart"),
    _l("can_download"),
    _l("can_permissions"),
    _l("copyrole"),
]

VIEW_NAMES = [
    _l("Departments"),
    _l("Majors"),
    _l("Cohorts"),
    _l("Graduates"),
    _l("StaffAccounts"),
    _l("GrantRoles"),
    _l("AuditLog"),
    _l("Users"),
    _l("Profile"),
    _l("ChangePassword"),
    _l("DepartmentsApi"),
    _l("GraduatesApi"),
    _l("DepartmentTree"),
    _l("Organisation"),
    _l("Accounts"),
    _l("Security"),
    _l("List Users"),
    _l("List Roles"),
    # also registered by FAB itself (seen in the admin role after `flask gems bootstrap`)
    _l("AdminSetPasswordView"),
    _l("GemsAuthDBView"),
    _l("HomeView"),
    _l("List Groups"),
    _l("LocaleView"),
    _l("MenuApi"),
    _l("OpenApi"),
    _l("RoleModelView"),
    _l("SecurityApi"),
    _l("SwaggerView"),
    _l("User's Statistics"),
    _l("UserGroupModelView"),
    _l("UserStatsChartView"),
    _l("UtilView"),
]

# Output of scripts/i18n_fab_missing.py for flask-appbuilder 5.3.0 (zh).
FAB_MISSING = [
    _l("Add"),
    _l("Add Group"),
    _l("Are you sure you want to delete this item?"),
    _l("Contains (insensitive)"),
    _l("Database Error"),
    _l("Delete"),
    _l("Edit"),
    _l("Edit Group"),
    _l("Edit User Information"),
    _l("Either select a role or a group"),
    _l("Groups"),
    _l("In"),
    _l("It's not a good policy to remove a user, just make it inactive"),
    _l("List Groups"),
    _l("Must have at least two capital letters, one special character, two digits, three lower case letters "
       "and a minimal length of 10."),
    _l("Not a valid choice"),
    _l("Not In"),
    _l("Show"),
    _l("Show Group"),
    _l("Sign In with "),
    _l("Start with"),
    _l("The user group on the application, this will associate with a list of roles associated with the group"),
    _l("The user's password for authentication"),
    _l("User information changed"),
    _l("User(s) exists in the group, cannot delete"),
    _l("User(s) exists in the role, cannot delete"),
]
