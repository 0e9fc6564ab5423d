"""The audit log read as sentences: who did what to which record, from → to, with the remark (X-2 for people).

One table maps each action code written through app.services.audit to a template; an unknown code still reads as
a sentence with the code's translated label. Field keys are shown by their labels (field_label), also on a
record's change history."""
from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# action code -> template; placeholders: actor, target, and any key of the entry's detail
ACTIONS: dict[str, Any] = {
    "login": _l("%(actor)s signed in"),
    "login.failed": _l("Failed sign-in as %(target_id)s (%(failures)s in a row)"),
    "account.locked": _l("Account %(target_id)s was locked after %(failures)s failed sign-ins"),
    "account.unlocked": _l("%(actor)s unlocked account %(target_id)s"),
    "account.created_on_first_login": _l("Account %(username)s was created at its first sign-in"),
    "password.changed": _l("%(actor)s changed their own password"),
    "password.set_by_admin": _l("%(actor)s set a new password for %(username)s"),
    "password.reset": _l("%(actor)s reset the password of %(username)s"),
    "audit.key_rotated": _l("The audit key changed from %(from)s to %(to)s"),
    "graduate.form_saved": _l("%(actor)s saved the source information of %(target)s"),
    "graduate.reviewer_edited": _l("%(actor)s edited the source information of %(target)s"),
    "graduate.batch_modified": _l("%(actor)s batch-modified %(target)s"),
    "graduate.batch_notified": _l("%(actor)s sent a notice to %(count)s student(s): %(text)s"),
    "graduate.change_applied": _l("%(actor)s applied an approved change request to %(target)s"),
    "graduate.added_by_supplementary_report": _l("%(actor)s added %(target)s from supplementary report %(report)s"),
    "change_request.submitted": _l("%(actor)s submitted %(target)s"),
    "evidence.downloaded": _l("%(actor)s downloaded %(target)s"),
    "export.source_info": _l("%(actor)s exported %(rows)s source-information record(s)"),
    "export.sign_off_sheet": _l("%(actor)s printed %(rows)s sign-off sheet(s)"),
    "export.destination": _l("%(actor)s exported %(rows)s destination record(s)"),
    "export.source_info_print": _l("%(actor)s printed %(rows)s source-information record(s)"),
    "export.destination_print": _l("%(actor)s printed %(rows)s destination record(s)"),
    "export.proof_files": _l("%(actor)s downloaded %(files)s proof file(s) as one archive"),
    "export.reconcile": _l("%(actor)s exported %(rows)s difference(s) found by a reconciliation"),
    "destination.batch_modified": _l("%(actor)s batch-modified %(target)s"),
    "destination.batch_notified": _l("%(actor)s sent a notice to %(count)s student(s): %(text)s"),
    "plan.confirmed": _l("%(actor)s confirmed the employment plan entry of %(target)s"),
    "plan.error": _l("%(actor)s reported an error in the employment plan entry of %(target)s: %(remark)s"),
    "plan.locked": _l("%(actor)s locked the employment plan of %(cohort)s"),
    "plan.unlocked": _l("%(actor)s unlocked the employment plan of %(cohort)s: %(reason)s"),
    "plan.unconfirmed_exported": _l("%(actor)s exported %(rows)s unconfirmed graduate(s) for signatures"),
    "reconcile.national": _l("%(actor)s reconciled %(file)s with the national system: %(differences)s difference(s)"),
    "statistics.exported": _l("%(actor)s exported placement statistics (%(rows)s line(s))"),
    "workflow.levels_changed": _l("%(actor)s changed the review levels of workflow %(target)s"),
    "registry.import": _l("%(actor)s imported the student registry (%(target)s)"),
    "student.bound": _l("%(actor)s linked %(target)s to the student registry"),
    "student.bind_failed": _l("%(actor)s could not link %(target)s to the registry: %(mismatched)s value(s) differ"),
    "student.manual_fill": _l("%(actor)s chose to fill in %(target)s by hand"),
    "supplementary.created": _l("%(actor)s created %(target)s for student number %(student_no)s"),
    "supplementary.updated": _l("%(actor)s changed %(target)s for student number %(student_no)s"),
    "supplementary.deleted": _l("%(actor)s deleted %(target)s for student number %(student_no)s"),
    "reference.added": _l("%(actor)s added code %(code)s %(name)s"),
    "reference.changed": _l("%(actor)s changed code %(code)s %(name)s"),
    "reference.deleted": _l("%(actor)s deleted code %(code)s %(name)s"),
    "reference.retired": _l("%(actor)s retired code %(code)s %(name)s"),
    "employer.added": _l("%(actor)s added employer %(name)s"),
    "employer.added_by_student": _l("%(actor)s added employer %(name)s while registering a destination (awaiting approval)"),
    "destination.saved": _l("%(actor)s saved destination %(target)s"),
    "destination.change_started": _l("%(actor)s started a change of destination %(target)s"),
    "destination.reverted": _l("%(actor)s reverted destination %(target)s to the original entry"),
    "destination.evidence_added": _l("%(actor)s added a proof file to destination %(target)s"),
    "destination.evidence_removed": _l("%(actor)s removed a proof file from destination %(target)s"),
    "employer.changed": _l("%(actor)s changed employer %(name)s"),
    "employer.merged": _l("%(actor)s merged employer %(name)s into employer %(into)s"),
    "employer.merge_survivor": _l("%(actor)s kept %(target)s as the surviving employer of a merge"),
    "employer.registered": _l("%(name)s registered as an employer (awaiting approval) with account %(username)s"),
    "employer.corrected": _l("%(actor)s corrected the registration of employer %(name)s"),
    "employer.account_added": _l("%(actor)s added account %(username)s for employer %(name)s"),
    "employer_register.imported": _l("%(actor)s imported the verified unit register %(batch)s (%(rows)s unit(s))"),
    # issue 12: agreements, numbers, terminations, signing settings (the workflow steps read as WORKFLOW_ACTION)
    "agreement.invite": _l("%(actor)s invited a graduate to sign (%(target)s)"),
    "agreement.request": _l("%(actor)s asked an employer to sign (%(target)s)"),
    "agreement.edit": _l("%(actor)s changed the terms of %(target)s"),
    "agreement.entry_saved": _l("%(actor)s saved the entered agreement %(target)s"),
    "agreement.evidence_removed": _l("%(actor)s removed a file from %(target)s"),
    "agreement_number.assigned": _l("%(actor)s assigned agreement number %(number)s to student %(graduate)s"),
    "agreement_number.assigned_cohort": _l("%(actor)s assigned agreement numbers to a cohort: %(assigned)s given, "
                                           "%(waiting)s waiting for numbers"),
    "agreement_number.generated": _l("%(actor)s generated %(count)s agreement numbers (%(first)s … %(last)s)"),
    "agreement_number.imported": _l("%(actor)s imported %(count)s agreement numbers from %(filename)s"),
    "agreement_number.voided": _l("%(actor)s voided agreement number %(number)s: %(reason)s"),
    "number_request.created": _l("%(actor)s asked for a new agreement number (%(reason)s)"),
    "employer.added_for_entered_agreement": _l("%(actor)s added employer %(name)s for an entered agreement "
                                               "(awaiting approval)"),
    "out_of_province.applied": _l("%(actor)s applied for out-of-province employment with %(employer)s"),
    "signing.locked_by_approval": _l("In-province signing of %(target)s was locked by an approved out-of-province "
                                     "application"),
    "signing.online": _l("%(actor)s set %(target)s to online signing"),
    "signing.directed": _l("%(actor)s set %(target)s to offline signing: directed"),
    "signing.blank": _l("%(actor)s set %(target)s to offline signing: printed blank agreement"),
    "signing.lock": _l("%(actor)s locked the in-province signing of %(target)s"),
    "signing.unlock": _l("%(actor)s restored the in-province signing of %(target)s"),
    "signing.restore": _l("%(actor)s restored the signing of %(target)s (directed or entrusted graduate)"),
    "termination.created": _l("%(actor)s started termination request %(target)s"),
    "termination.saved": _l("%(actor)s saved termination request %(target)s"),
    "termination.evidence_added": _l("%(actor)s added a file to termination request %(target)s"),
    "termination.evidence_removed": _l("%(actor)s removed a file from termination request %(target)s"),
    "agreement.printed": _l("%(actor)s printed %(target)s (verification code %(code)s)"),
    "termination.printed": _l("%(actor)s printed the termination letter of %(target)s (verification code %(code)s)"),
    "export.termination_evidence": _l("%(actor)s downloaded %(files)s termination file(s) as one archive"),
    **{f"export.{name}": _l("%(actor)s exported %(rows)s %(target)s record(s)")
       for name in ("number_request", "agreement", "termination", "out_of_province")},
    **{f"export.{name}_print": _l("%(actor)s printed %(rows)s %(target)s record(s)")
       for name in ("number_request", "agreement", "termination", "out_of_province")},
    **{f"{name}.batch_modified": _l("%(actor)s batch-modified %(target)s")
       for name in ("number_request", "agreement", "termination", "out_of_province")},
    **{f"{name}.batch_notified": _l("%(actor)s sent a notice to %(count)s student(s): %(text)s")
       for name in ("number_request", "agreement", "termination", "out_of_province")},
}
# the session-level audit (change_audit): <model>.create / .update / .delete
MODEL_ACTIONS: dict[str, Any] = {
    "create": _l("%(actor)s created %(target)s"),
    "update": _l("%(actor)s changed %(target)s"),
    "delete": _l("%(actor)s deleted %(target)s"),
}
WORKFLOW_ACTION = _l("%(actor)s: %(transition)s on %(target)s, %(from)s → %(to)s")
UNKNOWN_ACTION = _l("%(actor)s: %(action)s (%(target)s)")

