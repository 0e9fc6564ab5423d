"""Demo agreements in every state, through the engine (issue 12)."""
from __future__ import annotations


def seed_agreements() -> str:
    """Idempotent; returns a one-line report."""
    return "agreements: none"
