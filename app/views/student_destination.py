"""EMP-1/EMP-4: 就业服务 → 毕业去向登记 — the student's own destination: fill what the code needs, save, submit,
follow the review, change once after approval. Never takes a graduate or destination id from the URL."""
from __future__ import annotations

from typing import Any, ClassVar, Optional

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models.destination import VERSION_KINDS, Destination
from app.models.reference import EVIDENCE_KINDS, FORM_KINDS, Country, JobCategory
from app.security.roles import role_names
from app.services import destination_form as form
from app.services import uploads
from app.services.change_requests import Incoming
from app.services.reference import destination as code_info
from app.timeutil import local_display
from app.views.student import own_graduate, review_levels
from app.workflows.destination import COMPLETE, DESTINATION
from app.workflows.engine import fire
from app.workflows.source_info import COMPLETE as SOURCE_COMPLETE

PERMISSION = "StudentDestination"
NEXT_STEP = {
    "draft": _l("Choose your destination, fill in what it asks for and upload the proof it needs, then press "
                "“Submit for review”. Your college reviews it first, then the school's employment office."),
    "secondary": _l("Submitted. Your college is reviewing it; you cannot change it while it is being reviewed."),
    "central": _l("Your college has approved it; the school's employment office is now reviewing it. You cannot "
                  "change it while it is being reviewed."),
    "complete": _l("The school has approved your destination: it is registered."),
    "rejected": _l("Not approved. Correct it according to the reasons below and submit it again."),
}


def _incoming() -> dict[str, list[Incoming]]:
    """Uploaded proofs per evidence kind, each read with the per-file limit (never all of a large upload)."""
    files: dict[str, list[Incoming]] = {}
    for kind in EVIDENCE_KINDS:
        for item in request.files.getlist(f"evidence_{kind}"):
            if item and (item.filename or "").strip():
                files.setdefault(kind, []).append(Incoming(item.filename, uploads.read_limited(item.stream)))
    return files


def _summary(row: Destination) -> str:
    """What a version says in one line (the version history)."""
    if row.code is None:
        return ""
    parts = [f"{row.code.code} {row.code.name}"]
    detail = (row.employer.name if row.employer else None) or row.host_unit or row.venture_name or \
        row.foreign_school_name or row.school_name
    if detail:
        parts.append(detail)
    return "｜".join(parts)


