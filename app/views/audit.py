"""X-2: the admin browses and filters the audit log; it is read-only by construction."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models.audit import AuditLog
from app.views.base import ScopedModelView, interface


class AuditLogModelView(ScopedModelView):
    datamodel = interface(AuditLog)
    class_permission_name = "AuditLog"
    route_base = "/audit"
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("Audit log")
    label_columns = {"seq": _l("No."), "at": _l("Time"), "actor_name": _l("User"), "ip": _l("Address"),
                     "action": _l("Action"), "target_type": _l("Object type"), "target_id": _l("Object"),
                     "detail": _l("Details"), "hash": _l("Hash"), "prev_hash": _l("Previous hash"),
                     "key_id": _l("Key ID")}
    list_columns = ["seq", "at", "actor_name", "ip", "action", "target_type", "target_id", "detail"]
    show_columns = ["seq", "at", "actor_name", "ip", "action", "target_type", "target_id", "detail",
                    "prev_hash", "hash", "key_id"]
    search_columns = ["at", "actor_name", "ip", "action", "target_type", "target_id"]
    order_columns = ["seq", "at", "actor_name", "action"]
    base_order = ("seq", "desc")
    page_size = 50
