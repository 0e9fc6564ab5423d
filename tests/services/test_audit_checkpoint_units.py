"""The signed audit checkpoints (X-2) piece by piece: format, signature, file, syslog datagram, interval, reading."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import socket
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.services import audit_checkpoint as cp
from app.services.audit_keys import AuditKeys

KEYS = AuditKeys("k2", {"k1": b"1" * 32, "k2": b"2" * 32})
H = "ab" * 32


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def test_a_checkpoint_is_signed_under_the_current_key_with_a_domain_prefix() -> None:
    point = cp.sign(7, H, KEYS, at="2026-12-02T01:02:03+00:00")
    assert point == cp.Checkpoint(7, H, "2026-12-02T01:02:03+00:00", "k2",
                                  _mac(b"2" * 32, f"gems-audit-checkpoint|7|{H}|2026-12-02T01:02:03+00:00|k2"))
    assert cp.to_line(point) == ('{"at":"2026-12-02T01:02:03+00:00","hash":"' + H + '","key_id":"k2","mac":"'
                                 + point.mac + '","seq":7}')


def test_a_checkpoint_is_stamped_now_in_utc_to_the_second() -> None:
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    at = datetime.datetime.fromisoformat(cp.sign(1, H, KEYS).at)
    assert at.utcoffset() == datetime.timedelta(0) and at.microsecond == 0
    assert before <= at <= datetime.datetime.now(datetime.UTC)
    assert len(cp.sign(1, H, KEYS).at) == len("2026-12-02T01:02:03+00:00")


@pytest.mark.parametrize(("first", "last", "every", "expected"), [
    (1, 99, 100, False), (1, 100, 100, True), (100, 100, 100, True), (101, 101, 100, False),
    (101, 199, 100, False), (150, 250, 100, True), (1, 5, 1, True), (3, 3, 0, False), (1, 1000, 0, False),
])
def test_a_checkpoint_is_due_when_the_commit_crosses_a_multiple(first: int, last: int, every: int,
                                                                expected: bool) -> None:
    assert cp.due(first, last, every) is expected


def test_syslog_addresses() -> None:
    assert cp._syslog_address("/dev/log") == "/dev/log"
    assert cp._syslog_address("logs.example") == ("logs.example", 514)
    assert cp._syslog_address("logs.example:1514") == ("logs.example", 1514)
    assert cp._syslog_address("fd00::1:6514") == ("fd00::1", 6514)


def test_the_checkpoint_file_setting(app: Any) -> None:
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE="", GEMS_AUDIT_SYSLOG="")
        assert cp.checkpoint_file(app) is None and cp.configured(app) is False
        app.config.update(GEMS_AUDIT_SYSLOG="/dev/log")
        assert cp.configured(app) is True
        url = "postgresql://gems:secret@db.example/gems"
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE="/var/x/cp-{db}.jsonl", SQLALCHEMY_DATABASE_URI=url,
                          GEMS_AUDIT_SYSLOG="")
        shown = "postgresql://gems:***@db.example/gems"
        assert cp.checkpoint_file(app) == Path(f"/var/x/cp-{hashlib.sha256(shown.encode()).hexdigest()[:12]}.jsonl")
        assert cp.configured(app) is True
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE="/var/x/plain.jsonl")
        assert cp.checkpoint_file(app) == Path("/var/x/plain.jsonl")
        with app.app_context():
            assert cp.checkpoint_file() == Path("/var/x/plain.jsonl") and cp.configured() is True
    finally:
        app.config.clear()
        app.config.update(saved)


def test_written_checkpoints_are_private_appended_lines_that_load_back(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "cp.jsonl"
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(path), GEMS_AUDIT_SYSLOG="")
        with app.app_context():
            first = cp.write(5, H)
            second = cp.write(9, "cd" * 32, app)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert path.read_text() == f"{cp.to_line(first)}\n{cp.to_line(second)}\n"
            marks, problems = cp.load(app.extensions["gems_audit_keys"])
            assert (marks, problems) == ({5: H, 9: "cd" * 32}, [])
            app.config.update(GEMS_AUDIT_CHECKPOINT_FILE="")
            assert cp.write(10, H) is None  # nowhere to write: not a checkpoint
            assert cp.load(app.extensions["gems_audit_keys"]) == ({}, [])
    finally:
        app.config.clear()
        app.config.update(saved)


def test_every_bad_line_is_named(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "cp.jsonl"
    good = cp.to_line(cp.sign(3, H, KEYS, at="t"))
    other_key = cp.to_line(cp.sign(4, H, AuditKeys("k9", {"k9": b"9" * 32}), at="t"))
    forged = json.dumps({**json.loads(good), "hash": "ef" * 32})
    contradicting = cp.to_line(cp.sign(3, "ef" * 32, KEYS, at="u"))
    path.write_text("\n".join([good, "", "{not json", '{"seq": 1}', other_key, forged, contradicting,
                               '{"seq": "x", "hash": 1, "at": 1, "key_id": "k2", "mac": 1}', good]) + "\n")
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(path))
        marks, problems = cp.load(KEYS, app)
    finally:
        app.config.clear()
        app.config.update(saved)
    assert marks == {3: H}
    assert problems == [
        "checkpoint line 3: unreadable (edited checkpoint file)",
        "checkpoint line 4: unreadable (edited checkpoint file)",
        "checkpoint line 5: unknown key id 'k9'",
        "checkpoint line 6: signature does not match (edited or forged checkpoint)",
        "checkpoint line 7: contradicts an earlier checkpoint of seq 3",
        "checkpoint line 8: unreadable (edited checkpoint file)",
    ]


def test_the_syslog_copy_is_one_auth_info_datagram(app: Any) -> None:
    """RFC 3164 over UDP: priority <38> (facility auth = 4, severity info = 6), tag, the checkpoint's JSON line."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(1)  # well inside mutmut's timeout: a missing datagram fails, not hangs
    port = receiver.getsockname()[1]
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE="", GEMS_AUDIT_SYSLOG=f"127.0.0.1:{port}")
        known = len(cp._syslog_loggers)
        with app.app_context():
            point = cp.write(12, H)
            logger = cp._syslog_loggers[f"127.0.0.1:{port}"]
            again = cp.write(13, H)
        assert len(cp._syslog_loggers) == known + 1  # one logger (one socket) per address, reused
        assert cp._syslog_loggers[f"127.0.0.1:{port}"] is logger
        assert point is not None and again is not None
        assert receiver.recv(4096) == f"<38>gems-audit: checkpoint {cp.to_line(point)}\x00".encode()
        assert receiver.recv(4096) == f"<38>gems-audit: checkpoint {cp.to_line(again)}\x00".encode()
        assert logger.propagate is False and logger.level == logging.INFO and len(logger.handlers) == 1
    finally:
        receiver.close()
        app.config.clear()
        app.config.update(saved)


