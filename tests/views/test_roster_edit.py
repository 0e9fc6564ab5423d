"""A reviewer's roster edit is saved and audited old → new (the scope check must not swallow the change history)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from tests.views.review_helpers import make_graduates


def test_school_edit_of_a_graduate_is_audited_with_old_and_new(app: Any, as_role: Any) -> None:
    with app.app_context():
        (gid,) = make_graduates(1, "secondary", "101", prefix="RE")
        graduate = db.session.get(Graduate, gid)
        old_name, department, major = graduate.name, graduate.department_id, graduate.major_id
        before = db.session.execute(select(func.max(AuditLog.seq))).scalar() or 0  # ids are reused on SQLite
    b = as_role("school")
    response = b.post_form(f"/graduates/edit/{gid}", {"name": "改名后", "department": str(department),
                                                      "major": str(major)})
    assert response.status_code in (200, 302)
    with app.app_context():
        assert db.session.get(Graduate, gid).name == "改名后"
        entry = db.session.execute(select(AuditLog).where(AuditLog.action == "graduate.form_saved",
                                                          AuditLog.target_id == str(gid),
                                                          AuditLog.seq > before)).scalars().one()
        assert json.loads(entry.detail)["changes"]["name"] == [old_name, "改名后"]
