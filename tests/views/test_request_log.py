"""Every request leaves one log line carrying the id the response (and a 500 page) shows; JSON when configured."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from app.request_log import LOGGER, JsonFormatter, RequestIdFilter
from tests.conftest import Browser


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture()
def lines() -> Iterator[Lines]:
    logger = logging.getLogger(LOGGER)
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_request_line_carries_the_id_the_response_names(app: Any, as_role: Any, lines: Lines) -> None:
    b: Browser = as_role("college_a")
    response = b.get("/review/source/?q=1")
    rid = response.headers["X-Request-ID"]
    found = [r for r in lines.records if r.request_id == rid]
    assert len(found) == 1, [(r.getMessage(), r.request_id) for r in lines.records]
    line = found[0]
    assert (line.method, line.path, line.status) == ("GET", "/review/source/", response.status_code)
    assert line.user_id is not None and line.ms >= 0
    payload = json.loads(JsonFormatter().format(line))
    assert payload["request_id"] == rid and payload["path"] == "/review/source/" and payload["level"] == "INFO"


def test_a_safe_incoming_request_id_is_kept_and_a_hostile_one_replaced(app: Any, lines: Lines) -> None:
    client = app.test_client()
    kept = client.get("/login/", headers={"X-Request-ID": "lb-7f3a9c"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c"
    forged = client.get("/login/", headers={"X-Request-ID": "x<script>alert(1)"})
    assert forged.headers["X-Request-ID"] != "x<script>alert(1)" and "<" not in forged.headers["X-Request-ID"]


def test_records_outside_a_request_get_a_dash() -> None:
    record = logging.LogRecord("gems", logging.INFO, __file__, 1, "boot", None, None)
    assert RequestIdFilter().filter(record) and record.request_id == "-"
