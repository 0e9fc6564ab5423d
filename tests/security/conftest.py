"""Fixtures the security tests share."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def backstop_hits() -> Iterator[list[logging.LogRecord]]:
    """Bad input the guards missed and only the database caught: counted as a failure, never hidden."""
    hits: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = hits.append  # type: ignore[method-assign]
    logger = logging.getLogger("gems.bad_input")
    logger.addHandler(handler)
    yield hits
    logger.removeHandler(handler)
