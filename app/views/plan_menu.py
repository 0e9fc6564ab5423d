"""Registers the employment-plan screens (lock, statistics, the graduate's confirmation) with their menu places."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

CATEGORY = dict(category="EmploymentPlan", category_label=_l("Employment plan"), category_icon="fa-line-chart")


def register_plan_views(appbuilder: Any) -> None:
    from app.services import statistics_cli  # noqa: F401  (adds `gems snapshot-stats` to the command group)
    from app.views.plan import PlanLockView
    from app.views.statistics import StatisticsView
    from app.views.student import CATEGORY as STUDENT_SERVICES
    from app.views.student_plan import StudentPlanView

    appbuilder.add_view(StatisticsView, "PlacementStatistics", label=_l("Placement rate statistics"),
                        icon="fa-bar-chart", **CATEGORY)
    appbuilder.add_view(PlanLockView, "PlanLockPage", label=_l("Employment plan lock"), icon="fa-lock", **CATEGORY)
    appbuilder.add_view(StudentPlanView, "MyPlan", label=_l("Confirm my employment plan"), icon="fa-check-circle",
                        **STUDENT_SERVICES)
