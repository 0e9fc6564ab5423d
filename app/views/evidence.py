"""Evidence downloads: served only through the scope rule, with safe headers, and every access audited (X-2)."""
from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, current_app, g, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.extensions import db
from app.models.change import Evidence
from app.scope import scope_clause
from app.services import audit, uploads

ALLOWED_TYPES = frozenset(uploads.EXTENSIONS)


class EvidenceView(BaseView):
    """/evidence/<id> (attachment) and /evidence/<id>/inline (pictures only): 404 for anything out of scope."""

    route_base = "/evidence"
    class_permission_name = "Evidence"
    method_permission_name: ClassVar[dict[str, str]] = {"download": "download", "inline": "download"}
    base_permissions: ClassVar[list[str]] = ["can_download"]

    @expose("/<int:pk>")
    @has_access
    def download(self, pk: int) -> Any:
        return self._send(pk, inline=False)

    @expose("/<int:pk>/inline")
    @has_access
    def inline(self, pk: int) -> Any:
        return self._send(pk, inline=True)

    def _send(self, pk: int, inline: bool, scope: Any = None) -> Any:
        """`scope`: another screen's own rule for the file (an employer reaches a termination's files through it)."""
        evidence = db.session.execute(
            select(Evidence).where(Evidence.id == pk, scope_clause(Evidence, g.user) if scope is None else scope)
        ).scalar_one_or_none()
        if evidence is None or evidence.content_type not in ALLOWED_TYPES:
            abort(404)
        if inline and not evidence.content_type.startswith("image/"):
            abort(404)  # PDFs are only ever downloaded, never rendered inside the application's origin
        try:
            path = uploads.path_of(evidence.storage_key)
        except ValueError:
            abort(404)
        if not path.is_file():
            current_app.logger.error("evidence %s: stored file %s is missing", evidence.id, evidence.storage_key)
            abort(404)
        audit.record("evidence.downloaded", "evidence", evidence.id, graduate=evidence.graduate_id,
                     change_request=evidence.change_request_id, name=evidence.original_name, inline=inline)
        db.session.commit()
        response = send_file(path, mimetype=evidence.content_type, as_attachment=not inline,
                             download_name=evidence.original_name, conditional=False, etag=False, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
        return response
