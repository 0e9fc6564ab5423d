"""Display formatters shared by lists, exports and show pages: coded values as translated labels, yes/no."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from app.validation import label_of
from app.validation.codes import Choices
from app.validation.i18n import _ as translate_code_label


def code_label(choices: Choices, code: Any) -> str:
    """A stored national code as its translated label (the code itself when unknown, empty for None)."""
    label = label_of(choices, code)
    return translate_code_label(label) if label else (code or "")


def coded(choices: Choices) -> Callable[[Any], str]:
    """A formatters_columns entry for a coded column."""
    return lambda value: code_label(choices, value)


def yes_no(value: Any) -> str:
    """Booleans as words, not True/False."""
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def blank_if_none(value: Any) -> Any:
    """Empty optional fields show as empty, not as the word None."""
    return "" if value is None else value
