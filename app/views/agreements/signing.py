"""Screens of the signing part of tripartite agreements (issue 12)."""
from __future__ import annotations

from typing import Any


def register(appbuilder: Any) -> None:
    """Add this part's views to FAB."""
