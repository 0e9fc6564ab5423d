"""What every student page needs: the signed-in student's own graduate row (through the scope) and its status."""
from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.roles import role_names
from app.services.comparison import (
    KEY_FIELDS,
    Comparison,
    compare,
    compare_field,
)
from app.timeutil import local_display
from app.workflows.source_info import (
    CENTRAL,
    COMPLETE,
    DECISION_LABELS,
    DRAFT,
    REJECTED,
    SECONDARY,
    SOURCE_INFO,
)

PERMISSION = "StudentSourceInfo"
CATEGORY = {"category": "StudentServices", "category_label": _l("Employment services"), "category_icon": "fa-id-card"}

NEXT_STEP = {
    DRAFT: _l("Complete and check your information, then press “Submit for review”. Your college reviews it "
              "first, then the school's employment office."),
    SECONDARY: _l("Submitted. Your college is reviewing it; you cannot change it while it is being reviewed."),
    CENTRAL: _l("Your college has approved it; the school's employment office is now reviewing it. You cannot "
                "change it while it is being reviewed."),
    COMPLETE: _l("The school has approved your information; it can no longer be changed. If something is wrong, "
                 "contact the school's employment office."),
    REJECTED: _l("Not approved. Correct your information according to the reviewer's remark and submit it "
                 "again."),
}


def own_graduate() -> Graduate | None:
    """The graduate row of the signed-in account: loaded through the scope AND linked to this very account.

    Views never take a graduate id from the URL or the form, so no other student's row can be reached.
    """
    user = g.user
    return db.session.execute(
        select(Graduate).where(scope_clause(Graduate, user), Graduate.user_id == user.id)
        .order_by(Graduate.id.desc()).limit(1)
    ).scalar()


def may_edit(graduate: Graduate) -> bool:
    """The workflow's table decides (SRC-3): students edit drafts and rejected forms only."""
    return SOURCE_INFO.can_edit(graduate.status, role_names(g.user))


def review_levels(graduate: Graduate) -> list[dict[str, Any]]:
    """SRC-6: each review level's decision, remark, time and reviewer, as the student sees them."""
    levels = []
    for prefix, label in (("college", _("College review")), ("school", _("School review"))):
        decision = getattr(graduate, f"{prefix}_decision")
        decided_at = getattr(graduate, f"{prefix}_decided_at")
        levels.append({
            "label": label,
            "decision": str(DECISION_LABELS.get(decision, "")) if decision else _("Pending"),
            "decision_code": decision or "",
            "remark": getattr(graduate, f"{prefix}_remark") or "",
            "at": local_display(decided_at),
            "by": getattr(graduate, f"{prefix}_decided_by") or "",
        })
    return levels


def status_context(graduate: Graduate) -> dict[str, Any]:
    return {
        "status": graduate.status,
        "status_label": SOURCE_INFO.label(graduate.status),
        "next_step": str(NEXT_STEP.get(graduate.status, "")),
        "levels": review_levels(graduate),
        "submitted_at": local_display(graduate.submitted_at),
    }


def comparisons(graduate: Graduate) -> dict[str, Comparison]:
    """SRC-4 per key field; a record the student has not bound (manual filling) is compared with nothing."""
    if graduate.bound_at is None:
        return {f.key: compare_field(f, graduate, None) for f in KEY_FIELDS}
    return {c.key: c for c in compare(graduate)}
