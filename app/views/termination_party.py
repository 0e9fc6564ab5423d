"""TRM-1 … TRM-3: the parties' termination pages — the graduate's (就业服务 → 解约申请) and the employer's — one class
for both: request a termination of an own agreement (reason, explanation, liable party, 违约金, evidence), send it
to the other party or submit it offline with the signed letter, answer the other party's request, withdraw one's
own. Records are loaded through the scope rule; every status change is the engine's."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS
from app.models.change import Evidence
from app.models.termination import LIABLE_PARTIES, REQUESTERS, Termination, TerminationEvidence
from app.scope import scope_clause
from app.security.errors import bounded_int
from app.security.roles import role_names
from app.services import termination_forms as forms
from app.services import uploads
from app.services.change_requests import Incoming
from app.services.terminations import source_problem
from app.timeutil import local_display
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import WorkflowError, fire, why_not
from app.workflows.termination import TERMINATION

PARTY_TRIGGERS = ("request", "submit_offline", "agree", "refuse", "withdraw")
NEXT_STEP = {
    "draft": _l("Fill in the request, then send it to the other party — or, if you both have already signed the "
                "termination letter (解约函), attach it and submit it to the school."),
    "awaiting_other": _l("Waiting for the other party to agree or refuse. You may withdraw your request meanwhile."),
    "secondary": _l("Both parties agreed. The college is reviewing the termination."),
    "central": _l("The school's employment office is reviewing the termination."),
    "approved": _l("The termination is approved: the agreement has ended and the graduate may sign again."),
    "refused": _l("The other party refused the termination."),
    "rejected": _l("The termination was not approved."),
    "withdrawn": _l("The request was withdrawn."),
}


def incoming_files() -> dict[str, list[Incoming]]:
    """Uploaded files per kind (letter, receipt, other), each read with the per-file limit."""
    files: dict[str, list[Incoming]] = {}
    for kind in forms.EVIDENCE_KINDS:
        for item in request.files.getlist(f"evidence_{kind}"):
            if item and (item.filename or "").strip():
                files.setdefault(kind, []).append(Incoming(item.filename, uploads.read_limited(item.stream)))
    return files


def letter_url(row: Termination) -> Optional[str]:
    """The printable letter's page (the documents part), once the letter is issued and the page exists."""
    if not row.letter_code:
        return None
    path = f"/terminations/{row.id}/letter"
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return path


def party_buttons(row: Termination, party: str) -> list[tuple[str, Any, Optional[str]]]:
    """(trigger, label, why disabled) of the steps a party can take from the record's state, with the engine's
    reason where one is refused (the requester sees why only the other party answers, and so on)."""
    roles = role_names(g.user)
    out = []
    for trigger in PARTY_TRIGGERS:
        transition = TERMINATION.transitions[trigger]
        if not roles & transition.roles or row.status not in transition.sources:
            continue
        if trigger in ("request", "submit_offline") and row.requested_by != party:
            continue  # the other side's draft is not shown at all
        out.append((trigger, transition.label, why_not(TERMINATION, trigger, row, g.user)))
    return out


