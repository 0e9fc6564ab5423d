"""AGR-1: 三方协议 → 协议书编号, the school's pool of agreement numbers — the list with filters and counts per state,
one graduate's numbers, assigning (a whole cohort, or one graduate) and voiding with a reason. Generation and import
are app.views.agreement_numbers_batches; every change goes through app.services.agreement_numbers and is audited."""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.formatters import code_label
from app.models.agreement import NUMBER_SOURCES, NUMBER_STATES, AgreementNumber
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.scope import scope_clause
from app.security.errors import optional_int
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import NO_LEVEL, NumbersRefused, PoolFilter
from app.timeutil import local_display
from app.validation.codes import EDUCATION_LEVELS
from app.workflows.number_request import NUMBER_REQUEST

ROUTE = "/agreement-numbers"
PERMISSION = "AgreementNumbers"
# both classes of this screen declare the same set, so FAB's permission sync never finds a sibling's "stale"
PERMISSIONS = ["can_list", "can_add", "can_import", "can_edit"]
PAGE_SIZES = (20, 50, 100, 200)
RACED = _l("Someone else assigned numbers at the same time; nothing was changed. Please try again.")


def levels() -> list[tuple[str, str]]:
    """The education levels as (code, translated label)."""
    return [(code, code_label(EDUCATION_LEVELS, code)) for code, _label in EDUCATION_LEVELS]


def level_label(code: Optional[str]) -> str:
    return code_label(EDUCATION_LEVELS, code) if code else str(_l("Whole cohort"))


def cohorts() -> list[Cohort]:
    return list(db.session.execute(select(Cohort).order_by(Cohort.year.desc())).scalars())


def parse_level(raw: Optional[str], allow_none: bool = False) -> Optional[str]:
    """A level code of the list (or NO_LEVEL where allowed); anything else is ignored."""
    raw = (raw or "").strip()
    if raw in dict(EDUCATION_LEVELS) or (allow_none and raw == NO_LEVEL):
        return raw
    return None


def cohort_of(raw: Any) -> Optional[Cohort]:
    cohort_id = optional_int(raw)
    return db.session.get(Cohort, cohort_id) if cohort_id else None


def scoped_graduate(graduate_id: Optional[int] = None, student_no: str = "") -> Optional[Graduate]:
    """A graduate through the scope rule, by id or by student number."""
    stmt = select(Graduate).where(scope_clause(Graduate, g.user))
    if graduate_id is not None:
        stmt = stmt.where(Graduate.id == graduate_id)
    elif student_no:
        stmt = stmt.where(Graduate.student_no == student_no[:40])
    else:
        return None
    return db.session.execute(stmt.limit(1)).scalar()


