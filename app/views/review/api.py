"""X-4: the reviewer's REST door — the same query, engine calls and per-record results as the pages (JWT only)."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from werkzeug.datastructures import MultiDict

from app.security.pii import can_see_full, show_id, show_phone
from app.services import source_form
from app.services.comparison import compare
from app.services.review import batch, columns, query
from app.views.review import params
from app.views.review.source_detail import load
from app.workflows.engine import FireResult, WorkflowError
from app.workflows.source_info import SOURCE_INFO


def _results(result: FireResult) -> dict[str, Any]:
    return {"action": result.trigger, "done": len(result.done), "skipped": len(result.skipped),
            "results": [{"id": r.id, "ok": r.ok, "reason": r.reason, "from": r.from_state, "to": r.to_state}
                        for r in result.results]}


class SourceReviewApi(BaseApi):
    resource_name = "source_review"
    class_permission_name = "SourceReviewApi"
    allow_browser_login = False
    base_permissions = ["can_get", "can_decide"]
    method_permission_name = {"list_records": "get", "get_record": "get", "act": "decide", "act_batch": "decide"}

    @expose("/", methods=["GET"])
    @protect()
    def list_records(self) -> Any:
        """The reviewer list with the same filter arguments as the page; masked unless the user may see full values."""
        f = params.filter_from(MultiDict(request.args))
        cols = columns.chosen(request.args.getlist("column") or None)
        page = query.page_of(cols, f, g.user, page=request.args.get("page", 1, type=int),
                             page_size=request.args.get("page_size", 20, type=int),
                             sort=request.args.get("sort"), direction=request.args.get("dir", "asc"))
        full = can_see_full()
        rows = [{"id": row["id"], "version": row["version"],
                 **dict(zip([c.key for c in cols], columns.display_row(cols, row, full)))} for row in page.rows]
        return self.response(200, count=page.total, page=page.page, page_size=page.page_size, result=rows)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    def get_record(self, pk: int) -> Any:
        graduate = load(pk)
        values = source_form.values_of(graduate)
        values["id_number"] = show_id(graduate.id_number)
        values["mobile"], values["home_phone"] = show_phone(graduate.mobile), show_phone(graduate.home_phone)
        return self.response(200, id=graduate.id, version=graduate.version, status=graduate.status,
                             status_label=SOURCE_INFO.label(graduate.status), values=values,
                             comparison={c.key: {"state": c.state, "registry": c.registry_display}
                                         for c in compare(graduate)})

    @expose("/<int:pk>/<action>", methods=["POST"])
    @protect()
    def act(self, pk: int, action: str) -> Any:
        """One record, the record page's buttons; `version` (optional) refuses a decision on a stale view."""
        if action not in batch.ACTIONS:
            return self.response_400(message=f"unknown action {action}")
        body = request.get_json(silent=True) or {}
        version = body.get("version")
        try:
            result = batch.decide(action, [pk], g.user, str(body.get("remark", "")),
                                  {pk: int(version)} if version is not None else None)
        except WorkflowError as exc:
            return self.response_400(message=str(exc))
        return self.response(200 if result.results[0].ok else 409, **_results(result))

    @expose("/batch/<action>", methods=["POST"])
    @protect()
    def act_batch(self, action: str) -> Any:
        """Many records at once: {"ids": [...], "remark": "..."}; the per-record result says which were skipped."""
        if action not in batch.ACTIONS:
            return self.response_400(message=f"unknown action {action}")
        body = request.get_json(silent=True) or {}
        try:
            ids = [int(i) for i in body.get("ids", [])]
        except (TypeError, ValueError):
            return self.response_400(message="ids must be integers")
        if not ids or len(ids) > 20000:
            return self.response_400(message="between 1 and 20000 ids")
        try:
            result = batch.decide(action, ids, g.user, str(body.get("remark", "")))
        except WorkflowError as exc:
            return self.response_400(message=str(exc))
        return self.response(200, **_results(result))
