"""AGR-4: entering paper agreements — offline (an in-province employer without access) and out-of-province (the
other province's number) — by the graduate (就业服务 → 录入协议书) or by the school on their behalf (三方协议 → 录入协议书,
refused until the out-of-province application is approved, with that reason); saved as drafts, submitted to the
school's review through the engine, which archives them into the plan (approve_entry)."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS, Agreement, AgreementEvidence
from app.models.graduate import Graduate
from app.models.reference import JobCategory
from app.scope import scope_clause
from app.security.errors import optional_int
from app.security.roles import role_names
from app.services import entered_agreements as entries
from app.services import uploads
from app.services.change_requests import Incoming
from app.services.destination_form import choices
from app.services.reference import division_full_name
from app.timeutil import local_display
from app.views.student import own_graduate
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import why_not

STUDENT_PERMISSION = "StudentEnteredAgreements"
SCHOOL_PERMISSION = "EnteredAgreements"


def incoming(name: str = "evidence") -> list[Incoming]:
    """Uploaded files of one input, each read with the per-file limit (never all of a large upload)."""
    return [Incoming(item.filename, uploads.read_limited(item.stream)) for item in request.files.getlist(name)
            if item and (item.filename or "").strip()]


class _EntryPages(BaseView):
    """The form, its POST and the list; subclasses say whose graduate and which template texts."""

    by_school = False
    default_view = "index"

    # -- who ---------------------------------------------------------------------------------------------------
    def new_graduate(self) -> Graduate:
        raise NotImplementedError

    def _scoped(self) -> Any:
        return scope_clause(Agreement, g.user)

    def load(self, pk: int) -> Agreement:
        """An entered agreement through the scope rule (and, for a student, their own), or 404."""
        row = db.session.execute(
            select(Agreement).options(joinedload(Agreement.graduate), joinedload(Agreement.employer),
                                      joinedload(Agreement.number),
                                      selectinload(Agreement.evidence_links).joinedload(AgreementEvidence.evidence))
            .where(Agreement.id == pk, Agreement.kind.in_(entries.ENTRY_KINDS), self._scoped())
        ).scalar_one_or_none()
        if row is None:
            abort(404)
        return row

    def _ep(self, method: str) -> str:
        return f"{type(self).__name__}.{method}"

    # -- pages -------------------------------------------------------------------------------------------------
    def _form(self, graduate: Graduate, kind: str, row: Optional[Agreement], values: Optional[dict[str, str]] = None,
              errors: Optional[dict[str, str]] = None, status: int = 200) -> Any:
        roles = role_names(g.user)
        editable = row is None or entries.may_edit(row, roles)
        buttons = []
        if row is not None:
            for trigger in ("submit", "cancel"):
                if row.status in AGREEMENT.transitions[trigger].sources:
                    why = (entries.submission_problems(row) or [None])[0] if trigger == "submit" else None
                    buttons.append((trigger, AGREEMENT.transitions[trigger].label,
                                    why or why_not(AGREEMENT, trigger, row, g.user)))
        page = self.render_template(
            "offline/entry.html", title=entries.KIND_TITLES[kind], graduate=graduate, kind=kind, row=row,
            values=values if values is not None else entries.values_of(row, graduate, kind), errors=errors or {},
            editable=editable, fields=entries.FIELDS, number_label=entries.NUMBER_LABELS[kind],
            kind_title=entries.KIND_TITLES[kind], job_categories=choices(JobCategory),
            current=entries.current_number(graduate.id), region_name=division_full_name, buttons=buttons,
            problems=entries.submission_problems(row) if row is not None and editable else [],
            state_label=AGREEMENT.label, by_school=self.by_school, max_files=uploads.MAX_FILES,
            post_url=url_for(self._ep("update"), pk=row.id) if row is not None else url_for(
                self._ep("create")),
            list_url=url_for(self._ep("index")), lookup_url=url_for("EmployerLookupView.lookup"),
            local_display=local_display)
        return (page, status) if status != 200 else page

    def _refused(self, graduate: Optional[Graduate], reason: str, status: int = 422) -> Any:
        return self.render_template("offline/refused.html", title=_("The agreement cannot be entered"),
                                    graduate=graduate, reason=reason,
                                    list_url=url_for(self._ep("index"))), status

    def _kind(self, source: Any) -> str:
        kind = source.get("kind", "")
        if kind not in entries.ENTRY_KINDS:
            abort(400)
        return kind

    @expose("/new", methods=["GET"])
    @has_access
    def new(self) -> Any:
        kind = self._kind(request.args)
        graduate = self.new_graduate()
        why = entries.start_problem(graduate, kind)
        if why:
            return self._refused(graduate, why)
        return self._form(graduate, kind, None)

    @expose("/new", methods=["POST"])
    @has_access
    def create(self) -> Any:
        kind = self._kind(request.form)
        graduate = self.new_graduate()
        return self._save(graduate, kind, None)

    @expose("/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk: int) -> Any:
        row = self.load(pk)
        return self._form(row.graduate, row.kind, row)

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def update(self, pk: int) -> Any:
        row = self.load(pk)
        action = request.form.get("action", "save")
        if action == "cancel":
            result = entries.cancel(row, g.user)
            flash(_("The entry was cancelled.") if result.ok else (result.reason or _("Not possible now.")),
                  "info" if result.ok else "warning")
            return redirect(url_for(self._ep("show"), pk=pk), code=303)
        return self._save(row.graduate, row.kind, row)

    def _save(self, graduate: Graduate, kind: str, row: Optional[Agreement]) -> Any:
        """保存 stores the draft; 提交审核 saves, then asks the engine to submit it to the school."""
        try:
            row = entries.save(graduate, kind, request.form, incoming(), g.user, role_names(g.user), row,
                               by_school=self.by_school)
        except entries.FormRefused as refused:
            db.session.rollback()
            if set(refused.errors) == {"form"}:
                if row is None:
                    return self._refused(graduate, refused.errors["form"])
                flash(refused.errors["form"], "warning")
                return redirect(url_for(self._ep("show"), pk=row.id), code=303)
            flash(_("Nothing was saved: some entries cannot be stored. Correct the fields marked in red."), "danger")
            typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
            return self._form(graduate, kind, row, typed, refused.errors, 422)
        if request.form.get("action") == "submit":
            result = entries.submit(row, g.user)
            if result.ok:
                flash(_("Submitted: the school reviews it into the employment plan."), "success")
            else:
                flash(result.reason or _("The entry could not be submitted."), "warning")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for(self._ep("show"), pk=row.id), code=303)


class StudentEntryView(_EntryPages):
    """就业服务 → 录入协议书: the graduate's own entered agreements; never takes a graduate id from the URL."""

    route_base = "/student/entered-agreements"
    class_permission_name = STUDENT_PERMISSION
    base_permissions: ClassVar[list[str]] = ["can_access"]
    method_permission_name: ClassVar[dict[str, str]] = dict.fromkeys(
        ("index", "new", "create", "show", "update"), "access")

    def new_graduate(self) -> Graduate:
        graduate = own_graduate()
        if graduate is None:
            abort(404)
        return graduate

    def _scoped(self) -> Any:
        return and_(Agreement.graduate.has(Graduate.user_id == g.user.id), scope_clause(Agreement, g.user))

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate = own_graduate()
        if graduate is None:
            return self.render_template("student/no_record.html", title=_("Enter a paper agreement"))
        starts = [(kind, entries.KIND_TITLES[kind], entries.start_problem(graduate, kind))
                  for kind in entries.ENTRY_KINDS]
        return self.render_template(
            "offline/entries.html", title=_("Enter a paper agreement"), rows=entries.entries_of(graduate),
            starts=starts, kinds=AGREEMENT_KINDS, state_label=AGREEMENT.label, school=False,
            show_endpoint=self._ep("show"), new_endpoint=self._ep("new"), local_display=local_display)


