"""The landing page is each role's dashboard: what awaits me, how far the cohort is, what needs the admin."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.models.employer import EMPLOYER_STATUSES
from app.security.roles import ADMIN, STUDENT, role_names
from app.services import dashboard, notify
from app.services.employer_registration import employer_of, is_employer_account
from app.timeutil import local_display
from app.views.student import own_graduate, status_context


def _chart_data(progress: list[dashboard.Figure], colleges: list[dashboard.CollegeProgress]) -> dict[str, Any]:
    """What dashboard.js draws: the same numbers and links as the tables (the charts never count on their own)."""
    series = [f for f in progress if f.key != "submitted"]
    return {
        "progress": [{"name": f.label, "key": f.key, "value": f.count, "link": f.link} for f in series],
        "colleges": [c.name for c in colleges],
        "by_college": [{"name": f.label, "key": f.key,
                        "data": [{"value": c.figures[i].count, "link": c.figures[i].link} for c in colleges]}
                       for i, f in enumerate(colleges[0].figures) if f.key not in ("submitted",)] if colleges else [],
    }


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self) -> Any:
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(url_for("GemsAuthDBView.login"))
        roles = role_names(user)
        context: dict[str, Any] = {"user": user, "roles": sorted(roles), "local": local_display,
                                   "is_student": STUDENT in roles}
        if STUDENT in roles:
            context.update(self._student(user))
        elif is_employer_account(user):  # issue 12: its registration and its agreements by state
            context.update(is_employer=True, employer=employer_of(user), employer_states=EMPLOYER_STATUSES,
                           agreements=dashboard.employer_agreements(user), unread=notify.unread_count(user.id))
        else:
            cohort = dashboard.current_cohort()
            progress = dashboard.progress(user, cohort)
            colleges = dashboard.progress_by_college(user, cohort)
            context.update(cohort=cohort, work=dashboard.work_for(user, cohort), progress=progress,
                           colleges=colleges, chart=_chart_data(progress, colleges) if progress else None)
        if ADMIN in roles:
            context.update(locks=dashboard.locked_accounts(), jobs=dashboard.import_jobs(),
                           verify=dashboard.last_verify())
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)

    @staticmethod
    def _student(user: Any) -> dict[str, Any]:
        mine = own_graduate()
        context: dict[str, Any] = {"graduate": mine, "unread": notify.unread_count(user.id)}
        if mine is not None:
            context.update(status_context(mine), cohort=mine.cohort,
                           my_changes=dashboard.change_requests_of(user, mine.id))
        return context
