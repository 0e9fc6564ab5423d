"""One rule for every redirect target and back link taken from a request: a path on this site, or the fallback."""
from __future__ import annotations

import unicodedata
from typing import Optional
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, request


def is_safe_path(target: object) -> bool:
    """True for a same-origin relative path ("/x?y"): one leading slash, no scheme, host, backslash or control."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(_unsafe_char(ch) for ch in target):
        return False
    # the path as a server or browser may decode it once must not turn into "//host" or "/\host" either
    path = unquote(target.split("?", 1)[0].split("#", 1)[0])
    if path.startswith("//") or "\\" in path or any(_unsafe_char(ch) for ch in path):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _unsafe_char(ch: str) -> bool:
    """Control, format (zero-width, bidi) and unassigned characters, and any whitespace (tabs, newlines, U+3000)."""
    return unicodedata.category(ch)[0] in {"C", "Z"} or ch.isspace()


def safe_path(target: Optional[str], fallback: str) -> str:
    """`target` when it is a same-origin relative path, else `fallback` (which the caller builds, e.g. url_for)."""
    return target if is_safe_path(target) else fallback


def own_path(url: Optional[str], fallback: str) -> str:
    """Like safe_path, but also accepts an absolute URL on this request's own origin (a Referer, FAB's page
    history, the `next=` FAB's login redirect builds from request.url) and returns it as a path."""
    if isinstance(url, str) and has_request_context():
        for root in {request.host_url, request.host_url.replace("http://", "https://", 1)}:
            if url.startswith(root):
                url = "/" + url[len(root):]
                break
    return safe_path(url, fallback)


def index_path() -> str:
    """The app's home page: the fallback when nothing safe was given."""
    try:
        return safe_path(current_app.appbuilder.get_url_for_index, "/")
    except Exception:  # noqa: BLE001 - outside a request or before the index view is registered
        return "/"
