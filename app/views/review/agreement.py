"""AGR-2/AGR-3, seed 004 §5.1: the agreement review — the agreement workspaces on the shared list, export and API,
and the record page: all three parties (with the employer's identity check), number, terms, every step with its
time and actor, evidence files, the buttons (disabled with the engine's reason) and what each does to the plan."""
from __future__ import annotations

from typing import Any, Optional

from flask import abort, current_app, g, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from app.extensions import db
from app.models.agreement import AGREEMENT_KINDS, STARTED_BY, Agreement, AgreementEvidence
from app.models.audit import AuditLog
from app.models.destination import Destination
from app.models.employer import EMPLOYER_STATUSES, Employer
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.reference import DestinationCode
from app.scope import scope_clause
from app.security.pii import show_id, show_phone
from app.services import destination_form
from app.services.employer_register import identity_detail, identity_label
from app.services.reference import division_full_name
from app.services.review.agreement import AGREEMENT_HISTORY, AGREEMENT_REVIEW
from app.services.review.history import read
from app.views.review import PERMISSIONS
from app.views.review.decisions import buttons, decide_posted
from app.views.review.workspace_api import WorkspaceApi
from app.views.review.workspace_export import WorkspaceExportView
from app.views.review.workspace_list import WorkspaceListView
from app.workflows.agreement import ENDED

ROUTE = "/review/agreement"
HISTORY_ROUTE = "/review/agreement-history"
PERMISSION = "AgreementReview"
EVIDENCE_KINDS = {"agreement_scan": _l("Scan of the signed agreement"),
                  "other_province": _l("The other province's agreement"), "other": _l("Other file")}


def load(pk: int) -> Agreement:
    """The agreement through the scope rule, or 404: another college's id answers exactly like a missing one."""
    row = db.session.execute(
        select(Agreement).options(
            joinedload(Agreement.graduate).joinedload(Graduate.department),
            joinedload(Agreement.graduate).joinedload(Graduate.major),
            joinedload(Agreement.graduate).joinedload(Graduate.cohort),
            joinedload(Agreement.employer), joinedload(Agreement.number), joinedload(Agreement.job_category),
            joinedload(Agreement.destination), joinedload(Agreement.previous_destination),
            selectinload(Agreement.evidence_links).joinedload(AgreementEvidence.evidence))
        .where(Agreement.id == pk, scope_clause(Agreement, g.user))).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def identity_of(employer: Employer) -> str:
    """The employer's identity check in words, with what differs and the register's status (employer_register)."""
    return identity_label(identity_detail(employer))


def school_of(graduate: Graduate) -> Optional[Department]:
    """The school: the root of the graduate's department tree."""
    node, seen = graduate.department, set()
    while node is not None and node.parent_id is not None and node.id not in seen:
        seen.add(node.id)
        node = db.session.get(Department, node.parent_id)
    return node


def _describe(version: Optional[Destination]) -> str:
    """A destination version as one line: 第3版 10 签就业协议形式就业（某公司）."""
    if version is None:
        return ""
    code = db.session.get(DestinationCode, version.code_id) if version.code_id else None
    employer = db.session.get(Employer, version.employer_id) if version.employer_id else None
    text = str(_l("Version %(n)d", n=version.version_no))
    if code is not None:
        text += f" {code.code} {code.name}"
    if employer is not None:
        text += f"（{employer.name}）"
    return text


def plan_effect(row: Agreement) -> dict[str, Any]:
    """What the agreement is in the plan now, and what archive, revoke and restore would do to the destination."""
    current = destination_form.current(row.graduate)
    code = current_app.config["GEMS_AGREEMENT_CODE"]
    code_row = db.session.execute(select(DestinationCode).where(DestinationCode.code == code)).scalar()
    return {
        "current": _describe(current),
        "ours": _describe(row.destination),
        "previous": _describe(row.previous_destination),
        "in_plan": row.destination is not None and current is not None and current.id == row.destination_id,
        "code": f"{code} {code_row.name if code_row else ''}".strip(),
    }


def steps_of(row: Agreement) -> list[tuple[str, Any, str]]:
    """(key, label, when) of every step the agreement has passed, in order."""
    from app.timeutil import local_display

    marks = (
        ("created_at", _l("Started at")), ("answered_at", _l("Answered at")), ("submitted_at", _l("Submitted at")),
        ("college_decided_at", _l("College decided at")), ("school_decided_at", _l("School decided at")),
        ("employer_stamped_at", _l("Employer stamped at")), ("graduate_confirmed_at", _l("Graduate confirmed at")),
        ("school_confirmed_at", _l("School confirmed at")), ("archived_at", _l("Archived at")),
        ("revoked_at", _l("Archive revoked at")), ("ended_at", _l("Ended at")))
    return [(key, label, local_display(getattr(row, key), "%Y-%m-%d %H:%M:%S")) for key, label in marks
            if getattr(row, key) is not None]


def review_log(row: Agreement) -> list[Any]:
    """Every transition of the agreement with who, when, from, to and the remark (the audit chain)."""
    entries = db.session.execute(select(AuditLog).where(
        AuditLog.target_type == "agreement", AuditLog.target_id == cast(row.id, String))
        .order_by(AuditLog.seq)).scalars().all()
    return read(list(entries), "agreement")[1]


