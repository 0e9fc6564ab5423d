"""基础数据 screens: the admin maintains every code table; a code in use is retired, never deleted."""
from __future__ import annotations

import re
from typing import Any, ClassVar

from flask import flash, has_request_context, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2ManyWidget, Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import DataRequired

from app.extensions import db
from app.models.reference import (
    EVIDENCE_KINDS,
    FORM_KINDS,
    RATE_GROUPS,
    RATE_GROUPS_2021,
    TERMINATION_SIDES,
    Country,
    DestinationCode,
    EmployerNature,
    Industry,
    JobCategory,
    NumberRequestReason,
    RejectionReason,
    TerminationReason,
)
from app.security.errors import optional_int
from app.services import audit
from app.services.reference import refuse_delete_if_used
from app.views.base import ScopedModelView, interface

CATEGORY = dict(category="ReferenceData", category_label=_l("Reference data"), category_icon="fa-book")
LABELS = {
    "code": _l("Code"),
    "name": _l("Entry name"),
    "sort_order": _l("Sort order"),
    "active": _l("In use (not retired)"),
    "parent": _l("Stem"),
    "placed": _l("Counts as placed"),
    "rate_group": _l("Rate group (current caliber)"),
    "rate_group_2021": _l("Rate group (2021 caliber)"),
    "form_kind": _l("Form fields needed"),
    "evidence": _l("Evidence needed"),
    "needs_text": _l("Needs the reviewer's own words"),
    "side": _l("Whose reason"),
    "alpha_3": _l("Alpha-3 code"),
    "numeric": _l("Numeric code"),
}


class ActiveOrCurrent(BaseFilter):
    """Form dropdowns offer active rows only, plus the value the edited record already holds (a retired code still
    shows on an old record, and saving it unchanged is allowed). The value names (owner model, foreign-key attribute)."""

    name = "active or current"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        owner, attribute = value
        clause = self.model.active.is_(True)
        pk = optional_int((request.view_args or {}).get("pk")) if has_request_context() else None
        if pk is not None:
            clause = or_(clause, self.model.id.in_(select(getattr(owner, attribute)).where(owner.id == pk)))
        return query.filter(clause)


class StemsOnly(BaseFilter):
    """A sub-code's parent is a stem, never another sub-code."""

    name = "stems only"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        return query.filter(self.model.parent_id.is_(None))


def active_or_current(owner: Any, attribute: str) -> list[list[Any]]:
    return [["id", ActiveOrCurrent, (owner, attribute)]]


def vocabulary(words: dict[str, Any]) -> Any:
    return lambda: [(key, str(label)) for key, label in words.items()]


def word_of(words: dict[str, Any]) -> Any:
    return lambda value: str(words.get(value, value or ""))


class CodeListField(SelectMultipleField):
    """A multi-select over a fixed vocabulary, stored as "a,b" in one column."""

    widget = Select2ManyWidget()

    def process_data(self, value: Any) -> None:
        super().process_data([part for part in value.split(",") if part] if isinstance(value, str) else value)

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, ",".join(self.data or []))


class ReferenceModelView(ScopedModelView):
    """One code table: list, search, add, edit; delete only while nothing uses the row; retire instead."""

    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    method_permission_name: ClassVar[dict[str, str]] = {"retire": "edit"}
    label_columns = LABELS
    list_columns = ["code", "name", "sort_order", "active"]
    show_columns = add_columns = edit_columns = ["code", "name", "sort_order", "active"]
    search_columns = ["code", "name", "active"]
    order_columns = ["code", "name", "sort_order"]
    base_order = ("sort_order", "asc")
    formatters_columns: ClassVar[dict[str, Any]] = {}  # booleans as 是/否 come from the display rule

    def pre_delete(self, item: Any) -> None:
        refuse_delete_if_used(item)

    def post_add(self, item: Any) -> None:
        self._audit("reference.added", item)

    def post_update(self, item: Any) -> None:
        self._audit("reference.changed", item)

    def post_delete(self, item: Any) -> None:
        self._audit("reference.deleted", item)

    def _audit(self, what: str, item: Any) -> None:
        audit.record(what, item.__tablename__, item.id, code=item.code, name=item.name, active=item.active)
        db.session.commit()

    @action("retire", _l("Retire"), _l("Retire the selected codes? They stay on existing records but are no longer "
                                       "offered for new entries."), "fa-ban", multiple=True)
    def retire(self, items: Any) -> Any:
        items = items if isinstance(items, list) else [items]
        for item in items:
            item.active = False
            audit.record("reference.retired", item.__tablename__, item.id, code=item.code, name=item.name)
        db.session.commit()
        flash(_("%(n)d code(s) retired.", n=len(items)), "success")
        return redirect(self.get_redirect())


