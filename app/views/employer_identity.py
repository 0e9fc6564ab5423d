"""AGR-5 (seed 004 §10.4) screens: the identity check on the employer list and record page (one query per page),
and /review/employer-register/ — the school imports the register of verified units and searches it."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from app.excel import WorkbookRejected
from app.extensions import db
from app.security.errors import optional_int
from app.services import employer_register
from app.services.employer_register import Identity, RegisterRefused, identities, identity_label
from app.timeutil import local_display

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STYLES = {"match": "success", "differs": "warning", "absent": "default"}


def identity_badge(identity: Identity) -> Markup:
    """The check as a coloured label with its words (what differs, the register's status)."""
    text = identity_label(identity)
    return Markup('<span class="label label-%s gems-identity" data-identity="%s" title="%s">%s</span>') % (
        STYLES.get(identity.outcome, "default"), identity.outcome, text, text)


class EmployerIdentityMixin:
    """For the school's Employers ModelView: an "identity" column on the list and the record page, checked for the
    whole page in one query, and the record page's link to the registration and its accounts."""

    show_template = "employer/employer_show.html"

    def _get_list_widget(self, filters: Any, *args: Any, **kwargs: Any) -> Any:
        widgets = super()._get_list_widget(filters, *args, **kwargs)  # type: ignore[misc]
        widget = widgets["list"]
        rows = list(widget.template_args["value_columns"])
        checked = identities((pk, row.get("name"), row.get("credit_code"))
                             for pk, row in zip(widget.template_args["pks"], rows))
        for pk, row in zip(widget.template_args["pks"], rows):
            row["identity"] = identity_badge(checked[pk])
        widget.template_args["value_columns"] = rows
        return widgets

    def _get_show_widget(self, pk: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        widgets = super()._get_show_widget(pk, item, *args, **kwargs)  # type: ignore[misc]
        widget = widgets["show"]
        columns = widget.template_args["include_columns"]
        if "identity" in columns:
            values = list(widget.template_args["value_columns"])
            values[columns.index("identity")] = identity_badge(employer_register.identity_detail(item))
            widget.template_args["value_columns"] = values
        return widgets


class EmployerRegisterImportView(BaseView):
    """单位身份信息核对: import the verified-unit register (replacing it), search it, download its template."""

    route_base = "/review/employer-register"
    class_permission_name = "EmployerRegister"
    base_permissions: ClassVar[list[str]] = ["can_list", "can_import"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "list", "upload": "import", "template": "import"}
    default_view = "index"

    def _page(self, status: int = 200, messages: list[str] | None = None, rows: list[Any] | None = None,
              more: int = 0) -> Any:
        query = (request.args.get("q") or "")[:100]
        page = max(optional_int(request.args.get("page")) or 1, 1)
        register = employer_register.register_page(query, page)
        pages = max((register.total + 49) // 50, 1)
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return self.render_template(
            "employer/register_import.html", title=_("Verified unit register"), register=register, query=query,
            page=min(page, pages), pages=pages, messages=messages or [], row_errors=rows or [], more=more,
            when=local_display, limit_mb=limit_mb,
            may_import=self.appbuilder.sm.has_access("can_import", self.class_permission_name)), status

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        return self._page()

    @expose("/template", methods=["GET"])
    @has_access
    def template(self) -> Any:
        return send_file(io.BytesIO(employer_register.register_template()), mimetype=XLSX, as_attachment=True,
                         download_name=_("verified-unit-register-template.xlsx"))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self) -> Any:
        """Check the whole file first; a file with any bad row changes nothing and lists its errors row by row."""
        try:
            upload = request.files.get("file")
            batch = (request.form.get("batch") or "")[:100]
        except RequestEntityTooLarge:
            from app.views.registry_import import too_large_message

            return self._page(413, [too_large_message()])
        if upload is None or not upload.filename:
            return self._page(400, [_("Choose the register file (.xlsx) to import.")])
        filename = Path(upload.filename.replace("\\", "/")).name
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as fh:
            upload.save(fh)
            fh.seek(0)
            try:
                count = employer_register.import_register(fh, filename, batch)
                db.session.commit()
            except RegisterRefused as exc:
                db.session.rollback()
                return self._page(422, exc.messages or [_("The file was not imported: correct the rows below and "
                                                          "upload it again.")], exc.rows, exc.more)
            except WorkbookRejected as exc:
                db.session.rollback()
                return self._page(422, [exc.message])
        flash(_("The register was replaced: %(n)d unit(s) imported.", n=count), "success")
        return redirect(url_for("EmployerRegisterImportView.index"))
