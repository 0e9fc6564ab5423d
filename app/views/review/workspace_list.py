"""SRC-8/10/11, EMP-2: a workspace's reviewer list — filters, pasted-list search, tree, column chooser, batch
actions and per-record results. One class serves every workspace; each declares a subclass with its Workspace."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.security.errors import bounded_int, int_list
from app.security.pii import can_see_full
from app.security.redirects import safe_path
from app.services import preferences
from app.services.review import batch, query, tree
from app.services.review.batch_fields import BatchValueError, parse_batch_value
from app.services.review.columns import row_formatter
from app.services.review.workspace import Workspace
from app.views.review import PERMISSIONS, options, params
from app.workflows.engine import WorkflowError

NO_TARGETS = _l("No records selected: tick records in the list, or majors in the tree.")


def urls(ws: Workspace) -> dict[str, str]:
    """Every URL a workspace's templates link to, so one template serves every workspace."""
    names = {"index": ("Review", "index"), "search": ("Review", "search"), "columns": ("Review", "save_columns"),
             "batch": ("Review", "batch_action"), "modify": ("Review", "modify"), "notify": ("Review", "notify"),
             "export": ("Export", "export"), "proofs": ("Export", "proofs"), "print": ("Export", "print_sheets")}
    return {key: url_for(ws.endpoint(*name)) for key, name in names.items()}


