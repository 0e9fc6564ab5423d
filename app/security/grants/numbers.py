"""Grants of the numbers part's screens (merged into ROLE_GRANTS by app.security.grants): the school keeps the pool
and reviews requests; the graduate sees their own numbers and asks for a new one."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, SCHOOL, STUDENT

_REVIEW = ("can_list", "can_show", "can_decide", "can_notify", "can_export", "can_print")

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    SCHOOL: {
        "Agreements": ("menu_access",),  # the 三方协议 category
        "AgreementNumbers": ("menu_access", "can_list", "can_add", "can_import", "can_edit"),
        "NumberRequestReview": ("menu_access", *_REVIEW),
        "NumberRequestReviewApi": ("can_get", "can_decide"),
    },
    STUDENT: {
        "MyAgreementNumber": ("menu_access",),
        "StudentAgreementNumber": ("can_access",),
    },
}
MENUS: dict[str, frozenset[str]] = {
    "AgreementNumbers": frozenset({SCHOOL, ADMIN}),
    "NumberRequestReview": frozenset({SCHOOL, ADMIN}),
    "MyAgreementNumber": frozenset({STUDENT}),
}
VIEW_LABELS: dict[str, Any] = {
    "StudentAgreementNumber": _l("My agreement number"),
    "NumberRequestReviewApi": _l("Agreement number requests (API)"),
}
