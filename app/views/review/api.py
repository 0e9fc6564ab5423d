"""X-4: the source review's REST door, the source workspace on the shared API (a record adds the registry check)."""
from __future__ import annotations

from typing import Any

from app.security.pii import show_id, show_phone
from app.services import source_form
from app.services.comparison import compare
from app.services.review.source import SOURCE
from app.views.review.source_detail import load
from app.views.review.workspace_api import WorkspaceApi
from app.workflows.source_info import SOURCE_INFO


class SourceReviewApi(WorkspaceApi):
    workspace = SOURCE

    def record(self, pk: int) -> dict[str, Any]:
        """The form's values (masked) and each key field's comparison with the registry."""
        graduate = load(pk)
        values = source_form.values_of(graduate)
        values["id_number"] = show_id(graduate.id_number)
        values["mobile"], values["home_phone"] = show_phone(graduate.mobile), show_phone(graduate.home_phone)
        return {"id": graduate.id, "version": graduate.version, "status": graduate.status,
                "status_label": SOURCE_INFO.label(graduate.status), "values": values,
                "comparison": {c.key: {"state": c.state, "registry": c.registry_display} for c in compare(graduate)}}
