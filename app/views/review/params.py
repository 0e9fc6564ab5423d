"""Turns request arguments into a ReviewFilter and back into links, so every screen reads filters the same way."""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from flask import g, request, session
from werkzeug.datastructures import MultiDict

from app.security.errors import optional_int
from app.services import preferences
from app.services.review.query import PAGE_SIZES, ReviewFilter
from app.services.review.workspace import Workspace, source

COMMON_ARGS = ("cohort", "department", "major", "status", "q", "pasted", "excluded")


def _int(value: Any) -> int | None:
    return optional_int(value)  # malformed or beyond any id: ignored, never sent to SQL


def filter_args_of(ws: Workspace) -> tuple[str, ...]:
    """The URL arguments a workspace's list reads: the common ones and the workspace's own filters."""
    own = [arg for flt in ws.filters for arg in (flt.arg, *flt.reads) if arg not in COMMON_ARGS]
    return COMMON_ARGS[:4] + tuple(dict.fromkeys(own)) + COMMON_ARGS[4:]


def paste_key(ws: Workspace) -> str:
    return f"{ws.pref_key}.pasted"


def filter_from(args: MultiDict, ws: Optional[Workspace] = None) -> ReviewFilter:
    """The filter in the request (GET args or a POSTed form); unknown or malformed values are ignored."""
    ws = ws or source()
    pasted: list[str] = []
    if args.get("pasted") == "1":
        pasted = list(preferences.get(g.user.id, paste_key(ws), []) or [])
    extra = {}
    for flt in ws.filters:
        value = flt.parse(args.get(flt.arg) or "", *((args.get(arg) or "") for arg in flt.reads))
        if value is not None:
            extra[flt.arg] = value
    return ReviewFilter(
        cohort_id=_int(args.get("cohort")),
        department_id=_int(args.get("department")),
        major_ids=[m for m in (_int(v) for v in args.getlist("major")) if m],
        status=(args.get("status") or "")[:20] or None,
        keyword=(args.get("q") or "").strip()[:40],
        pasted=pasted,
        include_excluded=args.get("excluded") == "1",
        extra=extra,
    )


def filter_args(args: MultiDict, ws: Optional[Workspace] = None) -> list[tuple[str, str]]:
    """The filter part of the args, to carry into pagination, sort and export links."""
    return [(k, v) for k in filter_args_of(ws or source()) for v in args.getlist(k) if v not in (None, "")]


def link(base: str, args: MultiDict, ws: Optional[Workspace] = None, **changes: Any) -> str:
    pairs = [(k, v) for k, v in filter_args(args, ws) if k not in changes]
    for key in ("sort", "dir", "page"):
        if key not in changes and args.get(key):
            pairs.append((key, args[key]))
    pairs += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _slot(ws: Workspace) -> str:
    return "_gems_review_prefs" if ws.name == "source" else f"_gems_review_prefs_{ws.name}"


def settings(ws: Optional[Workspace] = None) -> dict[str, Any]:
    """The user's remembered columns and page size; cached in the session so a page view costs no query."""
    ws = ws or source()
    slot = _slot(ws)
    cached = session.get(slot)
    if cached is None or cached.get("user") != g.user.id:
        stored = preferences.get(g.user.id, ws.pref_key, {}) or {}
        cached = {"user": g.user.id, "columns": stored.get("columns") or [],
                  "page_size": stored.get("page_size") or PAGE_SIZES[0]}
        session[slot] = cached
    return cached


def save_settings(columns: list[str], page_size: int, ws: Optional[Workspace] = None) -> None:
    ws = ws or source()
    value = {"columns": columns, "page_size": page_size if page_size in PAGE_SIZES else PAGE_SIZES[0]}
    preferences.put(g.user.id, ws.pref_key, value)
    session[_slot(ws)] = {"user": g.user.id, **value}


def page_size(ws: Optional[Workspace] = None) -> int:
    requested = _int(request.args.get("size"))
    return requested if requested in PAGE_SIZES else int(settings(ws)["page_size"])
