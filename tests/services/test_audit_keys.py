"""The audit key settings (X-2) read exactly as the docs of app.services.audit_keys and the README describe them."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.services.audit_keys import EXTENSION, AuditKeyError, AuditKeys, audit_keys, init_audit_keys, parse_keys

A, B, C = "a" * 32, "b" * 40, "c" * 33


def test_pairs_are_trimmed_blank_items_skipped_and_the_last_listed_is_current() -> None:
    keys = parse_keys({"GEMS_AUDIT_KEYS": f" one : {A} ,, two:{B},three:{C}, "})
    assert keys == AuditKeys("three", {"one": A.encode(), "two": B.encode(), "three": C.encode()})
    assert keys.current == C.encode() and keys.get("two") == B.encode() and keys.get("four") is None


def test_a_key_may_contain_colons_and_non_ascii() -> None:
    secret = "x:y:" + "密" * 30
    assert parse_keys({"GEMS_AUDIT_KEYS": f"k:{secret}"}).current == secret.encode("utf-8")


def test_the_named_current_key_and_the_single_key_shorthand() -> None:
    assert parse_keys({"GEMS_AUDIT_KEYS": f"one:{A},two:{B}", "GEMS_AUDIT_KEY_ID": " one "}).current_id == "one"
    assert parse_keys({"GEMS_AUDIT_KEY": f" {A} "}) == AuditKeys("k1", {"k1": A.encode()})
    assert parse_keys({"GEMS_AUDIT_KEY": A, "GEMS_AUDIT_KEY_ID": "r2"}) == AuditKeys("r2", {"r2": A.encode()})
    same = parse_keys({"GEMS_AUDIT_KEYS": f"k1:{A},old:{B}", "GEMS_AUDIT_KEY": A})
    assert same == AuditKeys("k1", {"k1": A.encode(), "old": B.encode()})


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "No audit chain key: set GEMS_AUDIT_KEY (a random string of at least 32 characters, e.g. "
         "`openssl rand -hex 32`) in the environment"),
    ({"GEMS_AUDIT_KEYS": "", "GEMS_AUDIT_KEY": "  ", "GEMS_AUDIT_KEY_FILE": ""}, "No audit chain key"),
    ({"GEMS_AUDIT_KEYS": f"one:{A},two"}, "GEMS_AUDIT_KEYS must be 'id:key' pairs separated by commas"),
    ({"GEMS_AUDIT_KEYS": f"k1:{B}", "GEMS_AUDIT_KEY": A},
     "GEMS_AUDIT_KEY and GEMS_AUDIT_KEYS give different keys for id 'k1'"),
    ({"GEMS_AUDIT_KEYS": f"{'i' * 17}:{A}"},
     f"audit key id {'i' * 17!r}: use 1-16 letters, digits, '_', '.' or '-'"),
    ({"GEMS_AUDIT_KEYS": f":{A}"}, "audit key id '': use 1-16 letters, digits, '_', '.' or '-'"),
    ({"GEMS_AUDIT_KEYS": f"ok:{A},short:{'s' * 31}"}, "audit key 'short' is shorter than 32 characters"),
    ({"GEMS_AUDIT_KEYS": f"one:{A}", "GEMS_AUDIT_KEY_ID": "two"},
     "GEMS_AUDIT_KEY_ID='two' is not among the configured audit keys"),
])
def test_each_bad_setting_is_refused_saying_what_to_fix(settings: dict[str, str], message: str) -> None:
    with pytest.raises(AuditKeyError) as refused:
        parse_keys(settings)
    assert str(refused.value).startswith(message)


def test_the_limits_are_inclusive() -> None:
    """Ids of 1 to 16 of the allowed characters and keys of 32 characters or more are accepted."""
    keys = parse_keys({"GEMS_AUDIT_KEYS": f"{'i' * 16}:{'k' * 32},a_b.c-9:{A}"})
    assert set(keys.keys) == {"i" * 16, "a_b.c-9"}


def test_the_development_key_file_is_used_only_without_configured_keys(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "audit_key"
    assert parse_keys({"GEMS_AUDIT_KEY": A, "GEMS_AUDIT_KEY_FILE": str(path)}).current_id == "k1"
    assert not path.exists()
    dev = parse_keys({"GEMS_AUDIT_KEY_FILE": str(path), "GEMS_AUDIT_KEY_ID": ""})
    assert dev.current_id == "dev" and list(dev.keys) == ["dev"]
    path.write_text(f"  {B}\n")  # a key an operator pasted in is read trimmed, never replaced
    assert parse_keys({"GEMS_AUDIT_KEY_FILE": str(path)}).current == B.encode()


def test_the_running_apps_keys_are_parsed_once_and_kept(app: Any) -> None:
    with app.app_context():
        kept = app.extensions[EXTENSION]
        assert audit_keys() is kept and audit_keys(app) is kept
        del app.extensions[EXTENSION]
        try:
            fresh = audit_keys()
            assert fresh == kept and app.extensions[EXTENSION] is fresh
        finally:
            app.extensions[EXTENSION] = kept
        assert init_audit_keys(app) == kept
        app.extensions[EXTENSION] = kept


def test_the_development_key_file_may_go_into_an_existing_directory(tmp_path: Path) -> None:
    path = tmp_path / "audit_key"
    dev = parse_keys({"GEMS_AUDIT_KEY_FILE": str(path)})
    assert dev.current == path.read_text().encode() and len(dev.current) == 64
    int(path.read_text(), 16)  # hex digits
