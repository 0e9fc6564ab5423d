"""The one result type every check returns, plus the text normalisation the checks share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .text import compact_text


@dataclass(frozen=True, slots=True)
class Check:
    """Outcome of one check: ok or not, a user-facing message, a suggested fix and the normalised value."""

    ok: bool
    value: Any = None
    message: str | None = None
    suggestion: str | None = None
    warnings: tuple[str, ...] = ()
    code: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    field: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def fail(message: str, value: Any = None, **extra: Any) -> Check:
    """Shorthand for a failed check."""
    return Check(ok=False, value=value, message=message, **extra)


def normalise_text(value: object) -> str:
    """The shared normaliser (invisible characters dropped), then NFKC and no whitespace at all."""
    return compact_text(value)
