"""Tripartite agreements, terminations and the employer portal (issue 12): each part registers its own screens."""
from __future__ import annotations

from importlib import import_module
from typing import Any

from app.security.grants import PARTS


def register_agreement_views(appbuilder: Any) -> None:
    for part in PARTS:
        import_module(f"app.views.agreements.{part}").register(appbuilder)