# target_type -> what one record is called
OBJECTS: dict[str, Any] = {
    "account": _l("account"), "GemsUser": _l("account"), "Role": _l("role"), "Department": _l("department"),
    "Major": _l("major"), "Cohort": _l("cohort"), "graduate": _l("graduate"), "source_info": _l("graduate"),
    "change_request": _l("change request"), "evidence": _l("evidence file"), "employer": _l("employer"),
    "supplementary_report": _l("supplementary report"), "supplementary": _l("supplementary report"),
    "ImportJob": _l("import job"), "audit_key": _l("audit key"), "destination": _l("destination"),
    "Destination": _l("destination"), "Employer": _l("employer"), "DestinationCode": _l("destination code"),
    "EmployerNature": _l("employer nature code"), "Industry": _l("industry code"), "JobCategory": _l("job category"),
    "RejectionReason": _l("rejection reason"), "Country": _l("country"),
    "agreement": _l("agreement"), "agreement_number": _l("agreement number"),
    "agreement_number_batch": _l("batch of agreement numbers"), "number_request": _l("number request"),
    "termination": _l("termination request"), "out_of_province": _l("out-of-province application"),
    "cohort": _l("cohort"), "employer_registration": _l("employer registration"),
}
# field keys (optionally per target type) that no form or key-field list names
FIELDS: dict[str, Any] = {
    "origin_code": _l("Origin code"), "department_id": _l("Department"), "major_id": _l("Major"),
    "cohort_id": _l("Cohort"), "parent_id": _l("Parent department"), "kind": _l("Level"), "code": _l("Code"),
    "is_current": _l("Current cohort"), "year": _l("Graduation year"), "active": _l("Enabled"),
    "username": _l("User Name"), "first_name": _l("Full name"), "last_name": _l("Last name"), "email": _l("Email"),
    "phone": _l("Mobile phone"), "roles": _l("Roles"), "password": _l("Password"), "permissions": _l("Permissions"),
    "must_change_password": _l("Must change password"), "education_level": _l("Education level"),
    "included": _l("Reported"), "exclusion_reason": _l("Reason for not reporting"), "status": _l("Review status"),
    "registry_record_id": _l("Registry record"), "bound_at": _l("Linked to the registry on"),
    "user_id": _l("Account"), "student_no": _l("Student number"), "mobile": _l("Contact phone"),
    "sort_order": _l("Sort order"), "description": _l("Description"), "label": _l("Label"),
}
FIELDS_BY_TYPE: dict[tuple[str, str], Any] = {
    ("Department", "name"): _l("Department name"), ("Major", "name"): _l("Major name"),
    ("Cohort", "name"): _l("Cohort"), ("Role", "name"): _l("Name"), ("GemsUser", "first_name"): _l("Full name"),
}
FAB_PERMISSION = re.compile(r"^(?P<perm>.+) on (?P<view>.+)$")


