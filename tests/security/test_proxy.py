"""Forwarding headers are believed only from the configured proxies (GEMS_PROXY_HOPS): none by default."""
from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.security import LoginThrottle
from tests.conftest import Browser

PEER = "10.77.0.5"  # the address the TCP connection comes from (our proxy, or the client itself)
SPOOFED = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Real-IP": "192.0.2.44"}


@pytest.fixture()
def hops(app: Any) -> Iterator[Any]:
    """hops(n) sets GEMS_PROXY_HOPS for this test; restored afterwards."""
    before = app.config["GEMS_PROXY_HOPS"]

    def set_hops(n: int) -> None:
        app.config["GEMS_PROXY_HOPS"] = n

    yield set_hops
    app.config["GEMS_PROXY_HOPS"] = before


def failed_login(app: Any) -> tuple[str, str]:
    """A failed sign-in with spoofed headers; returns (lockout's last_ip, the audit row's ip) for it."""
    name = f"proxy-{uuid.uuid4().hex[:8]}"
    b = Browser(app.test_client())
    b.client.environ_base["REMOTE_ADDR"] = PEER
    b.post_form("/login/", {"username": name, "password": "Wrong-pass-1"}, headers=SPOOFED)
    with app.app_context():
        last_ip = db.session.get(LoginThrottle, name).last_ip
        audit_ip = db.session.execute(select(AuditLog.ip).where(AuditLog.action == "login.failed",
                                                                AuditLog.target_id == name)).scalar_one()
        db.session.query(LoginThrottle).filter_by(username=name).delete()
        db.session.commit()
    return last_ip, audit_ip


def test_default_trusts_no_forwarding_header(app: Any) -> None:
    """With no proxy configured the client's X-Forwarded-For and X-Real-IP are ignored: the peer is recorded."""
    assert app.config["GEMS_PROXY_HOPS"] == 0
    assert failed_login(app) == (PEER, PEER)


def test_one_hop_takes_the_address_our_proxy_saw(app: Any, hops: Any) -> None:
    """With one proxy, only the right-most X-Forwarded-For entry (added by it) counts, never X-Real-IP."""
    hops(1)
    assert failed_login(app) == ("203.0.113.9", "203.0.113.9")


def test_two_hops_take_the_second_from_the_right(app: Any, hops: Any) -> None:
    """The hop count is exact: two proxies believe two entries from the right."""
    hops(2)
    assert failed_login(app) == ("198.51.100.1", "198.51.100.1")


def test_forwarded_proto_and_host_need_the_hop_too(app: Any, hops: Any) -> None:
    """X-Forwarded-Proto/-Host change the request's scheme and host only behind a configured proxy."""
    from flask import request

    seen: list[tuple[str, str]] = []

    def _record() -> None:
        seen.append((request.scheme, request.host))

    app.before_request_funcs.setdefault(None, []).append(_record)  # the app has served requests: no decorator
    try:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gems.example.edu"}
        app.test_client().get("/login/", headers=headers)
        hops(1)
        app.test_client().get("/login/", headers=headers)
    finally:
        app.before_request_funcs[None].remove(_record)
    assert seen == [("http", "localhost"), ("https", "gems.example.edu")]
