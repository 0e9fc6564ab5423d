"""Menus show what a role's work needs: an entry declared for some roles is hidden from everyone else, even when
the admin's blanket permissions would let FAB show it. Menu visibility only — what a user may open is unchanged."""
from __future__ import annotations

from typing import Any

from app.security.roles import STUDENT, role_names

# menu category or item name -> the roles whose work it serves (undeclared entries: whoever may open them)
MENU_ROLES: dict[str, frozenset[str]] = {
    "StudentServices": frozenset({STUDENT}),
    "MySourceInfo": frozenset({STUDENT}),
    "MyChangeRequests": frozenset({STUDENT}),
    "MyPlan": frozenset({STUDENT}),
}


def _merge_parts() -> None:
    from app.security.grants import part_menus

    MENU_ROLES.update(part_menus())


_merge_parts()


def serves(name: str, user: Any) -> bool:
    """False when the entry is declared for roles the user holds none of."""
    wanted = MENU_ROLES.get(name)
    return wanted is None or bool(wanted & role_names(user))


def install() -> None:
    """Wrap FAB's navbar filter `is_menu_visible` before FAB registers its template filters (idempotent)."""
    from flask import g
    from flask_appbuilder.filters import TemplateFilters

    original = TemplateFilters.is_menu_visible
    if getattr(original, "_gems_menus", False):
        return

    def is_menu_visible(self: Any, item: Any) -> bool:
        return original(self, item) and serves(item.name, getattr(g, "user", None))

    is_menu_visible._filter = "is_menu_visible"  # type: ignore[attr-defined]
    is_menu_visible._gems_menus = True  # type: ignore[attr-defined]
    TemplateFilters.is_menu_visible = is_menu_visible