def field_label(key: str, target_type: str = "") -> str:
    """A stored field key as the user knows it: the form's label, the key-field label, else our own table."""
    from app.services.comparison import KEY_FIELDS_BY_NAME
    from app.services.source_form import FIELDS_BY_KEY

    label = FIELDS_BY_TYPE.get((target_type, key))
    if label is None and target_type in ("", "graduate", "source_info", "change_request"):
        spec = FIELDS_BY_KEY.get(key) or KEY_FIELDS_BY_NAME.get(key)
        label = spec.label if spec is not None else None
    label = label or FIELDS.get(key)
    if label is None:
        spec = FIELDS_BY_KEY.get(key) or KEY_FIELDS_BY_NAME.get(key)
        label = spec.label if spec is not None else key
    return str(label)


def object_label(target_type: str) -> str:
    label = OBJECTS.get(target_type)
    return str(label) if label is not None else _(target_type or "record")


def actor_label(name: str) -> str:
    if name == "cli":
        return _("The system (command line)")
    return name or _("An anonymous visitor")


def _value(value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple)):
        return "、".join(_value(v) for v in value) or _("(none)")
    text = str(value)
    match = FAB_PERMISSION.match(text)
    if match and "_" not in text and match.group("perm").startswith(("can ", "menu ")):
        from app.security.labels import permission_view_label

        return permission_view_label(match.group("perm").replace(" ", "_"), match.group("view"))
    return text


