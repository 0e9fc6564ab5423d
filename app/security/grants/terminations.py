"""Grants of the terminations part's screens (merged into ROLE_GRANTS by app.security.grants)."""
from __future__ import annotations

from typing import Any

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT  # noqa: F401

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {}
MENUS: dict[str, frozenset[str]] = {}
VIEW_LABELS: dict[str, Any] = {}
