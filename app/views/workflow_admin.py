"""X-4 / SRC-7: the admin sees each workflow as a table and as a diagram, both read from the declaration."""
from __future__ import annotations

from typing import Any

from flask import Response, abort
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app.workflows.catalog import WORKFLOWS
from app.workflows.diagram import svg


class WorkflowAdminView(BaseView):
    route_base = "/workflows"
    class_permission_name = "Workflows"
    method_permission_name = {"index": "list", "diagram": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        workflows = [(name, wf.title, wf) for name, wf in WORKFLOWS.items()]
        return self.render_template("workflows/index.html", workflows=workflows, title=_l("Workflows"))

    @expose("/<name>.svg")
    @has_access
    def diagram(self, name: str) -> Any:
        workflow = WORKFLOWS.get(name)
        if workflow is None:
            abort(404)
        return Response(svg(workflow), mimetype="image/svg+xml",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
