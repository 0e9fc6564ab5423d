"""PLAN-4: 就业服务 → 就业方案确认 — the graduate confirms their approved destination or reports an error to their
college. Never takes a graduate or destination id from the URL or the form."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.models.plan import CONFIRMATION_STATES, CONFIRMED, ERROR
from app.services import plan
from app.services.destination_form import region_name
from app.timeutil import local_display
from app.views.student import own_graduate

PERMISSION = "StudentPlan"


class StudentPlanView(BaseView):
    """One page: the plan entry as the national file will carry it, and two answers."""

    route_base = "/student/plan"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "answer": "access"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html", title=_("Confirm my employment plan"))
        word = plan.confirmation_of(graduate)
        return self.render_template(
            "plan/student.html", title=_("Confirm my employment plan"), graduate=graduate,
            entry=plan.plan_entry(graduate), state=plan.state_of(graduate), states=CONFIRMATION_STATES,
            word=word, locked=plan.lock_message(graduate.cohort), region_name=region_name,
            answered_at=local_display(word.updated_at or word.created_at) if word else "", remark_max=plan.REMARK_MAX)

    @expose("/", methods=["POST"])
    @has_access
    def answer(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return redirect(url_for("StudentPlanView.index"))
        status = CONFIRMED if request.form.get("action") == CONFIRMED else ERROR
        try:
            plan.answer(graduate, g.user, status, request.form.get("remark", ""))
        except plan.PlanRefused as refused:
            flash(str(refused), "warning")
            return redirect(url_for("StudentPlanView.index"))
        if status == CONFIRMED:
            flash(_("Thank you: you confirmed your employment plan entry."), "success")
        else:
            flash(_("Your report was sent to your college; they will correct the entry or contact you."), "info")
        return redirect(url_for("StudentPlanView.index"))
