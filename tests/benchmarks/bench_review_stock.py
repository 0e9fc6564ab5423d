"""The baselines the reviewer workspace is measured against: what a stock Flask-AppBuilder ModelView does on the
same Graduate rows (FAB's own list, filters, ordering and action_post, no GEMS code in between)."""
from __future__ import annotations

from typing import Any

from flask import redirect
from flask_appbuilder import ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.models.graduate import Graduate
from app.services import audit
from app.timeutil import utcnow

ROUTE = "/benchstockgraduate"
PERMISSION_VIEW = "BenchStockGraduate"


class StockGraduateView(ModelView):
    """A plain FAB ModelView: list columns as the reviewer list's defaults, a department relation filter, order."""

    datamodel = SQLAInterface(Graduate)
    route_base = ROUTE
    class_permission_name = PERMISSION_VIEW
    list_columns = ["student_no", "name", "gender", "id_number", "department", "major", "origin", "status",
                    "submitted_at"]
    search_columns = ["department", "status", "origin", "name", "student_no", "id_number"]
    order_columns = ["student_no", "name", "origin", "status", "submitted_at"]
    base_order = ("student_no", "asc")
    page_size = 20

    @action("approve", "Approve", "", "fa-check", single=False)
    def approve(self, items: list[Any]) -> Any:
        """FAB's pattern: per item set the status, write one audit row, save through datamodel.edit (commits)."""
        for item in items:
            if item is None:
                continue
            old = item.status
            item.status, item.version = "complete", item.version + 1
            item.school_decision, item.school_decided_at, item.updated_at = "approved", utcnow(), utcnow()
            audit.record("workflow.source_info.approve_school", "source_info", item.id,
                         **{"from": old, "to": "complete", "remark": ""})
            self.datamodel.edit(item)
        return redirect(f"{ROUTE}/list/")


def register(app: Any) -> None:
    """Add the stock view to a bench app (before its first request and before permissions are synced)."""
    with app.app_context():
        app.appbuilder.add_view_no_menu(StockGraduateView())


def grant(role_name: str) -> None:
    """Give a role every permission of the stock view (inside an app context, after the roles were synced)."""
    from flask import current_app
    from flask_appbuilder.security.sqla.models import PermissionView, ViewMenu

    from app.extensions import db

    role = current_app.appbuilder.sm.find_role(role_name)
    for pv in db.session.query(PermissionView).join(ViewMenu).filter(ViewMenu.name == PERMISSION_VIEW):
        if pv not in role.permissions:
            role.permissions.append(pv)
    db.session.commit()
