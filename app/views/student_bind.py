"""SRC-1: the account-binding page a student sees before the form, and the way out to manual filling."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models.graduate import Graduate
from app.services import audit, binding
from app.validation import EDUCATION_LEVELS
from app.views.student import PERMISSION, may_edit, own_graduate
from app.views.student_form import MANUAL_FLAG

INPUTS = ("name", "id_number", "education_level", "graduation_year", "mobile")


class StudentBindView(BaseView):
    """Binding checks the typed values against this student's own registry record only."""

    route_base = "/student/bind"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "bind": "access", "manual": "access"}
    default_view = "index"

    def _page(self, graduate: Graduate, values: dict[str, str], result: binding.BindResult | None = None,
              status: int = 200) -> Any:
        levels = [(code, _(label)) for code, label in EDUCATION_LEVELS]
        html = self.render_template(
            "student/bind.html", title=_("Bind my registry record"), values=values, result=result,
            levels=levels, attempts_left=binding.attempts_left(g.user), limit=binding.attempt_limit(),
            graduate=graduate)
        return html, status

    def _ready(self) -> tuple[Graduate | None, Any]:
        """The student's row, or where to go instead (no row, or already bound, or no longer editable)."""
        graduate = own_graduate()
        if graduate is None:
            return None, redirect(url_for("StudentSourceView.index"))
        if graduate.bound_at is not None or not may_edit(graduate):
            return None, redirect(url_for("StudentSourceView.index"))
        return graduate, None

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate, elsewhere = self._ready()
        if graduate is None:
            return elsewhere
        return self._page(graduate, dict.fromkeys(INPUTS, ""))  # typed by the student, never shown from the record

    @expose("/", methods=["POST"])
    @has_access
    def bind(self) -> Any:
        graduate, elsewhere = self._ready()
        if graduate is None:
            return elsewhere
        values = {key: (request.form.get(key) or "").strip()[:40] for key in INPUTS}
        result = binding.bind(g.user, graduate, binding.BindInput(**values))
        if result.ok:
            session.pop(MANUAL_FLAG, None)
            flash(_("Bound to your registry record. Your form has been pre-filled from the registry: check every "
                    "item, complete the rest and save."), "success")
            return redirect(url_for("StudentSourceView.index"))
        return self._page(graduate, values, result, 422)

    @expose("/manual", methods=["POST"])
    @has_access
    def manual(self) -> Any:
        """继续人工填写: the record stays unbound and every key field shows 未比对."""
        graduate, elsewhere = self._ready()
        if graduate is None:
            return elsewhere
        session[MANUAL_FLAG] = True
        audit.record("student.manual_fill", "graduate", graduate.id)
        db.session.commit()
        flash(_("You are filling in the form by hand. Fill in every item truthfully; without a registry record "
                "the key fields show “Not compared”."), "info")
        return redirect(url_for("StudentSourceView.index"))
