"""The landing page: who you are, what your scope is, where to start."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import func, select

from app.extensions import db
from app.models.graduate import Graduate
from app.scope import scope_clause
from app.security.roles import STUDENT, role_names
from app.views.student import own_graduate, status_context


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self) -> Any:
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(url_for("GemsAuthDBView.login"))
        visible = db.session.execute(select(func.count()).select_from(Graduate).where(
            scope_clause(Graduate, user))).scalar_one()
        mine = own_graduate() if STUDENT in role_names(user) else None
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user,
                                    roles=sorted(role_names(user)), visible=visible, graduate=mine,
                                    **(status_context(mine) if mine is not None else {}))
