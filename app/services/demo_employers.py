"""Demo employers with portal accounts employer_a and employer_b (issue 12)."""
from __future__ import annotations


def seed_employer_accounts(password: str) -> None:
    """Idempotent: the two demo employers and their accounts."""
