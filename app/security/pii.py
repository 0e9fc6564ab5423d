"""X-3: ID numbers and phones are masked unless the user holds the full-view permission; one place decides."""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app, g, has_request_context

from app.validation.idcard import mask_id
from app.validation.phone import mask_phone

PERMISSION = "can_see_full"
VIEW_MENU = "PersonalData"


def can_see_full(user: Any = None) -> bool:
    """Whether `user` (default: the request's user) may see unmasked ID numbers and phone numbers.

    Asks the security manager, whose per-request permission cache makes this free after the first check.
    """
    if user is None:
        user = getattr(g, "user", None) if has_request_context() else None
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(current_app.appbuilder.sm._has_view_access(user, PERMISSION, VIEW_MENU))


def show_id(value: Optional[str], user: Any = None) -> str:
    """The ID number as this user may see it."""
    if not value:
        return ""
    return value if can_see_full(user) else mask_id(value)


def show_phone(value: Optional[str], user: Any = None) -> str:
    """The phone number as this user may see it."""
    if not value:
        return ""
    return value if can_see_full(user) else mask_phone(value)
