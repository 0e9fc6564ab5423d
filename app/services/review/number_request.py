"""AGR-1: the school's review of requests for a new agreement number, as a declaration on the shared workspace —
one row per request with the student, the reason, the explanation, the old and the new number and the decision."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models.agreement import AgreementNumber, NumberRequest
from app.models.reference import NumberRequestReason
from app.security.errors import optional_int
from app.services.review import tree
from app.services.review.columns import COLUMNS, Column, review_columns
from app.services.review.workspace import Filter, Workspace, register
from app.workflows.number_request import NUMBER_REQUEST

R = NumberRequest
OLD = aliased(AgreementNumber, name="old_number")
NEW = aliased(AgreementNumber, name="new_number")
_graduate = {c.key: c for c in COLUMNS}
_review = {c.key: c for c in review_columns(R, NUMBER_REQUEST)}

COLUMNS_NUMBER_REQUEST: tuple[Column, ...] = (
    *(_graduate[key] for key in ("student_no", "name", "department", "major")),
    replace(_graduate["cohort"], default=True),
    _graduate["education_level"],
    Column("reason", _l("Reason"), NumberRequestReason.name, default=True, finite=True),
    Column("explanation", _l("Explanation"), R.explanation, default=True),
    Column("old_number", _l("Old number"), OLD.number, sortable=True, default=True),
    Column("new_number", _l("New number"), NEW.number, sortable=True, default=True),
    _review["status"],
    _review["submitted_at"],
    replace(_review["school_decided_at"], default=True, sortable=True),
    replace(_review["school_remark"], default=True),
    _review["school_decision"],
    _graduate["id_number"],
    _graduate["mobile"],
)


def _joins(stmt: Select[Any]) -> Select[Any]:
    """The reason and both numbers (outer joins on primary keys)."""
    return (stmt.outerjoin(NumberRequestReason, NumberRequestReason.id == R.reason_id)
            .outerjoin(OLD, OLD.id == R.old_number_id)
            .outerjoin(NEW, NEW.id == R.new_number_id))


def _reasons() -> list[tuple[str, Any]]:
    return [(str(i), name) for i, name in db.session.execute(
        select(NumberRequestReason.id, NumberRequestReason.name).order_by(NumberRequestReason.sort_order,
                                                                          NumberRequestReason.code)).all()]


NUMBER_REQUEST_REVIEW = register(Workspace(
    name="number_request", prefix="NumberRequest", title=_l("Agreement number requests"), workflow=NUMBER_REQUEST,
    model=R, columns=COLUMNS_NUMBER_REQUEST, owner_key=R.graduate_id, joins=_joins, audit_type="number_request",
    export_title=_l("Agreement number requests"), export_filename=_l("Agreement number requests.xlsx"),
    print_label=_l("Print the list"),
    filters=(Filter("reason", _l("Reason"), optional_int, lambda value: R.reason_id == value, _reasons,
                    doc="Id of the request's reason (NumberRequestReason)"),),
))

if tree.invalidate not in NUMBER_REQUEST.after_fire:  # tree.register ran before this declaration was imported
    NUMBER_REQUEST.after_fire.append(tree.invalidate)