def _link(endpoint: str, **values: Any) -> Optional[str]:
    """A link to another part's screen, or None while that screen does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def terms_of(row: Agreement) -> list[tuple[str, Any, str]]:
    """(key, label, value) of the agreement's terms as the reviewer reads them."""
    region = division_full_name(row.work_region_code) or row.work_region_code or ""
    values = (
        ("number", _l("Agreement number"), row.number_text),
        ("kind", _l("Kind of agreement"), AGREEMENT_KINDS.get(row.kind, row.kind)),
        ("started_by", _l("Started by"), STARTED_BY.get(row.started_by, row.started_by)),
        ("position", _l("Position"), row.position),
        ("job_category", _l("Job category"), row.job_category.name if row.job_category else ""),
        ("salary", _l("Salary"), row.salary), ("work_region", _l("Work location"), region),
        ("work_address", _l("Work address"), row.work_address),
        ("start_on", _l("Start date"), row.start_on.isoformat() if row.start_on else ""),
        ("contract_years", _l("Contract years"), row.contract_years),
        ("other_terms", _l("Other terms"), row.other_terms),
        ("signed_on", _l("Signing date"), row.signed_on.isoformat() if row.signed_on else ""))
    return [(key, label, "" if value is None else str(value)) for key, label, value in values]


class AgreementReviewView(WorkspaceListView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = AGREEMENT_REVIEW


class AgreementExportView(WorkspaceExportView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    workspace = AGREEMENT_REVIEW


class AgreementHistoryReviewView(WorkspaceListView):
    route_base = HISTORY_ROUTE
    class_permission_name = PERMISSION
    workspace = AGREEMENT_HISTORY


class AgreementHistoryExportView(WorkspaceExportView):
    route_base = HISTORY_ROUTE
    class_permission_name = PERMISSION
    workspace = AGREEMENT_HISTORY


class AgreementDetailView(BaseView):
    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show", "decide": "decide"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        row = load(pk)
        graduate, employer = row.graduate, row.employer
        ended = row.status in ENDED
        return self.render_template(
            "review/agreement_detail.html", title=_l("Tripartite agreement"), row=row, graduate=graduate,
            employer=employer, identity=identity_of(employer), employer_status=EMPLOYER_STATUSES,
            school=school_of(graduate), terms=terms_of(row), steps=steps_of(row), reviews=review_log(row),
            plan=plan_effect(row), evidence_kinds=EVIDENCE_KINDS, status_label=AGREEMENT_REVIEW.workflow.label, ended=ended,
            buttons=[] if ended else buttons(row, AGREEMENT_REVIEW),
            id_shown=show_id(graduate.id_number), mobile_shown=show_phone(graduate.mobile),
            contact_shown=show_phone(employer.contact_mobile),
            employer_region=division_full_name(employer.region_code) or employer.region_code or "",
            graduate_url=_link("SourceDetailView.detail", pk=graduate.id),
            employer_url=_link("EmployerModelView.show", pk=employer.id),
            force_url=_link("TerminationForceView.page", agreement_id=row.id) if row.entered and not ended
            and current_app.appbuilder.sm.has_access("can_list", "TerminationForce") else None,
            list_url=url_for("AgreementHistoryReviewView.index" if ended else "AgreementReviewView.index"))

    @expose("/<int:pk>/decide", methods=["POST"])
    @has_access
    def decide(self, pk: int) -> Any:
        """The record page's buttons: same engine, same rules, same audit as the batch and the API."""
        row = load(pk)
        return decide_posted(AGREEMENT_REVIEW, pk, row.graduate.name, url_for("AgreementDetailView.detail", pk=pk))


class AgreementHistoryDetailView(BaseView):
    """The history list's record links: the one record page serves live and ended agreements."""

    route_base = HISTORY_ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"detail": "show"}

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int) -> Any:
        load(pk)  # 404 out of scope, as on the record page itself
        return redirect(url_for("AgreementDetailView.detail", pk=pk))


class AgreementReviewApi(WorkspaceApi):
    workspace = AGREEMENT_REVIEW

    def record(self, pk: int) -> dict[str, Any]:
        """The agreement's parties, terms, steps, plan entry and evidence files."""
        row = load(pk)
        plan = plan_effect(row)
        return {"id": row.id, "version": row.version, "status": row.status,
                "status_label": AGREEMENT_REVIEW.workflow.label(row.status),
                "values": {"student_no": row.graduate.student_no, "name": row.graduate.name,
                           "employer": row.employer.name, "employer_credit_code": row.employer.credit_code,
                           "identity": identity_of(row.employer), **{key: value for key, _label, value in terms_of(row)}},
                "steps": {key: when for key, _label, when in steps_of(row)},
                "in_plan": plan["in_plan"], "destination": plan["ours"], "previous_destination": plan["previous"],
                "evidence": [{"id": link.evidence_id, "kind": link.kind, "name": link.evidence.original_name}
                             for link in row.evidence_links]}
