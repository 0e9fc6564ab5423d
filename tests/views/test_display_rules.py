"""The display rule holds on every generated list and show page: no True/False/None, no raw enum values."""
from __future__ import annotations

import re
from typing import Any

from flask_appbuilder import ModelView
from sqlalchemy import select

from app.extensions import db

RAW = re.compile(r">\s*(True|False|None)\s*<")
RAW_KIND = re.compile(r">\s*(school|college|unit)\s*<")


def test_every_list_and_show_page_uses_the_display_rule(app: Any, as_role: Any) -> None:
    b = as_role("admin")
    checked = 0
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView) or not getattr(view, "datamodel", None):
            continue
        listing = b.get(f"{view.route_base}/list/")
        if listing.status_code != 200:
            continue
        html = listing.get_data(as_text=True)
        assert not RAW.search(html), (view.route_base, RAW.search(html).group(0))
        model = view.datamodel.obj
        with app.app_context():
            pk = db.session.execute(select(model.__mapper__.primary_key[0]).limit(1)).scalar()
        if pk is not None and "can_show" in (view.base_permissions or ["can_show"]):
            show = b.get(f"{view.route_base}/show/{pk}")
            if show.status_code == 200:
                found = RAW.search(show.get_data(as_text=True))
                assert not found, (view.route_base, "show", found and found.group(0))
        checked += 1
    assert checked >= 10


def test_department_kind_and_flags_read_as_words(app: Any, as_role: Any) -> None:
    from app.models.org import Department

    with app.app_context():
        unit = db.session.execute(select(Department.id).where(Department.code == "10101")).scalar_one()
    html = as_role("admin").get(f"/departments/show/{unit}").get_data(as_text=True)
    cells = [re.sub(r"<[^>]+>|\s+", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
    assert "下设单位" in cells and "是" in cells, cells
    assert not RAW_KIND.search(html)
