"""The audit chain's HMAC keys (X-2): from the environment, never the database, so a database writer cannot re-sign.

GEMS_AUDIT_KEYS="id1:key1,id2:key2" lists every key (current and retired; retired ones verify old rows),
GEMS_AUDIT_KEY_ID names the current one (default: the last listed); GEMS_AUDIT_KEY is a shorthand for one key
(id GEMS_AUDIT_KEY_ID, default "k1"). Without any, development keeps a generated key in GEMS_AUDIT_KEY_FILE
(mode 0600, id "dev"); production sets no such file and refuses to start.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from flask import Flask, current_app

LEGACY_ID = ""  # rows written before the chain was keyed: plain sha256
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,16}")
MIN_KEY_CHARS = 32
DEV_KEY_ID = "dev"
EXTENSION = "gems_audit_keys"


class AuditKeyError(RuntimeError):
    """The audit key settings are missing or malformed; the app must not start."""


@dataclass(frozen=True)
class AuditKeys:
    current_id: str
    keys: Mapping[str, bytes]

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, key_id: str) -> Optional[bytes]:
        return self.keys.get(key_id)


def _file_key(path: Path) -> str:
    """Development only: create the key once with mode 0600 (never readable by others, even briefly)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(os.urandom(32).hex())  # 256 bits, as hex
    return path.read_text().strip()


def parse_keys(config: Mapping[str, Any]) -> AuditKeys:
    """Read the key settings; raise AuditKeyError with what to set when they are missing or malformed."""
    keys: dict[str, str] = {}
    for item in (p.strip() for p in (config.get("GEMS_AUDIT_KEYS") or "").split(",")):
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        if not sep:
            raise AuditKeyError("GEMS_AUDIT_KEYS must be 'id:key' pairs separated by commas")
        keys[key_id.strip()] = secret.strip()
    current = (config.get("GEMS_AUDIT_KEY_ID") or "").strip()
    single = (config.get("GEMS_AUDIT_KEY") or "").strip()
    if single:
        current = current or "k1"
        if keys.get(current, single) != single:
            raise AuditKeyError(f"GEMS_AUDIT_KEY and GEMS_AUDIT_KEYS give different keys for id {current!r}")
        keys[current] = single
    if not keys and config.get("GEMS_AUDIT_KEY_FILE"):
        keys[DEV_KEY_ID] = _file_key(Path(config["GEMS_AUDIT_KEY_FILE"]))  # the only key, so the current one
    if not keys:
        raise AuditKeyError("No audit chain key: set GEMS_AUDIT_KEY (a random string of at least "
                            f"{MIN_KEY_CHARS} characters, e.g. `openssl rand -hex 32`) in the environment")
    current = current or list(keys)[-1]
    for key_id, secret in keys.items():
        if not KEY_ID.fullmatch(key_id):
            raise AuditKeyError(f"audit key id {key_id!r}: use 1-16 letters, digits, '_', '.' or '-'")
        if len(secret) < MIN_KEY_CHARS:
            raise AuditKeyError(f"audit key {key_id!r} is shorter than {MIN_KEY_CHARS} characters")
    if current not in keys:
        raise AuditKeyError(f"GEMS_AUDIT_KEY_ID={current!r} is not among the configured audit keys")
    return AuditKeys(current, {k: v.encode() for k, v in keys.items()})


def init_audit_keys(app: Flask) -> AuditKeys:
    """Parse the keys at start-up (so a production server without a key refuses to start) and keep them."""
    keys = parse_keys(app.config)
    app.extensions[EXTENSION] = keys
    return keys


def audit_keys(app: Optional[Flask] = None) -> AuditKeys:
    """The keys of the running app (parsed on first use if create_app did not)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    keys = app.extensions.get(EXTENSION)
    return keys if keys is not None else init_audit_keys(app)