def _one_change(key: str, change: Any, target_type: str) -> str:
    label = field_label(key, target_type)
    if isinstance(change, dict) and ("added" in change or "removed" in change):
        parts = []
        if change.get("added"):
            parts.append(_("added %(items)s", items=_value(change["added"])))
        if change.get("removed"):
            parts.append(_("removed %(items)s", items=_value(change["removed"])))
        return f"{label}：{'，'.join(parts)}"
    if isinstance(change, dict) and ("old" in change or "new" in change):
        return f"{label}：{_value(change.get('old'))} → {_value(change.get('new'))}"
    if isinstance(change, list) and len(change) == 2:
        return f"{label}：{_value(change[0])} → {_value(change[1])}"
    return f"{label}：{_value(change)}"


def changes_text(changes: dict[str, Any], target_type: str = "") -> str:
    return "；".join(_one_change(k, v, target_type) for k, v in changes.items())


def _workflow_parts(action: str, detail: dict[str, Any]) -> dict[str, str] | None:
    from app.workflows.catalog import WORKFLOWS

    parts = action.split(".")
    workflow = WORKFLOWS.get(parts[1]) if len(parts) == 3 and parts[0] == "workflow" else None
    if workflow is None:
        return None
    transition = workflow.transitions.get(parts[2])
    return {"transition": str(transition.label) if transition else parts[2],
            "from": workflow.label(detail.get("from", "")), "to": workflow.label(detail.get("to", ""))}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def describe(action: str, target_type: str, target_id: str, actor_name: str, detail_json: str) -> str:
    """One readable sentence for one audit entry (its details that the template does not name appended)."""
    try:
        detail = json.loads(detail_json or "{}")
    except ValueError:
        detail = {}
    detail = detail if isinstance(detail, dict) else {"value": detail}
    target = f"{object_label(target_type)} {target_id}".strip() if target_id else object_label(target_type)
    values = _Blank({k: _value(v) for k, v in detail.items() if not isinstance(v, dict)})
    values.update(actor=actor_label(actor_name), target=target, target_id=target_id or "")
    flow = _workflow_parts(action, detail)
    model_kind = action.rsplit(".", 1)[-1] if action.count(".") == 1 else ""
    changes: dict[str, Any] = {}
    if flow is not None:
        values.update(flow)
        sentence = str(WORKFLOW_ACTION) % values
    elif action in ACTIONS:
        sentence = str(ACTIONS[action]) % values
        changes = detail.get("changes") or {}
    elif model_kind in MODEL_ACTIONS and target_type and action.startswith(target_type.lower() + "."):
        sentence = str(MODEL_ACTIONS[model_kind]) % values
        changes = {k: v for k, v in detail.items() if k != "was"}
        if "was" in detail:
            changes = {}
            sentence += f"（{detail['was']}）"
    else:
        values["action"] = _(action)
        sentence = str(UNKNOWN_ACTION) % values
    if changes:
        sentence += _("; changes: %(changes)s", changes=changes_text(changes, target_type))
    if detail.get("remark"):
        sentence += _("; remark: %(remark)s", remark=detail["remark"])
    return sentence


def entry_sentence(row: Any) -> str:
    return describe(row.action, row.target_type, row.target_id, row.actor_name, row.detail)
