"""One log line per request, with the request id the error page shows; JSON lines when GEMS_LOG_FORMAT=json."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Flask, g, has_request_context, request

LOGGER = "gems.request"


class RequestIdFilter(logging.Filter):
    """Every record written during a request carries its id, so a traceback and its request line join up."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id() if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """A log line a collector can parse: time, level, logger, message, request id and the request fields."""

    FIELDS = ("request_id", "method", "path", "status", "ms", "user_id", "remote")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                                "logger": record.name, "message": record.getMessage()}
        line.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _request_id() -> str:
    from app.views.error_pages import request_id

    return request_id()


def _started() -> None:
    g.gems_started = time.perf_counter()


def _finished(response: Any) -> Any:
    rid = _request_id()
    response.headers["X-Request-ID"] = rid
    if request.endpoint in ("static", "appbuilder.static", "health.healthz"):
        return response
    user = g.get("user")
    logging.getLogger(LOGGER).info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={"request_id": rid, "method": request.method, "path": request.path, "status": response.status_code,
               "ms": round((time.perf_counter() - g.get("gems_started", time.perf_counter())) * 1000, 1),
               "user_id": getattr(user, "id", None), "remote": request.remote_addr})
    return response


def init_request_log(app: Flask) -> None:
    """Request lines at INFO on `gems.request` (JSON when configured); the id on the app logger's records too."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config.get("GEMS_LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    requests = logging.getLogger(LOGGER)
    requests.handlers = [handler]
    requests.propagate = False
    requests.setLevel(app.config.get("GEMS_REQUEST_LOG_LEVEL", "INFO"))
    app.logger.addFilter(RequestIdFilter())  # the app's own error lines carry the id too, whatever their handler
    app.before_request(_started)
    app.after_request(_finished)
