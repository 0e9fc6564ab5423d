"""AGR-1: new numbers for the pool — generated from a pattern (previewed first: the first and the last number) or
imported from an .xlsx file with the template's Chinese headers (every row checked; one bad row and nothing is
written). Both refuse any number that exists already and are audited (app.services.agreement_numbers)."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any, Optional

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from app.extensions import db
from app.models.org import Cohort
from app.security.errors import optional_int
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import PATTERN, BatchPlan, NumbersRefused
from app.views.agreement_numbers import (
    PERMISSION,
    PERMISSIONS,
    ROUTE,
    cohort_of,
    cohorts,
    level_label,
    levels,
    parse_level,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _current_cohort_id() -> Optional[int]:
    return db.session.execute(select(Cohort.id).where(Cohort.is_current.is_(True)).limit(1)).scalar()


class AgreementNumberBatchView(BaseView):
    """生成编号 and 导入编号 of the pool screen."""

    route_base = ROUTE
    class_permission_name = PERMISSION
    base_permissions = PERMISSIONS
    method_permission_name = {"generate_form": "add", "generate": "add", "import_form": "import",
                              "import_file": "import", "template": "import"}

    def _generate_page(self, values: dict[str, Any], plan: Optional[BatchPlan] = None,
                       messages: Optional[list[str]] = None, status: int = 200) -> Any:
        page = self.render_template(
            "numbers/generate.html", title=_("Generate agreement numbers"), values=values, plan=plan,
            messages=messages or [], cohorts=cohorts(), levels=levels(), level_label=level_label,
            school_code=numbers.school_code(), example=PATTERN, max_batch=numbers.MAX_BATCH)
        return (page, status) if status != 200 else page

    @expose("/generate", methods=["GET"])
    @has_access
    def generate_form(self) -> Any:
        return self._generate_page({"cohort": str(_current_cohort_id() or ""), "level": "", "count": "100",
                                    "pattern": PATTERN})

    @expose("/generate", methods=["POST"])
    @has_access
    def generate(self) -> Any:
        """预览 shows the first and last number; 生成 creates them, only if they are still what was previewed."""
        form = request.form
        values = {key: (form.get(key) or "").strip()[:100] for key in ("cohort", "level", "count", "pattern")}
        cohort = cohort_of(values["cohort"])
        level = parse_level(values["level"])
        if values["level"] and level is None:
            return self._generate_page(values, None, [_("Choose an education level from the list, or none for the "
                                                        "whole cohort.")], 400)
        try:
            plan = numbers.plan_batch(cohort, level, optional_int(values["count"]), values["pattern"])
        except NumbersRefused as refused:
            return self._generate_page(values, None, refused.messages, 400)
        if form.get("action") != "create":
            return self._generate_page(values, plan)
        if form.get("first") != plan.first or form.get("last") != plan.last:
            return self._generate_page(values, plan, [_("The numbers changed since your preview (someone added "
                                                        "numbers meanwhile): check the new preview and create "
                                                        "again.")], 409)
        try:
            batch = numbers.generate(plan)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return self._generate_page(values, None, [_("Someone created numbers of the same pattern at the same "
                                                        "time; nothing was created. Preview again.")], 409)
        flash(_("%(n)d agreement numbers created, %(first)s to %(last)s.", n=plan.count, first=plan.first,
                last=plan.last), "success")
        return redirect(url_for("AgreementNumbersView.index", batch=batch))

    def _import_page(self, messages: Optional[list[str]] = None, status: int = 200) -> Any:
        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        page = self.render_template("numbers/import.html", title=_("Import agreement numbers"),
                                    messages=messages or [], limit_mb=limit_mb, max_rows=numbers.MAX_BATCH,
                                    columns=numbers.IMPORT_COLUMNS)
        return (page, status) if status != 200 else page

    @expose("/import", methods=["GET"])
    @has_access
    def import_form(self) -> Any:
        return self._import_page()

    @expose("/import/template", methods=["GET"])
    @has_access
    def template(self) -> Any:
        return send_file(io.BytesIO(numbers.import_template()), mimetype=XLSX, as_attachment=True,
                         download_name=_("agreement-numbers-template.xlsx"))

    @expose("/import", methods=["POST"])
    @has_access
    def import_file(self) -> Any:
        """Check the whole file, then store every number in one transaction, or none."""
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            from app.views.registry_import import too_large_message

            return self._import_page([too_large_message()], 413)
        if upload is None or not upload.filename:
            return self._import_page([_("Choose the .xlsx file with the numbers to import.")], 400)
        filename = Path(upload.filename.replace("\\", "/")).name[:200]
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as fh:
            upload.save(fh)
            fh.seek(0)
            try:
                rows = numbers.read_import(fh, filename)
            except NumbersRefused as refused:
                return self._import_page(refused.messages, 422)
        try:
            batch = numbers.import_numbers(rows, filename)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return self._import_page([_("Some of these numbers were added by someone else at the same time; nothing "
                                        "was imported. Import the file again to see which.")], 409)
        flash(_("%(n)d agreement numbers imported from %(file)s.", n=len(rows), file=filename), "success")
        return redirect(url_for("AgreementNumbersView.index", batch=batch))
