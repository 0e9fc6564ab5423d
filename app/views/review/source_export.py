"""XLS-1/XLS-3: the source review's Excel export (the shared export view) and its sign-off sheet (生源信息核对表)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.graduate import Graduate
from app.security.pii import show_id, show_phone
from app.services import audit, source_form
from app.services.comparison import approved_claims, compare
from app.services.review.source import SOURCE
from app.views.review.workspace_export import PRINT_LIMIT, WorkspaceExportView
from app.workflows.source_info import SOURCE_INFO


class SourceExportView(WorkspaceExportView):
    route_base = "/review/source"
    class_permission_name = "SourceReview"
    workspace = SOURCE

    def printed(self, ids: list[int]) -> Any:
        """One A4 sheet per student for signatures, with the comparison flags."""
        graduates = db.session.execute(
            select(Graduate).options(joinedload(Graduate.registry_record), joinedload(Graduate.department),
                                     joinedload(Graduate.major), joinedload(Graduate.cohort))
            .where(Graduate.id.in_(ids)).order_by(Graduate.student_no)).scalars().all()
        audit.record("export.sign_off_sheet", "graduate", "", rows=len(graduates),
                     ids=[gr.id for gr in graduates][:PRINT_LIMIT])
        db.session.commit()
        approved = approved_claims([gr.id for gr in graduates])
        sheets = [(gr, source_form.values_of(gr), {c.key: c for c in compare(gr, approved=approved[gr.id])})
                  for gr in graduates]
        return self.render_template(
            "review/print.html", title=_l("Source information sign-off sheet"), sheets=sheets,
            sections=source_form.SECTIONS, fields_of=source_form.fields_of, show_id=show_id,
            show_phone=show_phone, status_label=SOURCE_INFO.label, readonly=source_form.readonly_display)