class StudentDestinationView(BaseView):
    """毕业去向登记: one page; POST / saves or submits, POST /change starts a change (EMP-4)."""

    route_base = "/student/destination"
    class_permission_name = PERMISSION
    method_permission_name: ClassVar[dict[str, str]] = {"index": "access", "save": "access", "change": "access"}
    default_view = "index"

    def _page(self, graduate: Any, typed: Optional[dict[str, str]] = None, errors: Optional[dict[str, str]] = None,
              status_code: int = 200, show_problems: bool = False) -> Any:
        roles = role_names(g.user)
        row = form.open_version(graduate) or form.current(graduate)
        editable = form.may_edit(row, graduate, roles) and (row is None or row.status != COMPLETE)
        values = typed if typed is not None else form.values_of(row)
        problems = form.problems(row) if row is not None and editable and show_problems else []
        selected = next((c for c in form.code_choices() if str(c.id) == values.get("code_id")), None)
        kind = code_info(selected.code).form_kind if selected is not None and code_info(selected.code) else None
        status = row.status if row is not None else DESTINATION.initial
        page = self.render_template(
            "student/destination.html", title=_("Destination registration"), graduate=graduate, row=row,
            values=values, errors=errors or {}, problems=problems, editable=editable, kind=kind,
            codes=[(c, code_info(c.code)) for c in form.code_choices()], kind_fields=form.KIND_FIELDS,
            fields=form.FIELDS, numbers=form.NUMBERS, form_kinds=FORM_KINDS, evidence_kinds=EVIDENCE_KINDS,
            needed_evidence=form.evidence_for(row) if row is not None else [],
            job_categories=form.choices(JobCategory), countries=form.choices(Country),
            region_name=form.region_name, closed=form.closed_reason(graduate),
            change_refusal=form.change_refusal(graduate) if row is not None and row.status == COMPLETE else None,
            versions=form.versions(graduate), version_kinds=VERSION_KINDS, summary=_summary,
            state_label=DESTINATION.label, local_display=local_display,
            status=status, status_label=DESTINATION.label(status), next_step=str(NEXT_STEP.get(status, "")),
            levels=review_levels(row) if row is not None else [],
            submitted_at=local_display(row.submitted_at) if row is not None else "",
            reasons=form.reason_names(row.rejection_codes) if row is not None else [],
        )
        return (page, status_code) if status_code != 200 else page

    def _gate(self) -> tuple[Any, Any]:
        """(graduate, None) when the form may be shown, else (None, the page that says why)."""
        graduate = own_graduate()
        if graduate is None:
            return None, self.render_template("student/no_record.html", title=_("Destination registration"))
        if graduate.status != SOURCE_COMPLETE:
            return None, self.render_template("student/destination_wait.html", title=_("Destination registration"))
        return graduate, None

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        graduate, refusal = self._gate()
        if refusal is not None:
            return refusal
        return self._page(graduate, show_problems=bool(request.args.get("checked")))

    @expose("/", methods=["POST"])
    @has_access
    def save(self) -> Any:
        """保存 stores a draft even with missing items; 提交审核 saves, then asks the engine to submit."""
        graduate, refusal = self._gate()
        if refusal is not None:
            return refusal
        try:
            row = form.save(graduate, request.form, _incoming(), g.user, role_names(g.user),
                            version=request.form.get("version", type=int))
        except uploads.UploadRefused as refused:
            db.session.rollback()
            flash(refused.message, "danger")
            return self._page(graduate, dict(request.form.items()), {}, 422)
        except form.FormRefused as refused:
            if set(refused.errors) == {"form"}:
                _flash_unless_shown(refused.errors["form"], graduate)
                return redirect(url_for("StudentDestinationView.index"))
            flash(_("Nothing was saved: some entries cannot be stored. Correct the fields marked in red."), "danger")
            return self._page(graduate, dict(request.form.items()), refused.errors, 422)
        if request.form.get("action") == "submit":
            result = fire(DESTINATION, "submit", row.id, g.user, expected_version=row.version)
            if result.ok:
                flash(_("Submitted for review. Your college will review it first."), "success")
                return redirect(url_for("StudentDestinationView.index"))
            flash(result.reason or _("The form could not be submitted."), "danger")
            return redirect(url_for("StudentDestinationView.index", checked=1))
        remaining = len(form.problems(row))
        if remaining:
            flash(_("Saved. %(n)d item(s) still need attention before you can submit.", n=remaining), "warning")
        else:
            flash(_("Saved. Everything is filled in; you can submit it for review."), "success")
        return redirect(url_for("StudentDestinationView.index", checked=1))

    @expose("/change", methods=["POST"])
    @has_access
    def change(self) -> Any:
        """Start a change of an approved destination (EMP-4): a new draft version; the approved one stays current."""
        graduate, refusal = self._gate()
        if refusal is not None:
            return refusal
        try:
            form.start_change(graduate, g.user)
            db.session.commit()
        except form.FormRefused as refused:
            db.session.rollback()
            _flash_unless_shown(refused.errors["change"], graduate)
            return redirect(url_for("StudentDestinationView.index"))
        flash(_("A new version was started from your approved destination. Your approved destination stays "
                "registered until the change is approved."), "info")
        return redirect(url_for("StudentDestinationView.index"))


def _flash_unless_shown(message: str, graduate: Any) -> None:
    """A refusal that is the page's own lock notice (plan lock, change deadline) is not said a second time."""
    if message != form.closed_reason(graduate):
        flash(message, "warning")
