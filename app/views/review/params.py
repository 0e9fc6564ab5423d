"""Turns request arguments into a ReviewFilter and back into links, so every screen reads filters the same way."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import g, request, session
from werkzeug.datastructures import MultiDict

from app.security.errors import optional_int
from app.services import preferences
from app.services.review.query import PAGE_SIZES, ReviewFilter

PREF_KEY = "review.source"
PASTE_KEY = "review.source.pasted"
FILTER_ARGS = ("cohort", "department", "major", "status", "origin", "submitted", "q", "pasted", "excluded")


def _int(value: Any) -> int | None:
    return optional_int(value)  # malformed or beyond any id: ignored, never sent to SQL


def filter_from(args: MultiDict) -> ReviewFilter:
    """The filter in the request (GET args or a POSTed form); unknown or malformed values are ignored."""
    submitted = {"yes": True, "no": False}.get(args.get("submitted", ""))
    pasted: list[str] = []
    if args.get("pasted") == "1":
        pasted = list(preferences.get(g.user.id, PASTE_KEY, []) or [])
    return ReviewFilter(
        cohort_id=_int(args.get("cohort")),
        department_id=_int(args.get("department")),
        major_ids=[m for m in (_int(v) for v in args.getlist("major")) if m],
        status=args.get("status") or None,
        origin=(args.get("origin") or "").strip() or None,
        submitted=submitted,
        keyword=(args.get("q") or "").strip()[:40],
        pasted=pasted,
        include_excluded=args.get("excluded") == "1",
    )


def filter_args(args: MultiDict) -> list[tuple[str, str]]:
    """The filter part of the args, to carry into pagination, sort and export links."""
    return [(k, v) for k in FILTER_ARGS for v in args.getlist(k) if v not in (None, "")]


def link(base: str, args: MultiDict, **changes: Any) -> str:
    pairs = [(k, v) for k, v in filter_args(args) if k not in changes]
    for key in ("sort", "dir", "page"):
        if key not in changes and args.get(key):
            pairs.append((key, args[key]))
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{base}?{urlencode(pairs)}" if pairs else base


def settings() -> dict[str, Any]:
    """The user's remembered columns and page size; cached in the session so a page view costs no query."""
    cached = session.get("_gems_review_prefs")
    if cached is None or cached.get("user") != g.user.id:
        stored = preferences.get(g.user.id, PREF_KEY, {}) or {}
        cached = {"user": g.user.id, "columns": stored.get("columns") or [],
                  "page_size": stored.get("page_size") or PAGE_SIZES[0]}
        session["_gems_review_prefs"] = cached
    return cached


def save_settings(columns: list[str], page_size: int) -> None:
    value = {"columns": columns, "page_size": page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]}
    preferences.put(g.user.id, PREF_KEY, value)
    session["_gems_review_prefs"] = {"user": g.user.id, **value}


def page_size() -> int:
    requested = _int(request.args.get("size"))
    return requested if requested in PAGE_SIZES else int(settings()["page_size"])
