"""Grants, menu roles and permission labels of the agreements issue's screens, one module per part (employers,
numbers, signing, terminations, documents, offline signing), merged into app.security.roles, .menus and .labels —
so each part declares its screens' permissions next to its own views."""
from __future__ import annotations

from importlib import import_module
from typing import Any

PARTS = ("employer_portal", "numbers", "signing", "agreement_review", "terminations", "documents", "offline")


def _modules() -> list[Any]:
    return [import_module(f"app.security.grants.{part}") for part in PARTS]


def part_grants() -> dict[str, dict[str, tuple[str, ...]]]:
    """role -> view -> permissions, over every part (a view granted by two parts gets the union)."""
    merged: dict[str, dict[str, tuple[str, ...]]] = {}
    for module in _modules():
        for role, grants in getattr(module, "GRANTS", {}).items():
            mine = merged.setdefault(role, {})
            for view, permissions in grants.items():
                mine[view] = tuple(dict.fromkeys((*mine.get(view, ()), *permissions)))
    return merged


def part_menus() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for module in _modules():
        out.update(getattr(module, "MENUS", {}))
    return out


def part_labels() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for module in _modules():
        out.update(getattr(module, "VIEW_LABELS", {}))
    return out
