"""A Redis queue of the test's own (database 15, a unique name), removed afterwards; jobs really go through it."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture()
def on_queue(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app sends jobs to Redis (a queue named for this test) and keeps files in a temporary instance/."""
    if not redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    name = f"gems-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "GEMS_JOB_QUEUE", name)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    yield name
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
