"""X-4 / SRC-7 / EMP-2: the admin sees each workflow as a table and as a diagram, both read from the declaration,
and sets how many review levels a reviewed workflow has (the table and the diagram follow)."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.workflows.catalog import WORKFLOWS
from app.workflows.diagram import svg
from app.workflows.review_builder import LevelledWorkflow


class WorkflowAdminView(BaseView):
    route_base = "/workflows"
    class_permission_name = "Workflows"
    method_permission_name = {"index": "list", "diagram": "list", "levels": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        workflows = [(name, wf.title, wf) for name, wf in WORKFLOWS.items()]
        levelled = [w for w in workflows if isinstance(w[2], LevelledWorkflow)]
        return self.render_template("workflows/levels.html", workflows=workflows, levelled=levelled,
                                    title=_l("Workflows"))

    @expose("/<name>.svg")
    @has_access
    def diagram(self, name: str) -> Any:
        workflow = WORKFLOWS.get(name)
        if workflow is None:
            abort(404)
        return Response(svg(workflow), mimetype="image/svg+xml",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    @expose("/<name>/levels", methods=["POST"])
    @has_access
    def levels(self, name: str) -> Any:
        """One level (school only) or two; refused while records still wait for the college."""
        from app.services.review.levels import LevelsRefused, set_levels

        workflow = WORKFLOWS.get(name)
        if not isinstance(workflow, LevelledWorkflow):
            abort(404)
        try:
            set_levels(workflow, request.form.get("levels", type=int) or 0, g.user)
        except LevelsRefused as exc:
            flash(str(exc), "danger")
        else:
            flash(_("%(workflow)s now has %(n)d review level(s).", workflow=workflow.title, n=workflow.levels),
                  "success")
        return redirect(url_for("WorkflowAdminView.index", _anchor=f"workflow-{name}"))
