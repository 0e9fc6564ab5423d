"""SRC-2/3/4/6: the student's own source form — fill, check as you type, save a draft, submit, follow the review."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask import flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models.graduate import Graduate
from app.services import audit, source_form
from app.timeutil import utcnow
from app.views.student import (
    PERMISSION,
    comparisons,
    may_edit,
    own_graduate,
    status_context,
)
from app.workflows.engine import fire
from app.workflows.source_info import SOURCE_INFO

MANUAL_FLAG = "gems_manual_fill"


def chose_manual(graduate: Any) -> bool:
    """继续人工填写 holds beyond the session: the choice is read back from its audit row (one indexed lookup)."""
    if session.get(MANUAL_FLAG):
        return True
    from sqlalchemy import select

    from app.extensions import db
    from app.models.audit import AuditLog

    # the student's own row for this record: a reused id (SQLite hands on deleted ids) names another student
    found = db.session.execute(select(AuditLog.id).where(
        AuditLog.target_type == "graduate", AuditLog.target_id == str(graduate.id),
        AuditLog.action == "student.manual_fill", AuditLog.actor_name == graduate.student_no).limit(1)).scalar()
    if found is not None:
        session[MANUAL_FLAG] = True
    return found is not None


def _choices(field: source_form.FormField) -> list[tuple[str, str]]:
    """Coded choices with labels translated for this request (national code labels are Chinese msgids)."""
    return [(code, _(label) if isinstance(label, str) else str(label)) for code, label in field.choices or []]


def _problems(values: Mapping[str, str], all_fields: bool) -> dict[str, source_form.Problem]:
    """Problems to show under the fields: all of them after a save, else only for what is already filled in."""
    found = {p.key: p for p in source_form.problems(values)}
    if all_fields:
        return found
    return {k: p for k, p in found.items() if values.get(k)}


class StudentSourceView(BaseView):
    """My source information (我的生源信息): never takes a graduate id from the URL or the form."""

    route_base = "/student/source"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "save": "access", "check": "access", "cities": "access"}
    default_view = "index"

    def _render(self, graduate: Graduate, values: Mapping[str, str], errors: Mapping[str, str],
                show_all: bool) -> Any:
        problems = _problems(values, show_all)
        editable = may_edit(graduate)
        summary = list(problems.values()) if show_all and editable else []  # every problem, each linking its field
        return self.render_template(
            "student/form.html", title=_("My source information"), graduate=graduate, values=values,
            display=source_form.readonly_display(graduate), errors=errors, problems=problems, editable=editable,
            sections=[(key, str(label), source_form.fields_of(key)) for key, label in source_form.SECTIONS],
            choices={f.key: _choices(f) for f in source_form.FIELDS if f.kind == "select"},
            compared=comparisons(graduate), provinces=source_form.province_options(),
            cities=source_form.city_options(values.get("home_province", "")),
            hmt=values.get("student_category") in source_form.HMT, pending=len(source_form.problems(values)),
            summary=summary,
            **status_context(graduate),
        )

    def _missing(self) -> Any:
        return self.render_template("student/no_record.html", title=_("My source information"))

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self._missing()
        if graduate.bound_at is None and may_edit(graduate) and not chose_manual(graduate):
            return redirect(url_for("StudentBindView.index"))
        return self._render(graduate, source_form.values_of(graduate), {}, bool(request.args.get("checked")))

    @expose("/", methods=["POST"])
    @has_access
    def save(self) -> Any:
        """保存 stores a draft even with rule problems; 提交审核 saves and then asks the engine to submit."""
        graduate = own_graduate()
        if graduate is None:
            return self._missing()
        if not may_edit(graduate):
            flash(_("Your form cannot be changed now: it is %(state)s.", state=SOURCE_INFO.label(graduate.status)),
                  "warning")
            return redirect(url_for("StudentSourceView.index"))
        posted_version = request.form.get("version", type=int)
        if posted_version is not None and posted_version != graduate.version:
            flash(_("Someone else changed this record since you opened it; reload and try again."), "warning")
            return redirect(url_for("StudentSourceView.index"))
        typed, stored, errors = source_form.parse(request.form, graduate)
        if errors:
            flash(_("Nothing was saved: some entries cannot be stored. Correct the fields marked in red."), "danger")
            return self._render(graduate, typed, errors, True), 422
        changes = source_form.apply(graduate, stored)
        if changes:
            graduate.updated_at = utcnow()
            audit.record("graduate.form_saved", "graduate", graduate.id, changes=changes, source="student")
        db.session.commit()
        if request.form.get("action") == "submit":
            return self._submit(graduate)
        remaining = len(source_form.submission_problems(graduate))
        if remaining:
            flash(_("Saved. %(n)d item(s) still need attention before you can submit.", n=remaining), "warning")
        else:
            flash(_("Saved. Everything is filled in; you can submit it for review."), "success")
        return redirect(url_for("StudentSourceView.index", checked=1))

    def _submit(self, graduate: Graduate) -> Any:
        """Submit what was just saved: the version after the save (checked against the page's above)."""
        result = fire(SOURCE_INFO, "submit", graduate.id, g.user, expected_version=graduate.version)
        if result.ok:
            flash(_("Submitted for review. Your college will review it first."), "success")
            return redirect(url_for("StudentSourceView.index"))
        remaining = source_form.submission_problems(graduate)
        if len(remaining) > 1:  # the page lists every one of them, each linking to its field
            flash(_("The form is not complete: %(n)d items need attention; each is listed at the top of the form "
                    "with a link to it.", n=len(remaining)), "danger")
        else:
            flash(result.reason or _("The form could not be submitted."), "danger")
        return redirect(url_for("StudentSourceView.index", checked=1))

    @expose("/check/<key>", methods=["POST"])
    @has_access
    def check(self, key: str) -> Any:
        """The as-you-type check of one field against the whole typed form (CSRF-protected like every POST)."""
        graduate = own_graduate()
        if graduate is None or key not in source_form.FIELDS_BY_KEY:
            return jsonify(ok=False, message=_("Record not found or not in your scope.")), 404
        problem = source_form.check_field(key, source_form.typed_values(request.form, graduate))
        if problem is None:
            return jsonify(ok=True)
        offer = (_("Did you mean: %(value)s?", value=problem.suggestion) if problem.suggestion else "")
        return jsonify(ok=False, message=problem.message, suggestion=problem.suggestion or "", offer=offer)

    @expose("/cities", methods=["GET"])
    @has_access
    def cities(self) -> Any:
        """Part B of the home address for the province typed in part A (the datalist)."""
        return jsonify(source_form.city_options(request.args.get("province", "")[:20]))