class WorkspaceListView(BaseView):
    """The list is server-rendered from one scoped SELECT; every batch button goes through app.services.review.batch."""

    workspace: Workspace
    base_permissions = PERMISSIONS
    default_view = "index"
    method_permission_name = {"index": "list", "search": "list", "save_columns": "list", "batch_action": "decide",
                              "modify": "edit", "notify": "notify"}

    @property
    def ws(self) -> Workspace:
        return type(self).workspace

    def _index_url(self) -> str:
        return url_for(self.ws.endpoint("Review", "index"))

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        ws, args = self.ws, request.args
        f = params.filter_from(args, ws)
        cols = ws.chosen(params.settings(ws)["columns"])
        size = params.page_size(ws)
        page = query.page_of(cols, f, g.user, page=args.get("page", 1, type=bounded_int), page_size=size,
                             sort=args.get("sort"), direction=args.get("dir", "asc"), ws=ws)
        if not page.rows and page.page > 1 and page.total:
            return redirect(params.link(self._index_url(), args, ws, page=page.pages))
        format_row = row_formatter(cols, can_see_full())
        rows = [(row["id"], row["version"], format_row(row)) for row in page.rows]
        missing = query.not_found(f, g.user) if f.pasted else []
        roots = tree.cached(g.user, f.cohort_id, ws)
        return self.render_template(
            "review/list.html", title=ws.title, ws=ws, urls=urls(ws), rows=rows, cols=cols, page=page,
            f=f, args=args, roots=roots, missing=missing, all_columns=ws.columns,
            chosen_keys=[c.key for c in cols], page_sizes=query.PAGE_SIZES, page_size=size,
            cohorts=options.cohorts(), statuses=options.statuses(ws),
            extra_filters=[(flt, flt.choices()) for flt in ws.filters],
            reasons=options.rejection_reasons() if ws.reasons else [],
            batch_fields=ws.batch_fields, field_sets=ws.field_sets.choices() if ws.field_sets else [],
            proofs=bool(ws.field_sets and ws.field_sets.proofs), extra_actions=[a for a in batch.offered(g.user, ws)
                                                        if a[0] not in ("approve", "reject")],
            link=lambda **kw: params.link(self._index_url(), args, ws, **kw), filter_args=params.filter_args_of(ws),
            detail_endpoint=ws.endpoint("Detail", "detail"), sortable=ws.sortable, max_paste=query.MAX_PASTE)

    @expose("/search", methods=["POST"])
    @has_access
    def search(self) -> Any:
        """A pasted list is too long for a URL: keep it in the user's preferences and point the list at it."""
        try:
            values = query.parse_pasted(request.form.get("paste", ""))
        except query.TooManyValues as exc:
            flash(_("At most %(max)d student numbers or names can be pasted at once (you pasted %(n)d).",
                    max=query.MAX_PASTE, n=exc.args[0]), "danger")
            return redirect(self._index_url())
        preferences.put(g.user.id, params.paste_key(self.ws), values)
        db.session.commit()
        wanted = params.filter_args_of(self.ws)
        form = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k in wanted])
        form.setlist("pasted", ["1"] if values else [])
        return redirect(params.link(self._index_url(), form, self.ws))

    @expose("/columns", methods=["POST"])
    @has_access
    def save_columns(self) -> Any:
        keys = [k for k in request.form.getlist("columns") if k in self.ws.by_key]
        params.save_settings(keys, request.form.get("page_size", type=int) or query.PAGE_SIZES[0], self.ws)
        db.session.commit()
        flash(_("Your columns and page size are saved."), "info")
        return redirect(safe_path(request.form.get("back"), self._index_url()))

    def _targets(self) -> tuple[list[int], str]:
        """The ids a batch applies to: the ticked rows, all pending of the ticked majors, or all matching."""
        target = request.form.get("target", "selected")
        if target == "majors":
            majors = int_list(request.form.getlist("major_ids"))
            cohort = request.form.get("cohort", type=bounded_int)
            return batch.pending_of_majors(majors, g.user, cohort, self.ws), target
        if target == "all":
            return query.matching_ids(params.filter_from(request.form, self.ws), g.user, self.ws), target
        return int_list(request.form.getlist("ids")), target

    def _back(self) -> str:
        return safe_path(request.form.get("back"), self._index_url())

    @expose("/batch", methods=["POST"])
    @has_access
    def batch_action(self) -> Any:
        """Approve or reject the targets; the result page lists which passed and which were skipped and why."""
        decision = request.form.get("decision", "")
        ids, _target = self._targets()
        back = self._back()
        if decision not in batch.actions_of(self.ws):
            flash(_("Unknown action."), "danger")
            return redirect(back)
        if not ids:
            flash(str(NO_TARGETS), "warning")
            return redirect(back)
        try:
            result = batch.decide(decision, ids, g.user, request.form.get("remark", ""), ws=self.ws,
                                  reasons=request.form.getlist("reasons"))
        except WorkflowError as exc:
            flash(str(exc), "danger")
            return redirect(back)
        return self._result(str(dict(batch.offered(g.user, self.ws)).get(decision, decision)), result.results, back)

    @expose("/modify", methods=["POST"])
    @has_access
    def modify(self) -> Any:
        """SRC-11: one field, many records; only where the reviewer may still edit."""
        ids, _target = self._targets()
        back = self._back()
        field = request.form.get("field", "")
        try:
            value = parse_batch_value(field, request.form.get("value", ""), self.ws.batch_fields)
        except BatchValueError as exc:
            flash(str(exc), "danger")
            return redirect(back)
        if not ids:
            flash(str(NO_TARGETS), "warning")
            return redirect(back)
        results = batch.modify_field(field, value, ids, g.user, self.ws)
        return self._result(_("Batch modify: %(field)s", field=self.ws.batch_fields[field].label), results, back)

    @expose("/notify", methods=["POST"])
    @has_access
    def notify(self) -> Any:
        ids, _target = self._targets()
        text = (request.form.get("text") or "").strip()
        if not text or len(text) > 500:
            flash(_("Write a notice of 1 to 500 characters."), "danger")
        elif not ids:
            flash(str(NO_TARGETS), "warning")
        else:
            sent = batch.notify_students(ids, text, g.user, self.ws)
            flash(_("Notice sent to %(n)d student(s); %(m)d selected record(s) have no account yet.",
                    n=sent, m=len(ids) - sent), "info")
        return redirect(self._back())

    def _result(self, action: str, results: list[Any], back: str) -> Any:
        from app.services.review.labels import describe

        rows = describe(results, g.user, self.ws)
        done = sum(1 for r in results if r.ok)
        return self.render_template("review/result.html", title=_l("Batch result"), action=action, rows=rows,
                                    done=done, skipped=len(results) - done, back=back)