def test_failures_are_logged_with_the_sequence_and_destination(app: Any, tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(blocker / "cp.jsonl"), GEMS_AUDIT_SYSLOG="bad host:notaport")
        with app.app_context(), caplog.at_level(logging.ERROR, logger=cp.__name__):
            assert cp.write(21, H) is None
        assert [r.getMessage() for r in caplog.records] == [
            f"audit checkpoint at seq 21 not written to {blocker / 'cp.jsonl'}",
            "audit checkpoint at seq 21 not sent to syslog bad host:notaport",
        ]
        caplog.clear()
        keys = app.extensions.pop("gems_audit_keys")
        app.config.update(GEMS_AUDIT_KEYS="", GEMS_AUDIT_KEY="", GEMS_AUDIT_KEY_FILE="")
        try:
            with app.app_context(), caplog.at_level(logging.ERROR, logger=cp.__name__):
                assert cp.write(22, H) is None
        finally:
            app.extensions["gems_audit_keys"] = keys
        assert [r.getMessage() for r in caplog.records] == ["audit checkpoint at seq 22 not signed"]
    finally:
        app.config.clear()
        app.config.update(saved)


def test_a_transaction_remembers_its_first_and_latest_append() -> None:
    session = SimpleNamespace(info={})
    cp.note_append(session, 4, 6, "h6")  # type: ignore[arg-type]
    cp.note_append(session, 7, 9, "h9")  # type: ignore[arg-type]
    assert session.info[cp.PENDING] == (4, 9, "h9")


def test_a_checkpoint_for_an_app_passed_explicitly_needs_no_app_context(app: Any, tmp_path: Path) -> None:
    """The CLI and the after-commit hook hand the app in; the app's own keys and file are used."""
    from flask import has_app_context

    path = tmp_path / "explicit.jsonl"
    saved = dict(app.config)
    try:
        app.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(path), GEMS_AUDIT_SYSLOG="")
        assert not has_app_context()
        point = cp.write(31, H, app)
        assert point is not None and point.key_id == "test"
        assert path.read_text() == cp.to_line(point) + "\n"
    finally:
        app.config.clear()
        app.config.update(saved)
