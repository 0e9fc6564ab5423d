"""AGR-1: 就业服务 → 我的协议书编号 — the graduate's current number, every number they held (voided ones with the
reason and date), and a request for a new one (reason from the list, explanation), withdrawn while it waits.
Never takes a graduate id from the URL or the form: the signed-in account's own graduate row only."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import NUMBER_STATES, NumberRequest
from app.models.reference import NumberRequestReason
from app.scope import scope_clause
from app.security.errors import optional_int
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import NumbersRefused
from app.timeutil import local_display
from app.views.student import own_graduate
from app.workflows.engine import fire
from app.workflows.number_request import NUMBER_REQUEST

PERMISSION = "StudentAgreementNumber"


def _reasons() -> list[NumberRequestReason]:
    return list(db.session.execute(select(NumberRequestReason).where(NumberRequestReason.active.is_(True))
                                   .order_by(NumberRequestReason.sort_order, NumberRequestReason.code)).scalars())


class StudentNumbersView(BaseView):
    """One page; POST /request asks for a new number, POST /<id>/withdraw withdraws a waiting request."""

    route_base = "/student/numbers"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "ask": "access", "withdraw": "access"}
    default_view = "index"

    def _page(self, graduate: Any, values: Optional[dict[str, str]] = None, message: Optional[str] = None,
              status: int = 200) -> Any:
        held = numbers.history(graduate.id)
        page = self.render_template(
            "numbers/student.html", title=_("My agreement number"), graduate=graduate,
            current=next((n for n in held if n.state == "assigned"), None), history=held, states=NUMBER_STATES,
            requests=numbers.requests_of(graduate.id), status_label=NUMBER_REQUEST.label, reasons=_reasons(),
            problem=numbers.request_problem(graduate), message=message, values=values or {}, when=local_display)
        return (page, status) if status != 200 else page

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html", title=_("My agreement number"))
        return self._page(graduate)

    @expose("/request", methods=["POST"])
    @has_access
    def ask(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            abort(404)
        values = {"reason": (request.form.get("reason") or "")[:10],
                  "explanation": (request.form.get("explanation") or "")[:600]}
        try:
            numbers.create_request(graduate, optional_int(values["reason"]), values["explanation"], g.user)
            db.session.commit()
        except NumbersRefused as refused:
            db.session.rollback()
            return self._page(graduate, values, refused.messages[0], 422)
        flash(_("Your request was sent to the school's employment office; you will find its decision here and in "
                "your messages."), "success")
        return redirect(url_for("StudentNumbersView.index"))

    @expose("/<int:pk>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, pk: int) -> Any:
        graduate = own_graduate()
        row = db.session.execute(select(NumberRequest).where(
            NumberRequest.id == pk, scope_clause(NumberRequest, g.user),
            NumberRequest.graduate_id == (graduate.id if graduate else -1))).scalar()
        if row is None:
            abort(404)
        result = fire(NUMBER_REQUEST, "withdraw", row.id, g.user,
                      expected_version=optional_int(request.form.get("version")))
        if result.ok:
            flash(_("Your request is withdrawn."), "info")
        else:
            flash(result.reason or _("The request could not be withdrawn."), "warning")
        return redirect(url_for("StudentNumbersView.index"))
