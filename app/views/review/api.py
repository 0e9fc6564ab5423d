"""X-4: the reviewer's REST door — the same query, engine calls and per-record results as the pages (JWT only)."""
from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.security.errors import bounded_int, json_object, optional_int
from app.security.pii import can_see_full, show_id, show_phone
from app.services import source_form
from app.services.comparison import compare
from app.services.review import batch, columns, query
from app.views.review import params
from app.views.review.source_detail import load
from app.workflows.engine import FireResult, WorkflowError
from app.workflows.source_info import SOURCE_INFO

INT_ARGS = ("page", "page_size", "cohort", "department", "major")
MAX_BATCH = 20000


def _bad_int_arg() -> str | None:
    """The first integer query argument that is not an integer an id column can hold."""
    for name in INT_ARGS:
        if any(optional_int(v) is None for v in request.args.getlist(name) if v != ""):
            return name
    return None


class _Refused(Exception):
    """A request the decision operations answer 400 to; the message says what was wrong."""


def _decision_body(action: str) -> dict[str, Any]:
    """The JSON object a decision on `action` was sent with; refused for an unknown action or a non-object body."""
    if action not in batch.ACTIONS:
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
    openapi_spec_tag = "Source review"

    @expose("/", methods=["GET"])
    @protect()
    def list_records(self) -> Any:
        """The reviewer list with the same filter arguments as the page; masked unless the user may see full values.
        ---
        get:
          summary: The reviewer's list of graduates' source information (scoped, masked, paged)
          parameters:
          - {in: query, name: cohort, schema: {type: integer}, description: Cohort id}
          - {in: query, name: department, schema: {type: integer}, description: Department id (its subtree)}
          - in: query
            name: major
            schema: {type: array, items: {type: integer}}
            style: form
            explode: true
            description: Major ids (any of them)
          - {in: query, name: status, schema: {type: string}, description: A status code, or "mine" for pending me}
          - {in: query, name: origin, schema: {type: string}, description: Province code prefix of the origin}
          - {in: query, name: submitted, schema: {type: string, enum: ["yes", "no"]}}
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
        f = params.filter_from(MultiDict(request.args))
        cols = columns.chosen(request.args.getlist("column") or None)
        page = query.page_of(cols, f, g.user, page=request.args.get("page", 1, type=bounded_int),
                             page_size=request.args.get("page_size", 20, type=bounded_int),
                             sort=request.args.get("sort"), direction=request.args.get("dir", "asc"))
        full = can_see_full()
        rows = [{"id": row["id"], "version": row["version"],
                 **dict(zip([c.key for c in cols], columns.display_row(cols, row, full)))} for row in page.rows]
        return self.response(200, count=page.total, page=page.page, page_size=page.page_size, result=rows)

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    def get_record(self, pk: int) -> Any:
        """One record as its reviewer sees it, with the comparison against the registry.
        ---
        get:
          summary: One graduate's source information and its comparison with the registry
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
                      comparison: {type: object}
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
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
                    remark: {type: string, description: Required to reject}
          responses:
            200:
              $ref: '#/components/responses/SourceReviewResults'
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
                  schema: {$ref: '#/components/schemas/SourceReviewResult'}
        """
        try:
            body = _decision_body(action)
            version = _version_of(body)
            result = batch.decide(action, [pk], g.user, str(body.get("remark", "")),
                                  {pk: version} if version is not None else None)
        except (_Refused, WorkflowError) as exc:
            return self.response_400(message=str(exc))
        return self.response(200 if result.results[0].ok else 409, **_results(result))

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
          responses:
            200:
              $ref: '#/components/responses/SourceReviewResults'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        try:
            body = _decision_body(action)
            result = batch.decide(action, _ids_of(body), g.user, str(body.get("remark", "")))
        except (_Refused, WorkflowError) as exc:
            return self.response_400(message=str(exc))
        return self.response(200, **_results(result))

    def add_apispec_components(self, api_spec: Any) -> None:
        """The per-record result schema (and the 200 answer carrying it) the decision operations answer with."""
        super().add_apispec_components(api_spec)
        if "SourceReviewResult" in api_spec.components.schemas:
            return
        record = {"type": "object", "properties": {
            "id": {"type": "integer"}, "ok": {"type": "boolean"}, "reason": {"type": "string", "nullable": True},
            "from": {"type": "string", "nullable": True}, "to": {"type": "string", "nullable": True}}}
        api_spec.components.schema("SourceReviewResult", {"type": "object", "properties": {
            "action": {"type": "string"}, "done": {"type": "integer"}, "skipped": {"type": "integer"},
            "results": {"type": "array", "items": record}}})
        api_spec.components.response("SourceReviewResults", {
            "description": "The per-record results",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SourceReviewResult"}}}})
