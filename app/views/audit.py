"""X-2: the admin browses and filters the audit log; it is read-only by construction. Each entry reads as a
sentence (app.services.audit_text); the stored JSON is one click away."""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.models.audit import AuditLog
from app.services.audit_text import actor_label, object_label
from app.views.base import ScopedModelView, interface


def _json_details(value: Any) -> Markup:
    """The raw detail JSON, pretty-printed, folded under a summary line."""
    try:
        text = json.dumps(json.loads(value or "{}"), ensure_ascii=False, indent=1, sort_keys=True)
    except ValueError:
        text = str(value or "")
    return Markup('<details><summary>{}</summary><pre><code>{}</code></pre></details>').format(
        _("Stored data"), escape(text))


def _code(value: Any) -> Markup:
    return Markup("<code>{}</code>").format(value or "")


def _stored_sentence(value: Any) -> Markup:
    """The sentence carries stored values (names, old → new) as they were typed: <samp> marks it as recorded data
    (escaped); its Chinese templates are held complete by the catalog and audit_text tests."""
    return Markup("<samp class=\"gems-sentence\">{}</samp>").format(value or "")


class AuditLogModelView(ScopedModelView):
    datamodel = interface(AuditLog)
    class_permission_name = "AuditLog"
    route_base = "/audit"
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("Audit log")
    label_columns = {"seq": _l("No."), "at": _l("Time"), "actor_name": _l("User"), "ip": _l("Address"),
                     "action": _l("Action code"), "target_type": _l("Object type"), "target_id": _l("Object"),
                     "detail": _l("Details"), "hash": _l("Hash"), "prev_hash": _l("Previous hash"),
                     "key_id": _l("Key ID"), "sentence": _l("What happened")}
    list_columns = ["seq", "at", "actor_name", "ip", "sentence", "detail"]
    show_columns = ["seq", "at", "actor_name", "ip", "sentence", "action", "target_type", "target_id", "detail",
                    "prev_hash", "hash", "key_id"]
    search_columns = ["at", "actor_name", "ip", "action", "target_type", "target_id"]
    order_columns = ["seq", "at", "actor_name"]
    base_order = ("seq", "desc")
    page_size = 50
    formatters_columns = {
        "detail": _json_details,
        "actor_name": actor_label,
        "ip": lambda value: _("this server") if value == "local" else (value or ""),
        "target_type": object_label,
        "action": _code, "hash": _code, "prev_hash": _code, "key_id": _code,
        "sentence": _stored_sentence,
    }
