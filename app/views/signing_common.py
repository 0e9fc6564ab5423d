"""What the employer's and the graduate's signing pages share: the state in words, what happens next, the buttons
(each disabled with the engine's reason), the steps taken (from the audit chain) and the lazy expiry of invitations."""
from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from flask import abort, flash, g, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import STARTED_BY, Agreement
from app.models.audit import AuditLog
from app.models.user import User
from app.security.roles import role_names
from app.services.audit_text import changes_text
from app.services.reference import division_full_name
from app.services.signing_forms import EXPIRY, TERMS, job_categories
from app.timeutil import local_display, utcnow
from app.workflows.agreement import AGREEMENT, INVITED
from app.workflows.engine import fire_many, why_not

LABEL_CLASS = {"invited": "info", "requested": "info", "secondary": "primary", "central": "primary",
               "returned": "danger", "stamp_employer": "warning", "stamp_graduate": "warning",
               "stamp_school": "warning", "archived": "success", "revoked": "default", "declined": "default",
               "withdrawn": "default", "expired": "default", "cancelled": "default", "terminated": "default"}

NEXT_GRADUATE = {
    "invited": _l("Read the terms, then accept the invitation or decline it before it expires. Once you accept, "
                  "your college and then the school review the agreement."),
    "requested": _l("Your request was sent to the employer, which confirms or refuses it. You may change the terms "
                    "or cancel the request until it answers."),
    "secondary": _l("Your college is reviewing the agreement; the school reviews it next."),
    "central": _l("The school's employment office is reviewing the agreement."),
    "returned": _l("The agreement was returned for correction: read the reviewer's remark, correct the terms with "
                   "the employer, then resubmit it for review."),
    "stamp_employer": _l("The school approved the agreement: the employer confirms its stamp next, then you "
                         "confirm."),
    "stamp_graduate": _l("The employer has stamped the agreement: check it and confirm it; the school confirms last "
                         "and archives it."),
    "stamp_school": _l("You have confirmed: the school confirms last and archives the agreement into the "
                       "employment plan."),
    "archived": _l("Archived: your destination is “10 签就业协议形式就业” with this employer, in the employment "
                   "plan."),
    "revoked": _l("The school revoked the archive: the agreement is out of the employment plan until the school "
                  "restores it."),
    "declined": _l("Declined: this agreement will not be signed."),
    "withdrawn": _l("The employer withdrew the invitation: this agreement will not be signed."),
    "expired": _l("The invitation expired before it was answered; ask the employer for a new one if you still "
                  "want to sign."),
    "cancelled": _l("Cancelled: this agreement will not be signed."),
    "terminated": _l("The agreement has ended by termination."),
}
NEXT_EMPLOYER = {
    **NEXT_GRADUATE,
    "invited": _l("The graduate accepts or declines the invitation before it expires. You may change its terms or "
                  "withdraw it until the graduate answers."),
    "requested": _l("The graduate asks you to sign: read the terms, then confirm the request or refuse it (with a "
                    "reason)."),
    "secondary": _l("The graduate's college is reviewing the agreement; the school reviews it next."),
    "returned": _l("The agreement was returned for correction: read the reviewer's remark, correct the terms, then "
                   "resubmit it for review."),
    "stamp_employer": _l("The school approved the agreement: confirm your stamp; the graduate confirms next and the "
                         "school last."),
    "stamp_graduate": _l("You have stamped the agreement: the graduate confirms it next, the school last."),
    "stamp_school": _l("Both parties have confirmed: the school confirms last and archives the agreement."),
    "archived": _l("Archived: the agreement is in the school's employment plan."),
    "declined": _l("Declined: this agreement will not be signed."),
    "withdrawn": _l("You withdrew the invitation."),
    "expired": _l("The invitation expired before the graduate answered; invite again if you still want to sign."),
}
CREATED = {"agreement.invite": _l("Invitation sent"), "agreement.request": _l("Request sent"),
           "agreement.edit": _l("Terms changed")}


def state_label(state: str) -> str:
    return AGREEMENT.label(state)


def expired_invitation(row: Agreement) -> bool:
    return row.status == INVITED and row.expires_at is not None and row.expires_at < utcnow()


def expire_shown(rows: Iterable[Agreement], user: Any) -> bool:
    """Invitations past their answer-by time become 'expired' when someone looks at them (the engine's expire)."""
    ids = [row.id for row in rows if expired_invitation(row)]
    if not ids:
        return False
    done = fire_many(AGREEMENT, "expire", ids, user).done_ids
    return bool(done)


def buttons(row: Agreement, user: Any, triggers: Iterable[str]) -> list[dict[str, Any]]:
    """The steps this party may take from the row's state, each with why it is disabled (None when enabled)."""
    roles, legal = role_names(user), set(AGREEMENT.triggers_from(row.status))
    out = []
    for trigger in triggers:
        transition = AGREEMENT.transitions.get(trigger)
        if transition is None or trigger not in legal or not roles & transition.roles:
            continue
        out.append({"trigger": trigger, "label": str(transition.label), "why": why_not(AGREEMENT, trigger, row, user),
                    "reason": transition.requires_reason})
    return out


