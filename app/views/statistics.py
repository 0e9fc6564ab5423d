"""PLAN-3: 就业率统计 — the rate by one dimension at a time, both calibers, counts and rates side by side, each number
a link to the graduates it counts; charts; warnings; Excel export. Scope comes from the services (scope_clause)."""
from __future__ import annotations

import io
from typing import Any, ClassVar, Optional

from flask import abort, g, request, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.excel.writer import write_workbook
from app.extensions import db
from app.models.org import Cohort
from app.models.reference import EVIDENCE_KINDS
from app.services import audit, warnings
from app.services.statistics import CALIBERS, DIMENSIONS, Line, Table, groups, table
from app.services.statistics_charts import chart_data
from app.services.statistics_data import WHOLE_SCHOOL
from app.timeutil import local_display
from app.views.plan import XLSX, chosen_cohort, cohorts, review_link

EMPLOYER_PROBLEMS = {
    "missing": _l("no credit code"),
    "invalid": _l("the credit code fails the GB 32100 check"),
    "unapproved": _l("not yet approved by the school"),
}


def _args() -> tuple[Cohort, str, str]:
    cohort = chosen_cohort()
    if cohort is None:
        abort(404)
    dimension = request.args.get("dimension", "college")
    caliber = request.args.get("caliber", "current")
    if dimension not in DIMENSIONS or caliber not in CALIBERS:
        abort(404)
    return cohort, dimension, caliber


def _cohort_ids(cohort: Cohort, dimension: str) -> list[int]:
    if dimension == "cohort":
        return list(db.session.execute(select(Cohort.id)).scalars())
    return [cohort.id]


def percent(value: Optional[float]) -> str:
    return f"{100 * value:.2f}%" if value is not None else "—"


def link(line: Line, caliber: str, **extra: Any) -> str:
    return review_link(**{**line.filters, **extra, "caliber": caliber if "group" in extra else None})


class StatisticsView(BaseView):
    route_base = "/statistics"
    class_permission_name = "Statistics"
    base_permissions = ["can_show", "can_export"]
    method_permission_name: ClassVar[dict[str, str]] = {"index": "show", "warnings": "show", "export": "export"}
    default_view = "index"

    @expose("/", methods=["GET"])
    @has_access
    def index(self) -> Any:
        cohort, dimension, caliber = _args()
        result = table(_cohort_ids(cohort, dimension), dimension, caliber, g.user)
        by_college = result if dimension == "college" else table([cohort.id], "college", caliber, g.user)
        whole = table([cohort.id], "college", caliber, WHOLE_SCHOOL)  # the school's rate: the charts' reference
        return self.render_template(
            "statistics/index.html", title=_("Placement rate statistics"), cohort=cohort, cohorts=cohorts(),
            dimension=dimension, caliber=caliber, dimensions=DIMENSIONS, calibers=CALIBERS, result=result,
            group_names=groups(caliber), percent=percent, link=link, local_display=local_display,
            charts=chart_data(by_college, cohort, g.user, whole),
            flexible=warnings.flexible_shares(cohort.id, g.user, by_college, whole),
            review_link=review_link)

    @expose("/warnings", methods=["GET"])
    @has_access
    def warnings(self) -> Any:
        """The warnings that read destinations row by row (employers, evidence): a page of their own, so the
        statistics page stays fast on a large cohort."""
        cohort = chosen_cohort()
        if cohort is None:
            abort(404)
        evidence_total, evidence_rows = warnings.missing_evidence(cohort.id, g.user, limit=200)
        return self.render_template(
            "statistics/warnings.html", title=_("Warnings"), cohort=cohort, percent=percent,
            flexible=warnings.flexible_shares(cohort.id, g.user),
            employers=warnings.unverified_employers(cohort.id, g.user), employer_problems=EMPLOYER_PROBLEMS,
            evidence_total=evidence_total, evidence_rows=evidence_rows, evidence_kinds=EVIDENCE_KINDS,
            review_link=review_link)

    @expose("/export", methods=["GET"])
    @has_access
    def export(self) -> Any:
        """The table on screen as Excel: counts and rates side by side, Chinese headers."""
        cohort, dimension, caliber = _args()
        result = table(_cohort_ids(cohort, dimension), dimension, caliber, g.user)
        headers, rows = sheet(result)
        buffer = io.BytesIO()
        write_workbook(buffer, headers=headers, rows=rows, title="就业率统计", text_columns=())
        audit.record("statistics.exported", "cohort", cohort.id, dimension=dimension, caliber=caliber,
                     rows=len(result.lines))
        db.session.commit()
        buffer.seek(0)
        name = f"{cohort.name}毕业去向落实率_{DIMENSIONS[dimension]}_{CALIBERS[caliber]}.xlsx"
        return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)


def sheet(result: Table) -> tuple[list[str], list[list[Any]]]:
    names = groups(result.caliber)
    headers = [str(DIMENSIONS[result.dimension]), "毕业生人数", "落实人数", "毕业去向落实率"]
    for key in result.group_keys:
        headers += [f"{names[key]}人数", f"{names[key]}比例"]
    rows = []
    for line in [*result.lines, result.total]:
        row: list[Any] = [line.label, line.graduates, line.placed, round(line.rate, 4) if line.rate is not None else None]
        for key in result.group_keys:
            share = line.share(key)
            row += [line.by_group.get(key, 0), round(share, 4) if share is not None else None]
        rows.append(row)
    return headers, rows
