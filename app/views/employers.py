"""The school's employer screens (list, search, add, edit, merge duplicates) and the as-you-type lookup."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, g, jsonify, redirect, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.security.decorators import has_access, has_access_api, limit
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, ValidationError
from wtforms.validators import DataRequired

from app.extensions import db
from app.models.employer import APPROVED, EMPLOYER_STATUSES, MERGED, PENDING, REFUSED, Employer
from app.security.errors import int_list, optional_int
from app.security.pii import show_phone
from app.services import audit
from app.services.employers import LookupRefused, MergeRefused, lookup, merge
from app.services.reference import check_division, division_full_name, division_options
from app.validation import check_credit_code, check_mobile
from app.views.base import ScopedModelView, interface
from app.views.employer_identity import EmployerIdentityMixin
from app.views.reference import active_or_current, vocabulary, word_of

LABELS = {
    "name": _l("Employer name"),
    "credit_code": _l("Unified social credit code"),
    "nature": _l("Employer nature"),
    "industry": _l("Industry"),
    "region_code": _l("Location"),
    "address": _l("Employer address"),
    "contact_name": _l("Contact person"),
    "contact_mobile": _l("Contact mobile"),
    "status": _l("Status"),
    "merged_into": _l("Merged into"),
    "created_at": _l("Created at"),
    "identity": _l("Identity check"),  # AGR-5: against the verified-unit register (app.views.employer_identity)
}
FORM_COLUMNS = ["name", "credit_code", "nature", "industry", "region_code", "address", "contact_name",
                "contact_mobile", "status"]


def _edited_pk() -> int | None:
    return optional_int((request.view_args or {}).get("pk"))


def _normalised(field: Any, check_value: Any) -> bool:
    """Check a filled-in field and keep its normalised value; False (nothing checked) when it was left empty."""
    if not (field.data or "").strip():
        return False
    check = check_value(field.data)
    if not check.ok:
        raise ValidationError(check.message)
    field.data = check.value
    return True


def credit_code_ok(_form: Any, field: Any) -> None:
    """GB 32100 check, normalised, and one employer per code (a duplicate is merged, not entered twice)."""
    if not _normalised(field, check_credit_code):
        return
    stmt = select(Employer.name).where(Employer.credit_code == field.data)
    pk = _edited_pk()
    if pk is not None:
        stmt = stmt.where(Employer.id != pk)
    other = db.session.execute(stmt.limit(1)).scalar_one_or_none()
    if other is not None:
        raise ValidationError(_("%(name)s already has this credit code; merge the two employers instead of entering "
                                "it twice.", name=other))


def not_merged(_form: Any, field: Any) -> None:
    """Checked before the form touches the row: a merged employer stays as it was merged, for history."""
    pk = _edited_pk()
    if pk is not None and db.session.execute(select(Employer.status).where(Employer.id == pk)).scalar() == MERGED:
        raise ValidationError(_("A merged employer is kept only for history; edit the employer it was merged into."))


def mobile_ok(_form: Any, field: Any) -> None:
    _normalised(field, check_mobile)


def division_ok(_form: Any, field: Any) -> None:
    if not _normalised(field, check_division):
        field.data = None


def _region(value: Any) -> str:
    name = division_full_name(value)
    return f"{value} {name}" if name else (value or "")


class EmployerModelView(EmployerIdentityMixin, ScopedModelView):
    """Employers as the school maintains them; duplicates are merged (every reference moves to the survivor)."""

    datamodel = interface(Employer)
    class_permission_name = "Employers"
    route_base = "/employers"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_show", "can_add", "can_edit", "can_merge"]
    method_permission_name: ClassVar[dict[str, str]] = {"merge": "merge", "merge_confirm": "merge"}
    list_title = _l("Employers")
    show_title = _l("Employer")
    add_title = _l("Add employer")
    edit_title = _l("Edit employer")
    label_columns = LABELS
    list_columns = ["name", "credit_code", "nature", "industry", "region_code", "status", "identity"]
    show_columns = FORM_COLUMNS + ["merged_into", "created_at", "identity"]
    add_columns = edit_columns = FORM_COLUMNS
    search_columns = ["name", "credit_code", "status", "nature", "industry", "region_code"]
    order_columns = ["name", "credit_code", "status", "created_at"]
    base_order = ("name", "asc")
    description_columns = {"credit_code": _l("18 characters (GB 32100); leave empty if the employer has none.")}
    validators_columns: ClassVar[dict[str, Any]] = {
        "credit_code": [credit_code_ok], "contact_mobile": [mobile_ok]}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "nature": active_or_current(Employer, "nature_id"), "industry": active_or_current(Employer, "industry_id")}
    add_form_extra_fields = edit_form_extra_fields = {
        "region_code": SelectField(LABELS["region_code"], choices=lambda: [("", "—")] + division_options(),
                                   validate_choice=False, validators=[division_ok], widget=Select2Widget()),
        "status": SelectField(LABELS["status"], default=APPROVED, validators=[DataRequired(), not_merged],
                              choices=vocabulary({k: EMPLOYER_STATUSES[k] for k in (APPROVED, PENDING, REFUSED)})),
    }
    formatters_columns: ClassVar[dict[str, Any]] = {
        "status": word_of(EMPLOYER_STATUSES),
        "region_code": _region,
        "contact_mobile": show_phone,
    }

    def post_add(self, item: Employer) -> None:
        audit.record("employer.added", "employer", item.id, name=item.name, credit_code=item.credit_code)
        db.session.commit()

    def post_update(self, item: Employer) -> None:
        audit.record("employer.changed", "employer", item.id, name=item.name, credit_code=item.credit_code,
                     status=item.status)
        db.session.commit()

    @action("merge", _l("Merge duplicates"), None, "fa-compress", multiple=True, single=False)
    def merge(self, items: Any) -> Any:
        """Ticked rows → a page to choose the one to keep."""
        items = [e for e in (items if isinstance(items, list) else [items]) if e.status != MERGED]
        if len(items) < 2:
            flash(_("Tick at least two employers that are not merged yet."), "warning")
            return redirect(self.get_redirect())
        return self.render_template("employers/merge.html", items=items, title=_("Merge duplicates"),
                                    back=self.get_redirect(), region=_region, status=word_of(EMPLOYER_STATUSES))

    @expose("/merge", methods=["POST"])
    @has_access
    def merge_confirm(self) -> Any:
        ids = int_list(request.form.getlist("ids"))
        survivor_id = optional_int(request.form.get("survivor"))
        found = {e.id: e for e in (self._scoped_get(pk) for pk in ids) if e is not None}
        if survivor_id not in found or len(found) < len(set(ids)):
            abort(404)
        try:
            result = merge(found[survivor_id], [e for pk, e in found.items() if pk != survivor_id])
            db.session.commit()
        except MergeRefused as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(self.get_redirect())
        flash(_("%(n)d employer(s) merged into %(name)s; %(rows)d reference(s) moved.", n=len(result.merged_ids),
                name=found[survivor_id].name, rows=sum(result.repointed.values())), "success")
        return redirect(self.get_redirect())


def _lookup_key() -> str:
    """Per account (the limiter runs before FAB sets g.user), per address when not signed in."""
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return f"employer-lookup:{user_id or request.remote_addr}"


def _lookup_rate() -> str:
    from flask import current_app

    return current_app.config.get("GEMS_EMPLOYER_LOOKUP_RATE", "60 per minute;1000 per hour")


class EmployerLookupView(BaseView):
    """GET /employers/lookup?q=… → approved employers for a form's autocomplete (JSON), per user rate-limited."""

    route_base = "/employers"
    class_permission_name = "EmployerLookup"
    base_permissions: ClassVar[list[str]] = ["can_lookup"]
    default_view = "lookup"

    @expose("/lookup")
    @has_access_api
    @limit(_lookup_rate, key_func=_lookup_key)
    def lookup(self) -> Any:
        try:
            results = lookup(request.args.get("q", ""), g.user)
        except LookupRefused as exc:
            return jsonify({"message": str(exc), "result": []}), 400
        response = jsonify({"result": results})
        response.headers["Cache-Control"] = "private, no-store"
        return response


def register_employer_views(appbuilder: Any, category: dict[str, Any]) -> None:
    appbuilder.add_view(EmployerModelView, "Employers", label=_l("Employers"), icon="fa-building-o", **category)
    appbuilder.add_view_no_menu(EmployerLookupView)