class PartyTerminationsView(BaseView):
    """One party's terminations; subclasses name the party, the route and the permission."""

    party: ClassVar[str]
    default_view = "index"
    method_permission_name: ClassVar[dict[str, str]] = {
        "index": "access", "new": "access", "create": "access", "detail": "access", "save": "access",
        "decide": "access", "evidence": "access"}

    # -- what differs between the parties ---------------------------------------------------------------------

    def gate(self) -> Optional[Any]:
        """None when the party may use the page, else the page that says why."""
        return None

    def _page_title(self) -> str:
        return _("Termination requests")

    def _endpoint_of(self, method: str) -> str:
        return f"{type(self).__name__}.{method}"

    # -- pages ------------------------------------------------------------------------------------------------

    def _render(self, template: str, status: int = 200, **values: Any) -> Any:
        page = self.render_template(
            template, title=self._page_title(), party=self.party, kinds=AGREEMENT_KINDS,
            page_url=lambda method, **kw: url_for(self._endpoint_of(method), **kw),
            requesters=REQUESTERS, liable_parties=LIABLE_PARTIES, evidence_kinds=forms.EVIDENCE_KINDS,
            label=TERMINATION.label, agreement_label=AGREEMENT.label, local_display=local_display,
            employer_side=self.party == "employer", **values)
        return (page, status) if status != 200 else page

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        refusal = self.gate()
        if refusal is not None:
            return refusal
        agreements = forms.terminable(g.user)
        open_of = {t.agreement_id: t for t in forms.terminations_of(g.user, self.party)
                   if t.status in ("draft", "awaiting_other", "secondary", "central")}
        blocked = {a.id: source_problem(a.graduate) for a in agreements}
        return self._render("terminations/party_index.html", agreements=agreements, open_of=open_of,
                            blocked=blocked, rows=forms.terminations_of(g.user, self.party),
                            problem=self.page_problem())

    def page_problem(self) -> Optional[str]:
        return None

    def _agreement(self, agreement_id: int) -> Any:
        agreement = forms.agreement_of(agreement_id, g.user)
        if agreement is None:
            abort(404)
        return agreement

    def _form(self, agreement: Any, row: Optional[Termination], values: dict[str, str],
              errors: Optional[dict[str, str]] = None, status: int = 200) -> Any:
        editable = row is None or (row.status == "draft" and row.requested_by == self.party)
        return self._render(
            "terminations/party_request.html", status, agreement=agreement, row=row, values=values,
            errors=errors or {}, editable=editable, reasons=forms.reasons(self.party),
            buttons=party_buttons(row, self.party) if row is not None else [],
            next_step=str(NEXT_STEP.get(row.status if row else "draft", "")),
            letter=letter_url(row) if row is not None else None, problem=source_problem(agreement.graduate),
            offline_allowed=self.party == "graduate")

    @expose("/new/<int:agreement_id>", methods=["GET"])
    @has_access
    def new(self, agreement_id: int) -> Any:
        refusal = self.gate()
        if refusal is not None:
            return refusal
        agreement = self._agreement(agreement_id)
        existing = forms.open_termination(agreement.id)
        if existing is not None and forms.load(existing.id, g.user, self.party) is not None:
            return redirect(url_for(self._endpoint_of("detail"), pk=existing.id))
        return self._form(agreement, None, forms.values_of(None))

    @expose("/new/<int:agreement_id>", methods=["POST"])
    @has_access
    def create(self, agreement_id: int) -> Any:
        refusal = self.gate()
        if refusal is not None:
            return refusal
        agreement = self._agreement(agreement_id)
        return self._saved(agreement, None)

    @expose("/<int:pk>", methods=["GET"])
    @has_access
    def detail(self, pk: int) -> Any:
        refusal = self.gate()
        if refusal is not None:
            return refusal
        row = self._load(pk)
        return self._form(row.agreement, row, forms.values_of(row))

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def save(self, pk: int) -> Any:
        refusal = self.gate()
        if refusal is not None:
            return refusal
        row = self._load(pk)
        return self._saved(row.agreement, row)

    def _load(self, pk: int) -> Termination:
        row = forms.load(pk, g.user, self.party)
        if row is None:
            abort(404)
        return row

    def _saved(self, agreement: Any, row: Optional[Termination]) -> Any:
        """保存 stores the draft; 发送 / 凭解约函提交 store it, then ask the engine for the step."""
        action = request.form.get("action", "save")
        if action not in ("save", "request", "submit_offline") or (
                action == "submit_offline" and self.party != "graduate"):
            abort(400)
        try:
            row = forms.save(row, request.form, incoming_files(), g.user, self.party, agreement=agreement,
                             version=request.form.get("version", type=bounded_int))
        except uploads.UploadRefused as refused:
            db.session.rollback()
            flash(refused.message, "danger")
            return self._form(agreement, row, dict(request.form.items()), {}, 422)
        except forms.FormRefused as refused:
            db.session.rollback()
            if set(refused.errors) == {"form"}:
                flash(refused.errors["form"], "warning")
                return self._form(agreement, row, dict(request.form.items()), {}, 422)
            flash(_("Nothing was saved: some entries cannot be stored. Correct the fields marked in red."), "danger")
            return self._form(agreement, row, dict(request.form.items()), refused.errors, 422)
        if action == "save":
            flash(_("Saved as a draft. Send it to the other party when it is complete."), "success")
            return redirect(url_for(self._endpoint_of("detail"), pk=row.id))
        return self._step(row, action, "")

    def _step(self, row: Termination, trigger: str, remark: str, version: Optional[int] = None) -> Any:
        back = url_for(self._endpoint_of("detail"), pk=row.id)
        try:
            if trigger == "submit_offline":
                forms.mark_offline(row)
                result = fire(TERMINATION, trigger, row.id, g.user, remark, expected_version=version, commit=False)
                if result.ok:
                    db.session.commit()
                else:
                    db.session.rollback()
            else:
                result = fire(TERMINATION, trigger, row.id, g.user, remark, expected_version=version)
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(back)
        if result.ok:
            flash(_("Done: the request is now “%(state)s”.", state=TERMINATION.label(result.to_state)), "success")
        else:
            flash(result.reason or _("The step could not be taken."), "danger")
        return redirect(back)

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """Agree, refuse (a reason is required) or withdraw: the engine checks who may."""
        refusal = self.gate()
        if refusal is not None:
            return refusal
        row = self._load(pk)
        trigger = request.form.get("decision", "")
        if trigger not in ("agree", "refuse", "withdraw"):
            abort(400)
        remark = (request.form.get("remark") or "").strip()[:500]
        return self._step(row, trigger, remark, request.form.get("version", type=bounded_int))

    @expose("/<int:pk>/evidence/<int:evidence_id>", methods=["GET"])
    @has_access
    def evidence(self, pk: int, evidence_id: int) -> Any:
        """A file of a termination the party may see (scoped through the termination), sent as the evidence
        service sends every file: checked type, safe headers, audited."""
        row = self._load(pk)
        linked = select(TerminationEvidence.evidence_id).where(
            TerminationEvidence.termination_id == row.id, scope_clause(TerminationEvidence, g.user))
        from app.views.evidence import EvidenceView

        return EvidenceView._send(self, evidence_id, False, scope=Evidence.id.in_(linked))


class StudentTerminationsView(PartyTerminationsView):
    """就业服务 → 解约申请: the graduate's own terminations (never an id of someone else's)."""

    route_base = "/student/terminations"
    class_permission_name = "StudentTerminations"
    party = "graduate"

    def gate(self) -> Optional[Any]:
        from app.views.student import own_graduate

        if own_graduate() is None:
            return self.render_template("student/no_record.html", title=self._page_title())
        return None

    def page_problem(self) -> Optional[str]:
        from app.views.student import own_graduate

        return source_problem(own_graduate())


class EmployerTerminationsView(PartyTerminationsView):
    """The employer's terminations: those of its own agreements only (the scope rule's employer path)."""

    route_base = "/employer/terminations"
    class_permission_name = "EmployerTerminations"
    party = "employer"

    def gate(self) -> Optional[Any]:
        if getattr(g.user, "employer_id", None) is None:
            return self.render_template("terminations/no_employer.html", title=self._page_title()), 403
        return None


__all__ = ["EmployerTerminationsView", "StudentTerminationsView", "letter_url", "party_buttons"]
