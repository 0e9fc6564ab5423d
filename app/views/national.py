"""PLAN-2 and EMP-3 screens: 就业方案数据 in the national format at any time (current cohort or a chosen one), and the
proof files of a cohort or a selection as one streamed zip. Scope and masking are the services' (never checked here)."""
# ruff: noqa: RUF012 - FAB views are configured through mutable class attributes
from __future__ import annotations

import tempfile
from typing import Any, Optional
from urllib.parse import quote

from flask import Response, abort, g, request, send_file, stream_with_context
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.org import Cohort
from app.security.errors import optional_int
from app.services import national_export, proof_zip
from app.services.national_export import NationalFilter
from app.services.national_format import NATIONAL, field_set

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IDS = 20_000
CATEGORY = dict(category="EmploymentPlan", category_label=_l("Employment plan"), category_icon="fa-table")


def cohorts() -> list[Cohort]:
    return list(db.session.execute(select(Cohort).order_by(Cohort.is_current.desc(), Cohort.year.desc())).scalars())


def chosen_cohort(value: Any) -> Optional[Cohort]:
    """The cohort asked for, else the current one, else the newest."""
    cohort_id = optional_int(value)
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort is None and value not in (None, ""):
        return None
    return cohort or next(iter(cohorts()), None)


def parse_ids(text: Optional[str]) -> Optional[list[int]]:
    """'1,2,3' -> [1, 2, 3]; None when no selection was sent; malformed ids are dropped, too many refused."""
    if text is None:
        return None
    ids = [n for n in (optional_int(part) for part in text.split(",")) if n is not None and n > 0]
    if len(ids) > MAX_IDS:
        abort(400)
    return ids


def attachment(name: str) -> str:
    """Content-Disposition for a Chinese file name: an ASCII fallback plus RFC 5987 UTF-8."""
    return f"attachment; filename=\"download{name[name.rfind('.'):]}\"; filename*=UTF-8''{quote(name)}"


class NationalExportView(BaseView):
    """就业方案数据下载: the page, the workbook and the proof-file zip."""

    route_base = "/national"
    class_permission_name = "NationalExport"
    default_view = "plan"
    method_permission_name = dict.fromkeys(("plan", "plan_download", "proofs_download"), "download")
    base_permissions = ["can_download"]

    @expose("/plan/")
    @has_access
    def plan(self) -> Any:
        cohort = chosen_cohort(request.args.get("cohort"))
        approved = national_export.count(NationalFilter(plan=True, cohort_id=cohort.id), g.user) if cohort else 0
        everyone = national_export.count(NationalFilter(plan=True, cohort_id=cohort.id, approved_only=False),
                                         g.user) if cohort else 0
        with_destination = national_export.count(NationalFilter(cohort_id=cohort.id), g.user) if cohort else 0
        files = proof_zip.count(NationalFilter(cohort_id=cohort.id), g.user) if cohort else (0, 0)
        return self.render_template("national/plan.html", title=_("Employment plan data download"),
                                    cohorts=cohorts(), cohort=cohort, graduates=everyone, approved=approved,
                                    with_destination=with_destination, files=files,
                                    headers=field_set(NATIONAL).headers)

    @expose("/plan/download")
    @has_access
    def plan_download(self) -> Any:
        """The cohort's plan as the national file; only approved destinations unless states=all."""
        cohort = chosen_cohort(request.args.get("cohort"))
        if cohort is None:
            abort(404)
        approved_only = request.args.get("states") != "all"
        f = NationalFilter(plan=True, cohort_id=cohort.id, approved_only=approved_only)
        fh = tempfile.TemporaryFile()  # noqa: SIM115 - flat memory: built on disk; send_file closes it
        national_export.write_national(fh, f, g.user, NATIONAL, action="export.plan")
        fh.seek(0)
        name = _("Employment plan data %(cohort)s.xlsx", cohort=cohort.name)
        return send_file(fh, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)

    @expose("/proofs/download")
    @has_access
    def proofs_download(self) -> Any:
        """The proof files of a cohort (optionally a department), or of the selected destinations (ids=…)."""
        cohort = chosen_cohort(request.args.get("cohort"))
        ids = parse_ids(request.args.get("ids"))
        if cohort is None and ids is None:
            abort(404)
        f = NationalFilter(cohort_id=None if ids is not None else cohort.id,
                           department_id=optional_int(request.args.get("department")), destination_ids=ids)
        chunks = proof_zip.export(f, g.user)
        label = cohort.name if ids is None and cohort else _("selection")
        response = Response(stream_with_context(chunks), mimetype="application/zip")
        response.headers["Content-Disposition"] = attachment(_("Proof files %(what)s.zip", what=label))
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def register_national_views(appbuilder: AppBuilder) -> None:
    """The menu entries (the reconciliation screen included) under 就业方案."""
    from app.views.reconcile import ReconcileView

    appbuilder.add_view(NationalExportView, "NationalExport", label=_l("Employment plan data download"),
                        icon="fa-download", **CATEGORY)
    appbuilder.add_view(ReconcileView, "Reconcile", label=_l("Reconcile with the national system"),
                        icon="fa-balance-scale", **CATEGORY)
