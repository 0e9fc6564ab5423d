"""One Redis client per app (its own connection pool), for what several servers share: jobs, caches' generations."""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, current_app

EXTENSION = "gems_redis"


def client(app: Optional[Flask] = None) -> Optional[Any]:
    """The app's Redis client, or None when REDIS_URL is not set (`make run`)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    cached = app.extensions.get(EXTENSION)
    if cached is None or cached[0] != url:
        import redis

        cached = (url, redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5))
        app.extensions[EXTENSION] = cached
    return cached[1]
