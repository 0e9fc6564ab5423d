"""Organisation screens (ORG-1): the department tree, majors, cohorts, the graduate roster, and their APIs."""
from __future__ import annotations

from typing import Any

from flask import flash, g
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, inspect, select
from wtforms import BooleanField

from app.extensions import db
from app.formatters import coded, yes_no
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.scope import department_subtree, scope_clause
from app.security.pii import show_id, show_phone
from app.services import audit
from app.services.registry_rules import EXCLUSION_REASONS
from app.validation import EDUCATION_LEVELS, GENDERS
from app.views.base import ScopedApi, ScopedModelView, interface
from app.workflows.source_info import SOURCE_INFO

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
    label_columns = {"year": _l("Graduation year"), "name": _l("Cohort"), "is_current": _l("Current cohort"),
                     "change_deadline": _l("Change deadline"), "plan_locked": _l("Plan locked")}
    list_columns = show_columns = ["year", "name", "is_current", "change_deadline", "plan_locked"]
    add_columns = edit_columns = ["year", "name", "is_current", "change_deadline"]
    order_columns = ["year"]
    base_order = ("year", "desc")
    # FAB makes a NOT NULL boolean a required checkbox, so an unticked (non-current) cohort could not be saved
    add_form_extra_fields = edit_form_extra_fields = {"is_current": BooleanField(
        _l("Current cohort"), description=_l("Only one cohort is current: ticking this one ends the current one."))}

    def pre_add(self, item: Cohort) -> None:
        self._one_current(item)

    def pre_update(self, item: Cohort) -> None:
        self._one_current(item)

    def _one_current(self, item: Cohort) -> None:
        """One current cohort: marking this one current ends the other (through the ORM, so it is audited)."""
        if not item.is_current:
            return
        others = select(Cohort).where(Cohort.is_current.is_(True))
        if item.id is not None:
            others = others.where(Cohort.id != item.id)
        for other in db.session.scalars(others):
            other.is_current = False
            flash(_("%(old)s is no longer the current cohort; %(new)s is.", old=other.name, new=item.name), "info")


class GraduateModelView(ScopedModelView):
    """The roster as reviewers see it: labels not codes, review status, REG-2 inclusion; ID and phone per X-3."""

    datamodel = interface(Graduate)
    class_permission_name = "Graduates"
    route_base = "/graduates"
    list_title = _l("Graduates")
    show_title = _l("Graduate")
    edit_title = _l("Edit graduate")
    base_permissions = ["can_list", "can_show", "can_edit"]
    label_columns = {"student_no": _l("Student number"), "name": _l("Full name"), "id_number": _l("ID number"),
                     "gender": _l("Gender"), "education_level": _l("Education level"), "cohort": _l("Cohort"),
                     "department": _l("Department"), "major": _l("Major"), "mobile": _l("Contact phone"),
                     "status": _l("Review status"), "included": _l("Reported"),
                     "exclusion_reason": _l("Reason for not reporting"),
                     "added_by_reviewer": _l("Added by a reviewer")}
    list_columns = ["student_no", "name", "gender", "id_number", "department", "major", "cohort", "status",
                    "included"]
    show_columns = ["student_no", "name", "gender", "id_number", "mobile", "education_level", "department",
                    "major", "cohort", "status", "included", "exclusion_reason", "added_by_reviewer"]
    edit_columns = ["name", "department", "major"]
    # ID number and phone are masked for most users, so they are never searchable or sortable
    search_columns = ["student_no", "name", "department", "major", "cohort", "included"]
    order_columns = ["student_no", "name"]
    base_order = ("student_no", "asc")
    formatters_columns = {
        "name": lambda name: Markup('<span class="gems-nowrap">%s</span>') % (name or ""),  # names never wrap
        "gender": coded(GENDERS),
        "education_level": coded(EDUCATION_LEVELS),
        "id_number": show_id,
        "mobile": show_phone,
        "status": SOURCE_INFO.label,
        "included": yes_no,
        "added_by_reviewer": yes_no,
        "exclusion_reason": coded(EXCLUSION_REASONS),
    }

    def pre_update(self, item: Graduate) -> None:
        """Remember old → new of the edited placement fields for the audit entry (X-2)."""
        changes = {}
        state = inspect(item)
        for key in self.edit_columns:
            history = state.attrs[key].history
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                new = history.added[0] if history.added else None
                changes[key] = [None if old is None else str(old), None if new is None else str(new)]
        g.gems_graduate_changes = changes

    def post_update(self, item: Graduate) -> None:
        changes = getattr(g, "gems_graduate_changes", None)
        if changes:
            audit.record("graduate.form_saved", "graduate", item.id, changes=changes, source="roster")
            db.session.commit()


class DepartmentApi(ScopedApi):
    resource_name = "department"
    datamodel = interface(Department)
    class_permission_name = "DepartmentsApi"
    label_columns = {**DEPT_LABELS, "parent_id": _l("Parent department")}
    list_columns = show_columns = ["id", "code", "name", "kind", "parent_id", "active"]
    add_columns = edit_columns = ["code", "name", "kind", "parent_id", "sort_order", "active"]
    search_columns = ["code", "name", "parent_id"]
    order_columns = ["code", "name"]


class GraduateApi(ScopedApi):
    resource_name = "graduate"
    datamodel = interface(Graduate)
    class_permission_name = "GraduatesApi"
    label_columns = {"name": _l("Full name")}
    base_permissions = ["can_get", "can_info"]
    list_columns = show_columns = ["id", "student_no", "name", "gender", "department_id", "major_id", "cohort_id",
                                   "status", "included", "exclusion_reason"]
    search_columns = ["student_no", "name", "department_id", "major_id", "cohort_id", "status", "included"]
    order_columns = ["student_no", "name"]

