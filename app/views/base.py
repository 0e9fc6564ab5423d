"""Base classes that apply the one scope rule to every door FAB opens: list, show, edit, delete, actions, API."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.scope import ScopeFilter, current_user, in_scope, scope_base_filters
from app.security.errors import integer_pk, optional_int
from app.views.display import column_formatters


def scoped_relation_queries(model: Any, own: dict[str, list[list[Any]]] | None) -> dict[str, list[list[Any]]]:
    """Every relation's choices pass the scope rule (a target that declares no scope offers central roles only),
    plus the view's own filters: FAB runs these queries for form dropdowns, search widgets and the API's _info."""
    own = dict(own or {})
    for rel in model.__mapper__.relationships:
        own[rel.key] = scope_base_filters() + list(own.get(rel.key, []))
    return own


def outside_scope(item: Any, user: Any) -> list[str]:
    """Keys of the many-to-one relations whose chosen row the user may not see: a crafted write must not point a
    record at another college's department, major or graduate."""
    refused = []
    for rel in item.__mapper__.relationships:
        if rel.uselist:
            continue
        value = getattr(item, rel.key, None)
        target_id = getattr(value, "id", None)
        if target_id is None and len(rel.local_columns) == 1:
            target_id = getattr(item, next(iter(rel.local_columns)).key, None)
        if target_id is not None and not in_scope(rel.mapper.class_, [target_id], user):
            refused.append(rel.key)
    return refused


class OutOfScopeError(ValueError):
    """A write names a related row outside the user's scope; FAB shows the message and writes nothing."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(_("You may only choose records within your own scope (%(fields)s).", fields="、".join(keys)))


def check_relations_in_scope(item: Any) -> None:
    """No autoflush: flushing here would clear the attribute history a view's own pre_update reads (audit)."""
    from app.extensions import db

    with db.session.no_autoflush:
        refused = outside_scope(item, current_user())
    if refused:
        raise OutOfScopeError(refused)


class ScopedRelationsMixin:
    """Scopes every related-field query and refuses writes that point outside the scope (ModelViews and APIs)."""

    _REL_QUERY_ATTRS = ("add_form_query_rel_fields", "edit_form_query_rel_fields", "search_form_query_rel_fields",
                        "add_query_rel_fields", "edit_query_rel_fields")

    def _scope_relations(self) -> None:
        """Called by every generated view before FAB builds it: scope rows and relations, apply the display rule."""
        model = self.datamodel.obj
        if hasattr(type(self), "formatters_columns"):
            self.formatters_columns = column_formatters(model, getattr(self, "formatters_columns", None))
        for attr in self._REL_QUERY_ATTRS:
            if hasattr(type(self), attr):
                setattr(self, attr, scoped_relation_queries(model, getattr(self, attr, None)))
        if not getattr(self, "base_filters", None) or not any(f[1] is ScopeFilter for f in self.base_filters):
            self.base_filters = scope_base_filters() + list(self.base_filters or [])

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every view's own pre_add/pre_update runs after the scope check, whether or not it calls super()."""
        super().__init_subclass__(**kwargs)
        for hook in ("pre_add", "pre_update"):
            own = cls.__dict__.get(hook)
            if own is not None and not getattr(own, "_gems_scope_checked", False):
                setattr(cls, hook, _checked_first(own))

    def pre_add(self, item: Any) -> None:
        check_relations_in_scope(item)
        super().pre_add(item)

    def pre_update(self, item: Any) -> None:
        check_relations_in_scope(item)
        super().pre_update(item)


def _checked_first(hook: Any) -> Any:
    def wrapped(self: Any, item: Any) -> None:
        check_relations_in_scope(item)
        hook(self, item)

    wrapped._gems_scope_checked = True  # type: ignore[attr-defined]
    wrapped.__doc__, wrapped.__name__ = hook.__doc__, hook.__name__
    return wrapped


class ScopedActionsMixin:
    """FAB's action and action_post load rows without base_filters; these load them through the scope."""

    def _scoped_get(self, pk: Any) -> Any:
        if integer_pk(self) and optional_int(pk) is None:
            return None  # a malformed or out-of-range id (a rowid, an action's pk) matches no row
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
        permission = self.get_action_permission_name(name) if action is not None else ""
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


class ScopedModelView(ScopedRelationsMixin, ScopedActionsMixin, ModelView):
    """A ModelView whose rows, actions and dropdowns are all limited by app.scope."""

    page_size = 20

    def __init__(self, **kwargs: Any) -> None:
        if self.datamodel is not None:
            self._scope_relations()
        assert not self.related_views, "related views load the parent without base_filters"
        super().__init__(**kwargs)


class ScopedApi(ScopedRelationsMixin, ModelRestApi):
    """A REST API limited by app.scope; token-only (no browser session) so CSRF cannot drive it."""

    allow_browser_login = False
    page_size = 20

    def __init__(self) -> None:
        self._scope_relations()
        super().__init__()

    def _may(self, method: str) -> bool:
        permission = f"can_{(self.method_permission_name or {}).get(method, method)}"
        return permission in (self.base_permissions or [permission]) and self.appbuilder.sm.has_access(
            permission, self.class_permission_name)

    def set_response_key_mappings(self, response: dict[str, Any], func: Any, rison_args: dict[str, Any],
                                  **kwargs: Any) -> None:
        """FAB captured its own merge functions when it decorated `info`/`get`; call them by name so ours apply."""
        keys = rison_args.get("keys") or None
        for key, merge in getattr(func, "_response_key_func_mappings", {}).items():
            if keys is None or key in keys:
                getattr(self, merge.__name__)(response, **kwargs)

    def merge_add_field_info(self, response: dict[str, Any], **kwargs: Any) -> None:
        """No add-form choices for a user who may not add."""
        if not self._may("post"):
            response["add_columns"] = []
            return
        super().merge_add_field_info(response, **kwargs)

    def merge_edit_field_info(self, response: dict[str, Any], **kwargs: Any) -> None:
        if not self._may("put"):
            response["edit_columns"] = []
            return
        super().merge_edit_field_info(response, **kwargs)

    def _get_field_info(self, field: Any, filter_rel_field: Any, page: Any = None, page_size: Any = None) -> Any:
        """FAB translates an absent label or description as gettext(""), which returns the catalog's header."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        for key, source in (("label", self.label_columns), ("description", self.description_columns)):
            if not source.get(field.name):
                info[key] = ""
        return info

    def post_headless(self) -> Any:
        try:
            return super().post_headless()
        except OutOfScopeError as exc:
            return self.response_422(message=str(exc))

    def put_headless(self, pk: Any) -> Any:
        try:
            return super().put_headless(pk)
        except OutOfScopeError as exc:
            return self.response_422(message=str(exc))


def interface(model: Any) -> SQLAInterface:
    return SQLAInterface(model)