class AgreementNumbersView(BaseView):
    """The pool: the list, a graduate's numbers, assign and void."""

    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    default_view = "index"
    method_permission_name = {"index": "list", "graduate": "list", "assign": "edit", "assign_one": "edit",
                              "void_form": "edit", "void": "edit"}

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        return self._pool()

    def _refused(self, message: str) -> Any:
        """The list again, with the reason, as a 400: the request named no usable cohort or graduate."""
        flash(message, "danger")
        return self._pool(400)

    def _pool(self, status: int = 200) -> Any:
        args = request.args
        f = PoolFilter(cohort_id=optional_int(args.get("cohort")), level=parse_level(args.get("level"), True),
                       state=args.get("state") if args.get("state") in NUMBER_STATES else None,
                       keyword=(args.get("q") or "").strip()[:40], batch=(args.get("batch") or "").strip()[:40] or None)
        size = optional_int(args.get("size"))
        size = size if size in PAGE_SIZES else 50
        page = numbers.pool_page(f, max(optional_int(args.get("page")) or 1, 1), size)

        def link(**changes: Any) -> str:
            wanted = {"cohort": f.cohort_id, "level": f.level, "state": f.state, "q": f.keyword or None,
                      "batch": f.batch, "size": size if size != 50 else None, "page": None, **changes}
            return url_for("AgreementNumbersView.index", **{k: v for k, v in wanted.items() if v is not None})

        return self.render_template(
            "numbers/pool.html", title=_("Agreement numbers"), page=page, f=f, states=NUMBER_STATES,
            sources=NUMBER_SOURCES, levels=levels(), level_label=level_label, cohorts=cohorts(), link=link,
            page_sizes=PAGE_SIZES, when=local_display, no_level=NO_LEVEL), status

    @expose("/assign", methods=["POST"])
    @has_access
    def assign(self) -> Any:
        """Every reported graduate of the cohort without a number gets the next one of their pool."""
        cohort = cohort_of(request.form.get("cohort"))
        if cohort is None:
            return self._refused(_("Choose the cohort whose graduates get numbers."))
        level = parse_level(request.form.get("level"))
        try:
            done, waiting = numbers.assign_cohort(cohort.id, level)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(str(RACED), "danger")
            return redirect(url_for("AgreementNumbersView.index", cohort=cohort.id))
        if done == 0 and waiting == 0:
            flash(_("Every reported graduate of %(cohort)s already holds a number.", cohort=cohort.name), "info")
        elif waiting:
            flash(_("%(done)d graduate(s) of %(cohort)s got a number; %(waiting)d are waiting because the pool ran "
                    "out: generate or import more numbers, then assign again.", done=done, cohort=cohort.name,
                    waiting=waiting), "warning")
        else:
            flash(_("%(done)d graduate(s) of %(cohort)s got a number.", done=done, cohort=cohort.name), "success")
        return redirect(url_for("AgreementNumbersView.index", cohort=cohort.id, state="assigned"))

    @expose("/assign-one", methods=["POST"])
    @has_access
    def assign_one(self) -> Any:
        """One graduate (from their page or by student number on the list) gets the next number of their pool."""
        graduate = scoped_graduate(optional_int(request.form.get("graduate")),
                                   (request.form.get("student_no") or "").strip())
        if graduate is None:
            return self._refused(_("No graduate with this student number is in your scope."))
        try:
            number = numbers.assign_one(graduate)
            db.session.commit()
        except NumbersRefused as refused:
            db.session.rollback()
            flash(refused.messages[0], "warning")
        except IntegrityError:
            db.session.rollback()
            flash(str(RACED), "danger")
        else:
            flash(_("%(name)s now holds number %(number)s.", name=graduate.name, number=number.number), "success")
        return redirect(url_for("AgreementNumbersView.graduate", graduate_id=graduate.id))

    @expose("/graduate/<int:graduate_id>", methods=["GET"])
    @has_access
    def graduate(self, graduate_id: int) -> Any:
        """One graduate's current number, every number they held and their requests."""
        graduate = scoped_graduate(graduate_id)
        if graduate is None:
            abort(404)
        held = numbers.history(graduate.id)
        current = next((n for n in held if n.state == "assigned"), None)
        return self.render_template(
            "numbers/graduate.html", title=_("Agreement numbers of %(name)s", name=graduate.name), graduate=graduate,
            current=current, history=held, requests=numbers.requests_of(graduate.id), states=NUMBER_STATES,
            status_label=NUMBER_REQUEST.label, when=local_display, level_label=level_label,
            pool_problem=numbers.reissue_problem(graduate),
            void_problem=numbers.void_problem(current) if current is not None else None)

    def _number(self, pk: int) -> AgreementNumber:
        number = db.session.get(AgreementNumber, pk)
        if number is None:
            abort(404)
        return number

    def _void_page(self, number: AgreementNumber, status: int = 200, message: Optional[str] = None) -> Any:
        page = self.render_template(
            "numbers/void.html", title=_("Void agreement number %(number)s", number=number.number), number=number,
            problem=message or numbers.void_problem(number), states=NUMBER_STATES, level_label=level_label,
            agreement=numbers.live_agreement_of_number(number.id), when=local_display,
            reason=request.form.get("reason", "") if request.method == "POST" else "")
        return (page, status) if status != 200 else page

    @expose("/<int:pk>/void", methods=["GET"])
    @has_access
    def void_form(self, pk: int) -> Any:
        return self._void_page(self._number(pk))

    @expose("/<int:pk>/void", methods=["POST"])
    @has_access
    def void(self, pk: int) -> Any:
        """Void an unused or assigned number with a reason; refused while an agreement in progress uses it."""
        number = self._number(pk)
        graduate_id = number.graduate_id
        try:
            new = numbers.void_number(number, request.form.get("reason", ""), request.form.get("reissue") == "1")
            db.session.commit()
        except NumbersRefused as refused:
            db.session.rollback()
            return self._void_page(number, 422, refused.messages[0])
        except IntegrityError:
            db.session.rollback()
            return self._void_page(number, 409, str(RACED))
        flash(_("Number %(number)s is void.", number=number.number), "success")
        if new is not None:
            flash(_("The graduate now holds number %(number)s.", number=new.number), "success")
        elif request.form.get("reissue") == "1" and graduate_id:
            flash(_("No new number could be issued: the pool of the graduate's cohort is empty."), "warning")
        if graduate_id:
            return redirect(url_for("AgreementNumbersView.graduate", graduate_id=graduate_id))
        return redirect(url_for("AgreementNumbersView.index", state="voided"))
