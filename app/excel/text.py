"""Normalise cell text and header names the way users expect, without mangling Chinese punctuation."""

from __future__ import annotations

import re
import unicodedata

from app.validation.text import FW_ALL, INVISIBLE, clean_text

_WS = re.compile(r"\s+")
_HEADER_REQUIRED_MARK = re.compile(r"^\*+|\*+$|\(必填\)$")


def normalize_text(value: str) -> str:
    """The one text normaliser (app.validation.text.clean_text): full-width, invisible characters, whitespace."""
    return clean_text(value)


def normalize_id_text(value: str) -> str:
    """Like :func:`normalize_text` but folds all full-width ASCII and removes every space.

    ID, student, exam and phone numbers never contain spaces, and users paste them grouped
    ("1101 0519 ..."); letter case is kept (upper-casing an ID's X is the validator's job).
    """
    if not (value.isascii() and value.isprintable()):
        value = value.translate(INVISIBLE).translate(FW_ALL)
    return "".join(value.split())


def normalize_header(value: object) -> str:
    """Key for matching header names: NFKC, no whitespace, no required marks, case-folded."""
    text = unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE)
    text = _WS.sub("", text)
    text = _HEADER_REQUIRED_MARK.sub("", text)
    return text.casefold()


def display_width(value: str) -> int:
    """Approximate column width in Excel units: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
