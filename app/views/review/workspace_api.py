"""X-4: a workspace's REST door — the same query, engine calls and per-record results as its pages (JWT only).
One class serves every workspace; each subclass names its Workspace and says what one record looks like."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.security.errors import bounded_int, json_object, optional_int
from app.security.pii import can_see_full
from app.services.review import batch, columns, query
from app.services.review.workspace import Workspace
from app.views.review import params
from app.workflows.engine import FireResult, WorkflowError

INT_ARGS = ("page", "page_size", "cohort", "department", "major")
MAX_BATCH = 20000


def _bad_int_arg() -> str | None:
    """The first integer query argument that is not an integer an id column can hold."""
    for name in INT_ARGS:
        if any(optional_int(v) is None for v in request.args.getlist(name) if v != ""):
            return name
    return None


_SHARED_ENUM = "enum: [approve, reject, submit_for_student, reopen]"


def _documented(method: Any, actions: tuple[str, ...]) -> Any:
    """A copy of an exposed method whose OpenAPI docstring lists `actions` (FAB reads the spec from docstrings)."""
    import types

    copy = types.FunctionType(method.__code__, method.__globals__, method.__name__, method.__defaults__,
                              method.__closure__)
    copy.__dict__.update(method.__dict__)
    copy.__qualname__ = method.__qualname__
    copy.__doc__ = (method.__doc__ or "").replace(_SHARED_ENUM, "enum: [" + ", ".join(actions) + "]")
    return copy


class _Refused(Exception):
    """A request the decision operations answer 400 to; the message says what was wrong."""


def _decision_body(action: str, ws: Workspace) -> dict[str, Any]:
    """The JSON object a decision on `action` was sent with; refused for an unknown action or a non-object body."""
    if action not in batch.actions_of(ws):
        raise _Refused(_("Unknown action: %(action)s", action=action))
    body = json_object()
    if body is None:
        raise _Refused(_("The request body must be a JSON object."))
    return body


def _version_of(body: dict[str, Any]) -> int | None:
    """The optional record version a single decision was taken on."""
    version = body.get("version")
    if version is None:
        return None
    try:
        return bounded_int(version)
    except ValueError:
        raise _Refused(_("%(name)s must be an integer.", name="version")) from None


def _ids_of(body: dict[str, Any]) -> list[int]:
    """The 1 to MAX_BATCH record ids a batch decision names."""
    raw = body.get("ids", [])
    try:
        ids = [bounded_int(i) for i in raw] if isinstance(raw, list) else None
    except ValueError:
        ids = None
    if ids is None:
        raise _Refused(_("ids must be a list of integers."))
    if not ids or len(ids) > MAX_BATCH:
        raise _Refused(_("Send between 1 and %(max)d ids.", max=MAX_BATCH))
    return ids


def _reasons_of(body: dict[str, Any]) -> list[str]:
    raw = body.get("reasons", [])
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw) or len(raw) > 20:
        raise _Refused(_("reasons must be a list of reason codes."))
    return raw


def _results(result: FireResult) -> dict[str, Any]:
    return {"action": result.trigger, "done": len(result.done), "skipped": len(result.skipped),
            "results": [{"id": r.id, "ok": r.ok, "reason": r.reason, "from": r.from_state, "to": r.to_state}
                        for r in result.results]}


def _filter_parameters(ws: Workspace) -> list[dict[str, Any]]:
    return [{"in": "query", "name": flt.arg, "description": flt.doc,
             "schema": {"type": "string", **({"enum": list(flt.enum)} if flt.enum else {})}} for flt in ws.filters]


class WorkspaceApi(BaseApi):
    """Subclasses set `workspace` (which names the door /api/v1/<name>_review/ and its permission) and `record`."""

    workspace: Workspace
    allow_browser_login = False
    base_permissions = ["can_get", "can_decide"]
    method_permission_name = {"list_records": "get", "get_record": "get", "act": "decide", "act_batch": "decide"}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ws = cls.__dict__.get("workspace")
        if ws is not None:
            cls.resource_name = f"{ws.name}_review"
            cls.class_permission_name = f"{ws.prefix}ReviewApi"
            cls.openapi_spec_tag = f"{ws.prefix} review"
            if ws.actions or tuple(batch.actions_of(ws)) != batch.ACTIONS:
                for name in ("act", "act_batch"):  # the documented actions are this workspace's own
                    setattr(cls, name, _documented(getattr(WorkspaceApi, name), batch.actions_of(ws)))

    @property
    def ws(self) -> Workspace:
        return type(self).workspace

    def _decided(self, action: str, pk: int | None = None) -> Any:
        """Decide on one record (`pk`, 409 when refused) or the body's ids through the pages' service; a 400 for
        a malformed request or a refused call."""
        try:
            body = _decision_body(action, self.ws)
            ids, versions = _ids_of(body) if pk is None else [pk], None
            if pk is not None and _version_of(body) is not None:
                versions = {pk: _version_of(body)}
            result = batch.decide(action, ids, g.user, str(body.get("remark", "")), versions, ws=self.ws,
                                  reasons=_reasons_of(body))
        except (_Refused, WorkflowError) as exc:
            return self.response_400(message=str(exc))
        return self.response(200 if pk is None or result.results[0].ok else 409, **_results(result))

    def record(self, pk: int) -> dict[str, Any]:
        """One record as its reviewer sees it (404 outside the scope); each workspace says what it holds."""
        raise NotImplementedError

    def operation_helper(self, path: Any = None, operations: Any = None, methods: Any = None, func: Any = None,
                         **kwargs: Any) -> None:
        """The docstrings below are shared: add this workspace's own filters and name it in each summary."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for operation in (operations or {}).values():
            if "summary" in operation:
                operation["summary"] = f"{operation['summary']} ({self.ws.name} review)"
            if func is not None and func.__name__ == "list_records":
                operation["parameters"] = operation.get("parameters", []) + _filter_parameters(self.ws)

    @expose("/", methods=["GET"])
    @protect()
    def list_records(self) -> Any:
        """The reviewer list with the same filter arguments as the page; masked unless the user may see full values.
        ---
        get:
          summary: The reviewer's list (scoped, masked, paged)
          parameters:
          - {in: query, name: cohort, schema: {type: integer}, description: Cohort id}
          - {in: query, name: department, schema: {type: integer}, description: Department id (its subtree)}
          - in: query
            name: major
            schema: {type: array, items: {type: integer}}
            style: form
            explode: true
            description: Major ids (any of them)
          - {in: query, name: status, schema: {type: string}, description: A status code, or "pending_mine"}
          - {in: query, name: q, schema: {type: string}, description: Name or student-number prefix, or a full ID}
          - {in: query, name: excluded, schema: {type: string, enum: ["0", "1"]}, description: Include unreported}
          - in: query
            name: column
            schema: {type: array, items: {type: string}}
            style: form
            explode: true
            description: Column keys to return (unknown keys are ignored)
          - {in: query, name: page, schema: {type: integer, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, enum: [20, 50, 100, 200], default: 20}}
          - {in: query, name: sort, schema: {type: string}, description: A sortable column key}
          - {in: query, name: dir, schema: {type: string, enum: [asc, desc], default: asc}}
          responses:
            200:
              description: One page of records
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      page: {type: integer}
                      page_size: {type: integer}
                      result: {type: array, items: {type: object}}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        bad = _bad_int_arg()
        if bad:
            return self.response_400(message=_("%(name)s must be an integer.", name=bad))
        ws = self.ws
        f = params.filter_from(MultiDict(request.args), ws)
        cols = ws.chosen(request.args.getlist("column") or None)
        page = query.page_of(cols, f, g.user, page=request.args.get("page", 1, type=bounded_int),
                             page_size=request.args.get("page_size", 20, type=bounded_int),
                             sort=request.args.get("sort"), direction=request.args.get("dir", "asc"), ws=ws)
        full = can_see_full()
        rows = [{"id": row["id"], "version": row["version"],
                 **dict(zip([c.key for c in cols], columns.display_row(cols, row, full)))} for row in page.rows]
        return self.response(200, count=page.total, page=page.page, page_size=page.page_size, result=rows)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    def get_record(self, pk: int) -> Any:
        """One record as its reviewer sees it.
        ---
        get:
          summary: One record with its status and values (masked unless the user may see full values)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The record
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      version: {type: integer}
                      status: {type: string}
                      status_label: {type: string}
                      values: {type: object}
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        return self.response(200, **self.record(pk))

    @expose("/<int:pk>/<action>", methods=["POST"])
    @protect()
    def act(self, pk: int, action: str) -> Any:
        """One record, the record page's buttons; `version` (optional) refuses a decision on a stale view.
        ---
        post:
          summary: Decide on one record (approve, reject, submit_for_student, reopen)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - in: path
            name: action
            required: true
            schema: {type: string, enum: [approve, reject, submit_for_student, reopen]}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    version: {type: integer, description: The version the decision was taken on}
                    remark: {type: string, description: Required to reject (where reasons are picked, own words)}
                    reasons:
                      type: array
                      items: {type: string}
                      description: Rejection reason codes from the reason list (where the workspace uses it)
          responses:
            200:
              $ref: '#/components/responses/ReviewResults'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Refused (stale version, wrong state, out of scope); the result says why
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/ReviewResult'}
        """
        return self._decided(action, pk)

    @expose("/batch/<action>", methods=["POST"])
    @protect()
    def act_batch(self, action: str) -> Any:
        """Many records at once: {"ids": [...], "remark": "..."}; the per-record result says which were skipped.
        ---
        post:
          summary: Decide on many records at once; each record's result says whether it was done or why not
          parameters:
          - in: path
            name: action
            required: true
            schema: {type: string, enum: [approve, reject, submit_for_student, reopen]}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [ids]
                  properties:
                    ids: {type: array, items: {type: integer}, minItems: 1, maxItems: 20000}
                    remark: {type: string}
                    reasons: {type: array, items: {type: string}}
          responses:
            200:
              $ref: '#/components/responses/ReviewResults'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        return self._decided(action)

    def add_apispec_components(self, api_spec: Any) -> None:
        """The per-record result schema (and the 200 answer carrying it) the decision operations answer with."""
        super().add_apispec_components(api_spec)
        if "ReviewResult" in api_spec.components.schemas:
            return
        record = {"type": "object", "properties": {
            "id": {"type": "integer"}, "ok": {"type": "boolean"}, "reason": {"type": "string", "nullable": True},
            "from": {"type": "string", "nullable": True}, "to": {"type": "string", "nullable": True}}}
        api_spec.components.schema("ReviewResult", {"type": "object", "properties": {
            "action": {"type": "string"}, "done": {"type": "integer"}, "skipped": {"type": "integer"},
            "results": {"type": "array", "items": record}}})
        api_spec.components.response("ReviewResults", {
            "description": "The per-record results",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReviewResult"}}}})
