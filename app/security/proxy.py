"""Forwarding headers are trusted only from the configured number of proxies in front of the app (GEMS_PROXY_HOPS).

With 0 (the default) the client's own X-Forwarded-* headers are ignored and request.remote_addr is the peer; with
n, werkzeug's ProxyFix takes the n-th address from the right, the one our own outermost proxy saw. X-Real-IP is
never read. The hop count is read from the app's config on each request (tests change it in place).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxies:
    """WSGI middleware: ProxyFix with x_for/x_proto/x_host = GEMS_PROXY_HOPS, or nothing at 0."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._fixes: dict[int, ProxyFix] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        hops = int(self.app.config.get("GEMS_PROXY_HOPS", 0) or 0)
        if hops <= 0:
            return self.wsgi_app(environ, start_response)
        if hops not in self._fixes:
            self._fixes[hops] = ProxyFix(self.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        return self._fixes[hops](environ, start_response)


def trust_proxies(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(app)  # type: ignore[method-assign]
