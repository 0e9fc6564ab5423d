"""ORG-3: grant or revoke roles for every account of a department at once."""
from __future__ import annotations

from typing import Any

from flask import flash
from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget, Select2Widget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.views import SimpleFormView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, RadioField
from wtforms.validators import DataRequired

from app.extensions import db
from app.models.org import Department
from app.services import accounts


def _departments() -> Any:
    return db.session.execute(select(Department).order_by(Department.code)).scalars().all()


def _roles() -> Any:
    from flask import current_app

    role_model = current_app.appbuilder.sm.role_model
    public = current_app.config.get("AUTH_ROLE_PUBLIC", "Public")  # visitors' role: never granted
    return db.session.execute(select(role_model).where(role_model.name != public)
                              .order_by(role_model.name)).scalars().all()


class GrantForm(DynamicForm):
    department = QuerySelectField(_l("Department"), query_func=_departments, get_pk_func=lambda d: d.id, validators=[DataRequired()],
                                  widget=Select2Widget())
    include_children = BooleanField(_l("Include sub-units"), default=True)
    roles = QuerySelectMultipleField(_l("Roles"), query_func=_roles, get_pk_func=lambda r: r.id, validators=[DataRequired()],
                                     widget=Select2ManyWidget())
    mode = RadioField(_l("Operation"), choices=[("grant", _l("Grant")), ("revoke", _l("Revoke"))], default="grant")


class GrantRolesView(SimpleFormView):
    route_base = "/grant"
    class_permission_name = "GrantRoles"
    form = GrantForm
    form_title = _l("Grant roles to a department")
    redirect_url = "/users/list/"

    def form_post(self, form: GrantForm) -> None:
        changed = accounts.grant_to_department(form.department.data.id, form.include_children.data,
                                               list(form.roles.data), revoke=form.mode.data == "revoke")
        flash(_("%(n)d account(s) changed.", n=changed), "info")