def steps(row: Agreement) -> list[dict[str, str]]:
    """Every step of the agreement with its time and who took it: the start, term changes, each engine step."""
    entries = list(db.session.execute(select(AuditLog).where(
        AuditLog.target_type == "agreement", AuditLog.target_id == str(row.id)).order_by(AuditLog.seq)).scalars())
    names = dict(db.session.execute(select(User.id, User.first_name).where(
        User.id.in_({e.actor_id for e in entries if e.actor_id}))).all())  # people, not account names
    out = []
    for entry in entries:
        detail = json.loads(entry.detail or "{}")
        parts = entry.action.split(".")
        if entry.action in CREATED:
            action = str(CREATED[entry.action])
            if detail.get("changes"):
                action += "：" + changes_text(detail["changes"], "agreement")
            state = ""
        elif parts[:2] == ["workflow", "agreement"] and len(parts) == 3:
            transition = AGREEMENT.transitions.get(parts[2])
            action = str(transition.label) if transition else parts[2]
            state = state_label(detail.get("to", ""))
        else:
            continue
        out.append({"at": local_display(entry.at, "%Y-%m-%d %H:%M:%S"), "action": action,
                    "who": names.get(entry.actor_id) or entry.actor_name,
                    "state": state, "remark": detail.get("remark") or ""})
    return out


def levels(row: Agreement) -> list[dict[str, str]]:
    """Each review level's decision and remark, as both parties see them."""
    from app.workflows.review_builder import DECISION_LABELS

    out = []
    for prefix, label in (("college", _("College review")), ("school", _("School review"))):
        decision = getattr(row, f"{prefix}_decision")
        if decision:
            out.append({"label": label, "decision": str(DECISION_LABELS.get(decision, decision)),
                        "code": decision, "remark": getattr(row, f"{prefix}_remark") or "",
                        "at": local_display(getattr(row, f"{prefix}_decided_at"))})
    return out


def terms_shown(row: Agreement) -> list[tuple[str, str]]:
    """The offer's terms as label/value rows."""
    values = {
        "position": row.position or "", "job_category_id": str(row.job_category) if row.job_category else "",
        "salary": row.salary or "", "work_address": row.work_address or "",
        "work_region_code": f"{row.work_region_code} {division_full_name(row.work_region_code) or ''}".strip()
        if row.work_region_code else "",
        "start_on": row.start_on.isoformat() if row.start_on else "",
        "contract_years": _("%(n)d years", n=row.contract_years) if row.contract_years else "",
        "other_terms": row.other_terms or "",
    }
    return [(str(f.label), values[f.key]) for f in TERMS]


def printing(row: Agreement) -> dict[str, Any]:
    """The printable agreement (the documents part's page) and why it is not printable yet, for the record page."""
    from flask import current_app, url_for

    from app.services.documents import print_problem

    if "AgreementDocumentView.printed" not in current_app.view_functions:
        return {"print_url": None, "print_problem": None}
    return {"print_url": url_for("AgreementDocumentView.printed", pk=row.id), "print_problem": print_problem(row)}


def page_context(row: Optional[Agreement], side: str) -> dict[str, Any]:
    """What both templates need besides the row."""
    texts = NEXT_EMPLOYER if side == "employer" else NEXT_GRADUATE

    def next_of(state: str) -> str:
        return str(texts.get(state, ""))

    return {"terms": TERMS, "expiry": EXPIRY, "state_label": state_label, "label_class": LABEL_CLASS,
            "started_by": STARTED_BY, "job_categories": job_categories(row.job_category_id if row else None),
            "next_of": next_of, "next_step": next_of(row.status) if row else "", "region_name": division_full_name,
            **(printing(row) if row else {})}


def act_posted(row: Agreement, allowed: Iterable[str], done: dict[str, Any], back: str) -> Any:
    """A party's workflow button (either side's page): the posted trigger, if this side offers it, through the
    engine with the page's version; the outcome flashed, back to the record page."""
    from app.services import signing_forms as forms

    trigger = request.form.get("decision", "")
    if trigger not in allowed:
        abort(400)
    result = forms.fire_step(trigger, row.id, g.user, request.form.get("remark", ""),
                             request.form.get("version", type=int))
    if result.ok:
        flash(str(done[trigger]), "success")
    else:
        flash(result.reason or _("The action could not be taken."), "danger")
    return redirect(back)


def edit_posted(row: Agreement, told: str, back: str, again: Any) -> Any:
    """A party's change of the terms (either side's page); `again(values, errors)` re-renders a refused form."""
    from app.services import signing_forms as forms

    try:
        changed = forms.edit(row, request.form, g.user, request.form.get("version", type=int))
    except forms.FormRefused as refused:
        flash(refused.errors.get("form") or _("Nothing was saved: correct the fields marked in red."), "danger")
        return again(dict(request.form.items()), refused.errors)
    flash(told if changed else _("Nothing was changed."), "success" if changed else "info")
    return redirect(back)
