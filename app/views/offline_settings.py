"""AGR-4, APV-1, APV-4: 三方协议 → 签约设置 — the school lists graduates with their signing state and, on the ticked
ones or all that match, sets offline signing (directed / printed blank) or online, locks or restores in-province
signing, and restores the signing of directed and entrusted graduates; each change audited, the graduate told."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS, SIGNING_MODES
from app.models.graduate import Graduate
from app.models.org import Department, DepartmentKind
from app.scope import scope_clause
from app.security.errors import int_list, optional_int
from app.security.redirects import safe_path
from app.services import signing
from app.validation.codes import TRAINING_MODES, TRAINING_WITH_UNIT
from app.views.review import options
from app.workflows.agreement import AGREEMENT
from app.workflows.out_of_province import OUT_OF_PROVINCE

PERMISSION = "SigningSettings"
PAGE_SIZE = 50
FILTER_ARGS = ("cohort", "department", "mode", "locked", "unit", "q")
UNIT_CHOICES = (("1", _l("Directed or entrusted")), ("locked", _l("Directed or entrusted, signing still locked")),
                ("0", _l("Neither directed nor entrusted")))


def filter_from(source: Any) -> signing.SettingsFilter:
    """The list's filter from URL or form arguments; malformed values are ignored, never sent to SQL."""
    locked = {"1": True, "0": False}.get(source.get("locked", ""))
    unit = source.get("unit", "")
    return signing.SettingsFilter(
        cohort_id=optional_int(source.get("cohort")), department_id=optional_int(source.get("department")),
        mode=source.get("mode") if source.get("mode") in SIGNING_MODES else None, locked=locked,
        with_unit=unit if unit in dict(UNIT_CHOICES) else None, keyword=(source.get("q") or "").strip()[:40])


def colleges(user: Any) -> list[Any]:
    return list(db.session.execute(select(Department.id, Department.name).where(
        Department.kind != DepartmentKind.SCHOOL, scope_clause(Department, user))
        .order_by(Department.sort_order, Department.code)).all())


class SigningSettingsView(BaseView):
    """/signing-settings/: the list (GET) and one action on many graduates (POST /apply)."""

    route_base = "/signing-settings"
    class_permission_name = PERMISSION
    base_permissions: ClassVar[list[str]] = ["can_list", "can_edit"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "apply": "edit"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        f = filter_from(request.args)
        page = max(1, optional_int(request.args.get("page")) or 1)
        total, rows = signing.settings_page(f, g.user, page, PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        args = {k: request.args.get(k) for k in FILTER_ARGS if request.args.get(k)}
        return self.render_template(
            "offline/settings.html", title=_("Signing settings"), rows=rows, total=total, page=page, pages=pages,
            f=f, args=args, cohorts=options.cohorts(), colleges=colleges(g.user), modes=SIGNING_MODES,
            unit_choices=UNIT_CHOICES, actions=[(k, label) for k, (label, _v) in signing.ACTIONS.items()],
            training=dict(TRAINING_MODES), with_unit=TRAINING_WITH_UNIT, kinds=AGREEMENT_KINDS,
            agreement_label=AGREEMENT.label, application_label=OUT_OF_PROVINCE.label,
            page_url=lambda n: url_for("SigningSettingsView.index", **{**args, "page": n}))

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self) -> Any:
        """One action on the ticked graduates or on every graduate matching the filter; a page of results."""
        action = request.form.get("action", "")
        back = safe_path(request.form.get("back"), url_for("SigningSettingsView.index"))
        if action not in signing.ACTIONS:
            flash(_("Unknown action."), "danger")
            return redirect(back, code=303)
        if request.form.get("target") == "all":
            ids = signing.settings_ids(filter_from(request.form), g.user)
        else:
            ids = int_list(request.form.getlist("ids"))
        if not ids:
            flash(_("No graduates selected: tick graduates in the list, or choose all that match the filter."),
                  "warning")
            return redirect(back, code=303)
        outcomes = signing.apply(action, ids, g.user)
        db.session.commit()
        names = dict(db.session.execute(select(Graduate.id, Graduate.student_no + " " + Graduate.name).where(
            Graduate.id.in_([o.graduate_id for o in outcomes if o.ok or o.reason]), scope_clause(Graduate, g.user))
        ).all())
        done = sum(1 for o in outcomes if o.ok)
        return self.render_template(
            "offline/settings_result.html", title=_("Signing settings"), action=signing.ACTIONS[action][0],
            outcomes=outcomes, names=names, done=done, skipped=len(outcomes) - done, back=back)