class SchoolEntryView(_EntryPages):
    """三方协议 → 录入协议书: entered agreements in the school's scope; a new one for a graduate chosen by id or
    student number, refused with the reason (an out-of-province one until the application is approved)."""

    route_base = "/entered-agreements"
    class_permission_name = SCHOOL_PERMISSION
    base_permissions: ClassVar[list[str]] = ["can_list", "can_add", "can_edit"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "show": "list", "new": "add",
                                                        "create": "add", "update": "edit"}
    by_school = True

    def new_graduate(self) -> Graduate:
        source = request.form if request.method == "POST" else request.args
        graduate_id = optional_int(source.get("graduate"))
        student_no = (source.get("student_no") or "").strip()[:40]
        where = [scope_clause(Graduate, g.user)]
        if graduate_id is not None:
            where.append(Graduate.id == graduate_id)
        elif student_no:
            where.append(Graduate.student_no == student_no)
        else:
            abort(400)
        graduate = db.session.execute(select(Graduate).where(*where).limit(1)).scalar()
        if graduate is None:
            abort(404)
        return graduate

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        status = request.args.get("status", "")
        kind = request.args.get("kind", "")
        stmt = (select(Agreement).options(joinedload(Agreement.graduate), joinedload(Agreement.employer))
                .where(Agreement.kind.in_(entries.ENTRY_KINDS), scope_clause(Agreement, g.user))
                .order_by(Agreement.id.desc()).limit(200))
        if status in AGREEMENT.states:
            stmt = stmt.where(Agreement.status == status)
        if kind in entries.ENTRY_KINDS:
            stmt = stmt.where(Agreement.kind == kind)
        return self.render_template(
            "offline/entries.html", title=_("Entered agreements"), rows=list(db.session.execute(stmt).scalars()),
            starts=[], kinds=AGREEMENT_KINDS, state_label=AGREEMENT.label, states=AGREEMENT.states, school=True,
            status=status, kind=kind, entry_kinds=[(k, entries.KIND_TITLES[k]) for k in entries.ENTRY_KINDS],
            show_endpoint=self._ep("show"), new_endpoint=self._ep("new"), local_display=local_display)


__all__ = ["SchoolEntryView", "StudentEntryView", "incoming"]
