"""GET /healthz for a load balancer: 200 when the database answers and is migrated (and Redis, when configured)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify

from app.services import health

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Any:
    """No sign-in (the balancer has none) and nothing secret: per check ok, time, and an error class on failure."""
    result = health.check()
    response = jsonify(result.as_json())
    response.status_code = 200 if result.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_health(app: Flask) -> None:
    app.register_blueprint(blueprint)
