"""Base classes that apply the one scope rule to every door FAB opens: list, show, edit, delete, actions, API."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.scope import scope_base_filters


def _scoped_rel_queries(model: Any) -> dict[str, list[list[Any]]]:
    """Scope every relation dropdown whose target model has a scope, so a form cannot pick another college's row."""
    queries: dict[str, list[list[Any]]] = {}
    for rel in model.__mapper__.relationships:
        target = rel.mapper.class_
        if getattr(target, "__scope__", None):
            queries[rel.key] = scope_base_filters()
    return queries


class ScopedActionsMixin:
    """FAB's action and action_post load rows without base_filters; these load them through the scope."""

    def _scoped_get(self, pk: Any) -> Any:
        return self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name: str, pk: Any) -> Any:
        """A record page's action button: FAB follows it with GET, which must not change anything under CSRF, so
        GET shows a confirmation whose POST (CSRF-checked) runs the action."""
        if request.method == "GET" and not self.is_get_mutation_allowed():
            action = self.actions.get(name)
            item = self._scoped_get(pk)
            if action is None or item is None:
                abort(404)
            return self.render_template("gems/confirm_action.html", action=action, item=item,
                                        back=self.get_redirect(), title=str(action.text))
        return self._run_action(name, [pk])

    @expose("/action_post", methods=["POST"])
    def action_post(self) -> Any:
        return self._run_action(request.form.get("action", ""), request.form.getlist("rowid"))

    def _run_action(self, name: str, pks: list[Any]) -> Any:
        """Ids outside the user's scope are dropped and reported, never acted on."""
        action = self.actions.get(name)
        permission = self.get_action_permission_name(name)
        if action is None or not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            flash(_("Access is Denied"), "danger")
            return redirect(self.get_redirect())
        items = [item for item in (self._scoped_get(pk) for pk in pks) if item is not None]
        if len(items) < len(pks):
            flash(_("%(n)d selected record(s) were not found or are not in your scope and were skipped.",
                    n=len(pks) - len(items)), "warning")
        if not items:
            return redirect(self.get_redirect())
        return action.func(items if action.multiple else items[0])


class ScopedModelView(ScopedActionsMixin, ModelView):
    """A ModelView whose rows, actions and dropdowns are all limited by app.scope."""

    page_size = 20

    def __init__(self, **kwargs: Any) -> None:
        if self.datamodel is not None:
            self.base_filters = scope_base_filters() + list(self.base_filters or [])
            rel = _scoped_rel_queries(self.datamodel.obj)
            self.add_form_query_rel_fields = {**rel, **(self.add_form_query_rel_fields or {})}
            self.edit_form_query_rel_fields = {**rel, **(self.edit_form_query_rel_fields or {})}
            self.search_form_query_rel_fields = {**rel, **(self.search_form_query_rel_fields or {})}
        assert not self.related_views, "related views load the parent without base_filters"
        super().__init__(**kwargs)


class ScopedApi(ModelRestApi):
    """A REST API limited by app.scope; token-only (no browser session) so CSRF cannot drive it."""

    allow_browser_login = False
    page_size = 20

    def __init__(self) -> None:
        self.base_filters = scope_base_filters() + list(self.base_filters or [])
        super().__init__()


def interface(model: Any) -> SQLAInterface:
    return SQLAInterface(model)
