"""Organisation screens (ORG-1): the department tree, majors, cohorts, the graduate roster, and their APIs."""
from __future__ import annotations

from typing import Any

from flask import g
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.scope import department_subtree, scope_clause
from app.views.base import ScopedApi, ScopedModelView, interface

DEPT_LABELS = {
    "code": _l("Department code"),
    "name": _l("Department name"),
    "kind": _l("Level"),
    "parent": _l("Parent department"),
    "sort_order": _l("Sort order"),
    "active": _l("Enabled"),
}


class DepartmentModelView(ScopedModelView):
    """The department tree with codes; renaming shows up everywhere because students reference it."""

    datamodel = interface(Department)
    class_permission_name = "Departments"
    route_base = "/departments"
    list_title = _l("Departments")
    show_title = _l("Department")
    add_title = _l("Add department")
    edit_title = _l("Edit department")
    label_columns = DEPT_LABELS
    list_columns = ["code", "name", "kind", "parent", "active"]
    show_columns = ["code", "name", "kind", "parent", "sort_order", "active"]
    add_columns = edit_columns = ["code", "name", "kind", "parent", "sort_order", "active"]
    search_columns = ["code", "name", "kind", "parent", "active"]
    order_columns = ["code", "name", "sort_order"]
    base_order = ("code", "asc")
    validators_columns: dict[str, Any] = {}

    def pre_update(self, item: Department) -> None:
        if item.parent_id and item.parent_id in department_subtree(item.id):
            raise ValueError(_("A department cannot be placed under itself or one of its sub-units."))

    @expose("/tree/")
    @has_access
    def tree(self) -> Any:
        """The tree with graduate counts per node, limited to what the user may see."""
        user = g.user
        visible = db.session.execute(
            select(Department).where(scope_clause(Department, user)).order_by(Department.sort_order, Department.code)
        ).scalars().all()
        counts = dict(db.session.execute(
            select(Graduate.department_id, func.count()).where(scope_clause(Graduate, user))
            .group_by(Graduate.department_id)
        ).all())
        ids = {d.id for d in visible}
        children: dict[Any, list[Department]] = {}
        for dept in visible:
            parent = dept.parent_id if dept.parent_id in ids else None
            children.setdefault(parent, []).append(dept)
        return self.render_template("org/tree.html", children=children, counts=counts,
                                    appbuilder=self.appbuilder, title=_("Department tree"))

    method_permission_name = {"tree": "list"}


class MajorModelView(ScopedModelView):
    datamodel = interface(Major)
    class_permission_name = "Majors"
    route_base = "/majors"
    list_title = _l("Majors")
    show_title = _l("Major")
    add_title = _l("Add major")
    edit_title = _l("Edit major")
    label_columns = {"code": _l("Major code"), "name": _l("Major name"), "department": _l("Department"),
                     "education_level": _l("Education level"), "active": _l("Enabled")}
    list_columns = ["code", "name", "department", "education_level", "active"]
    show_columns = add_columns = edit_columns = ["code", "name", "department", "education_level", "active"]
    search_columns = ["code", "name", "department", "education_level"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")


class CohortModelView(ScopedModelView):
    datamodel = interface(Cohort)
    class_permission_name = "Cohorts"
    route_base = "/cohorts"
    list_title = _l("Cohorts")
    show_title = _l("Cohort")
    add_title = _l("Add cohort")
    edit_title = _l("Edit cohort")
    label_columns = {"year": _l("Graduation year"), "name": _l("Cohort"), "is_current": _l("Current cohort")}
    list_columns = show_columns = add_columns = edit_columns = ["year", "name", "is_current"]
    order_columns = ["year"]
    base_order = ("year", "desc")


class GraduateModelView(ScopedModelView):
    """The roster as reviewers see it; ID numbers masked (X-3); registry import and forms come with REG/SRC."""

    datamodel = interface(Graduate)
    class_permission_name = "Graduates"
    route_base = "/graduates"
    list_title = _l("Graduates")
    show_title = _l("Graduate")
    edit_title = _l("Edit graduate")
    base_permissions = ["can_list", "can_show", "can_edit"]
    label_columns = {"student_no": _l("Student number"), "name": _l("Name"), "id_masked": _l("ID number"),
                     "gender": _l("Gender"), "education_level": _l("Education level"), "cohort": _l("Cohort"),
                     "department": _l("Department"), "major": _l("Major")}
    list_columns = ["student_no", "name", "gender", "id_masked", "department", "major", "cohort"]
    show_columns = ["student_no", "name", "gender", "id_masked", "education_level", "department", "major", "cohort"]
    edit_columns = ["name", "department", "major"]
    search_columns = ["student_no", "name", "department", "major", "cohort"]
    order_columns = ["student_no", "name"]
    base_order = ("student_no", "asc")


class DepartmentApi(ScopedApi):
    resource_name = "department"
    datamodel = interface(Department)
    class_permission_name = "DepartmentsApi"
    list_columns = show_columns = ["id", "code", "name", "kind", "parent_id", "active"]
    add_columns = edit_columns = ["code", "name", "kind", "parent_id", "sort_order", "active"]
    search_columns = ["code", "name", "parent_id"]
    order_columns = ["code", "name"]


class GraduateApi(ScopedApi):
    resource_name = "graduate"
    datamodel = interface(Graduate)
    class_permission_name = "GraduatesApi"
    base_permissions = ["can_get", "can_info"]
    list_columns = show_columns = ["id", "student_no", "name", "gender", "department_id", "major_id", "cohort_id"]
    search_columns = ["student_no", "name", "department_id", "major_id", "cohort_id"]
    order_columns = ["student_no", "name"]