class DestinationCodeModelView(ReferenceModelView):
    """毕业去向类别: what each code counts as, and what the destination form asks for it."""

    datamodel = interface(DestinationCode)
    class_permission_name = "DestinationCodes"
    menu_icon = "fa-map-signs"
    route_base = "/reference/destination-codes"
    list_title = _l("Destination codes")
    show_title = _l("Destination code")
    add_title = _l("Add destination code")
    edit_title = _l("Edit destination code")
    columns = ["code", "name", "parent", "placed", "rate_group", "rate_group_2021", "form_kind", "evidence",
               "sort_order", "active"]
    list_columns = ["code", "name", "parent", "placed", "rate_group", "rate_group_2021", "form_kind", "active"]
    show_columns = add_columns = edit_columns = columns
    search_columns = ["code", "name", "parent", "placed", "rate_group", "form_kind", "active"]
    description_columns = {
        "code": _l("Two digits for a stem, three for a sub-code whose first two digits are its stem."),
        "parent": _l("Only for a three-digit sub-code."),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "parent": [["id", StemsOnly, None]] + active_or_current(DestinationCode, "parent_id")}
    add_form_extra_fields = edit_form_extra_fields = {
        "rate_group": SelectField(LABELS["rate_group"], choices=vocabulary(RATE_GROUPS), validators=[DataRequired()],
                                  widget=Select2Widget()),
        "rate_group_2021": SelectField(LABELS["rate_group_2021"], choices=vocabulary(RATE_GROUPS_2021),
                                       validators=[DataRequired()], widget=Select2Widget()),
        "form_kind": SelectField(LABELS["form_kind"], choices=vocabulary(FORM_KINDS), validators=[DataRequired()],
                                 widget=Select2Widget()),
        "evidence": CodeListField(LABELS["evidence"], choices=vocabulary(EVIDENCE_KINDS)),
    }
    formatters_columns: ClassVar[dict[str, Any]] = {
        "rate_group": word_of(RATE_GROUPS),
        "rate_group_2021": word_of(RATE_GROUPS_2021),
        "form_kind": word_of(FORM_KINDS),
        "evidence": lambda value: "、".join(str(EVIDENCE_KINDS.get(p, p)) for p in (value or "").split(",") if p),
    }

    def pre_add(self, item: DestinationCode) -> None:
        check_code_shape(item)

    def pre_update(self, item: DestinationCode) -> None:
        try:
            check_code_shape(item)
        except ValueError:
            db.session.rollback()  # nothing of the refused edit stays in the session
            raise


def check_code_shape(item: DestinationCode) -> None:
    """The national code's own shape: a stem has two digits, a sub-code three, starting with its stem's two."""
    code = (item.code or "").strip()
    parent = item.parent or (db.session.get(DestinationCode, item.parent_id) if item.parent_id else None)
    if parent is None:
        if not (len(code) == 2 and code.isdigit()):
            raise ValueError(_("A stem has two digits; a three-digit sub-code needs its stem."))
        return
    if parent.parent_id is not None or parent.id == item.id:
        raise ValueError(_("A sub-code's stem must be a two-digit code."))
    if not (len(code) == 3 and code.isdigit() and code.startswith(parent.code)):
        raise ValueError(_("Sub-code %(code)s must have three digits starting with its stem %(stem)s.",
                           code=code, stem=parent.code))


def code_table_view(model: Any, permission: str, singular: Any, icon: str, shown: list[str] | None = None,
                    listed: list[str] | None = None, **more: Any) -> type:
    """A plain code table's screens: the route follows from its permission name, the list title from its label;
    `shown` columns (show, add, edit; and list unless `listed`) replace the code table's four."""
    attrs = {"datamodel": interface(model), "class_permission_name": permission, "menu_icon": icon,
             "route_base": "/reference/" + re.sub(r"(?<!^)(?=[A-Z])", "-", permission).lower(),
             "list_title": model.__label__, "show_title": model.__label__, "add_title": singular,
             "edit_title": singular, **more}
    if shown:
        attrs.update(show_columns=shown, add_columns=shown, edit_columns=shown, list_columns=listed or shown)
    return type(f"{model.__name__}ModelView", (ReferenceModelView,), attrs)


EmployerNatureModelView = code_table_view(EmployerNature, "EmployerNatures", _l("Employer nature"), "fa-tags")
IndustryModelView = code_table_view(Industry, "Industries", _l("Industry"), "fa-industry")
JobCategoryModelView = code_table_view(JobCategory, "JobCategories", _l("Job category"), "fa-briefcase")
RejectionReasonModelView = code_table_view(RejectionReason, "RejectionReasons", _l("Rejection reason"), "fa-comment",
                                           shown=["code", "name", "needs_text", "sort_order", "active"])
CountryModelView = code_table_view(Country, "Countries", _l("Country or region"), "fa-globe",
                                   shown=["code", "alpha_3", "numeric", "name", "sort_order", "active"],
                                   listed=["code", "alpha_3", "name", "sort_order", "active"],
                                   search_columns=["code", "alpha_3", "name", "active"])

NumberRequestReasonModelView = code_table_view(NumberRequestReason, "NumberRequestReasons",
                                               _l("Number request reason"), "fa-refresh")
TerminationReasonModelView = code_table_view(TerminationReason, "TerminationReasons", _l("Termination reason"),
                                             "fa-chain-broken", shown=["code", "name", "side", "sort_order", "active"],
                                             formatters_columns={"side": word_of(TERMINATION_SIDES)},
                                             add_form_extra_fields={"side": SelectField(
                                                 LABELS["side"], choices=vocabulary(TERMINATION_SIDES),
                                                 validators=[DataRequired()], widget=Select2Widget())},
                                             edit_form_extra_fields={"side": SelectField(
                                                 LABELS["side"], choices=vocabulary(TERMINATION_SIDES),
                                                 validators=[DataRequired()], widget=Select2Widget())})

REFERENCE_VIEWS = (DestinationCodeModelView, EmployerNatureModelView, IndustryModelView, JobCategoryModelView,
                   RejectionReasonModelView, CountryModelView, NumberRequestReasonModelView,
                   TerminationReasonModelView)


def register_reference_views(appbuilder: Any) -> None:
    """基础数据: the code tables, then the employers (app.views.employers)."""
    from app.views.employers import register_employer_views

    for view in REFERENCE_VIEWS:
        appbuilder.add_view(view, view.class_permission_name, label=view.datamodel.obj.__label__,
                            icon=view.menu_icon, **CATEGORY)
    register_employer_views(appbuilder, CATEGORY)

