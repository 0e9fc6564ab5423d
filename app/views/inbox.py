"""MSG-3 inbox: each account reads its own notifications; the unread count shows in the navbar on every page."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models.notification import Notification
from app.security.errors import bounded_int
from app.services import notify

PAGE_SIZE = 20


class InboxView(BaseView):
    """Recipient-only by construction: every query filters on the signed-in user's id."""

    route_base = "/inbox"
    class_permission_name = "Inbox"
    method_permission_name = {"index": "list", "read": "list", "read_all": "list"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self) -> Any:
        page = max(request.args.get("page", 1, type=bounded_int), 1)
        mine = Notification.user_id == g.user.id
        total = db.session.execute(select(func.count()).select_from(Notification).where(mine)).scalar_one()
        rows = db.session.execute(select(Notification).where(mine).order_by(Notification.id.desc())
                                  .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars().all()
        items = [(n, notify.render(n)) for n in rows]
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return self.render_template("inbox/index.html", items=items, page=page, pages=pages, total=total,
                                    title=_l("My messages"))

    @expose("/read/<int:pk>", methods=["POST"])
    @has_access
    def read(self, pk: int) -> Any:
        """Mark one of my messages read and follow its link (a link outside GEMS is never followed)."""
        notify.mark_read(g.user.id, [pk])
        link = db.session.execute(select(Notification.link).where(
            Notification.id == pk, Notification.user_id == g.user.id)).scalar()
        db.session.commit()
        if link and link.startswith("/") and not link.startswith("//"):
            return redirect(link)
        return redirect(url_for("InboxView.index"))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self) -> Any:
        notify.mark_read(g.user.id)
        db.session.commit()
        return redirect(url_for("InboxView.index"))


def init_inbox(app: Flask) -> None:
    """`gems_unread_count()` in templates: the count loaded with the user, else one COUNT on an index."""

    @app.context_processor
    def unread() -> dict[str, Any]:
        def gems_unread_count() -> int:
            user = getattr(g, "user", None)
            if user is None or not getattr(user, "is_authenticated", False):
                return 0
            cached = getattr(user, "_gems_unread", None)  # loaded with the user (app.security.request_cache)
            return cached if cached is not None else notify.unread_count(user.id)

        return {"gems_unread_count": gems_unread_count}
