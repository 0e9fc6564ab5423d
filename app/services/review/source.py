"""SRC-8 … SRC-12: the source-information review as a workspace declaration (the graduate row is the record)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models.graduate import Graduate
from app.services.review.batch_fields import BATCH_FIELDS
from app.services.review.columns import COLUMNS
from app.services.review.workspace import Filter, Workspace, register
from app.workflows.source_info import DRAFT, SOURCE_INFO


def _provinces() -> list[tuple[str, str]]:
    from app.views.review.options import provinces

    return [(p, p) for p in provinces()]


def _origin(raw: str) -> str | None:
    return raw.strip()[:60] or None


def _submitted(raw: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw)


SOURCE = register(Workspace(
    name="source", prefix="Source", title=_l("Source information review"), workflow=SOURCE_INFO, model=Graduate,
    columns=COLUMNS, batch_fields=BATCH_FIELDS, audit_type="graduate",
    export_title=_l("Source information"), export_filename=_l("Source information.xlsx"),
    print_label=_l("Print sign-off sheets"),
    filters=(
        Filter("origin", _l("Place of origin"), _origin, lambda value: Graduate.origin.startswith(value, autoescape=True),
               _provinces, doc="Province name prefix of the place of origin (生源地)"),
        Filter("submitted", _l("Submitted"), _submitted,
               lambda value: Graduate.status != DRAFT if value else Graduate.status == DRAFT,
               lambda: [("yes", _("Submitted")), ("no", _("Not submitted"))], doc="Submitted or not",
               enum=("yes", "no")),
    ),
))
