"""X-2 against a database-level attacker: whoever can write the database but lacks the audit key cannot edit,
delete, reorder, forge, back-date, truncate or re-chain entries unseen; `gems audit-verify` exits 1 for each.

The attacker's algorithms below are written out independently of app.services.audit; each forgery has a control
(the same procedure with the real key verifies), so a detection cannot come from a botched forgery.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import importlib.util
import json
import logging
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from sqlalchemy import DateTime, bindparam, insert, select, text

import config
from app.extensions import db
from app.models.audit import AuditLog
from app.services import audit
from app.services.audit_keys import AuditKeyError, init_audit_keys, parse_keys
from tests.conftest import PG
from tests.services.audit_snapshot import preserved_audit_log

TEST_KEY_ID, TEST_KEY = "test", b"gems-test-audit-key-0123456789abcdef"  # config.TestConfig's, written out again
OTHER_KEY = "k2-" + "b" * 40
GENESIS = "0" * 64
SETTINGS = ("GEMS_AUDIT_KEY", "GEMS_AUDIT_KEYS", "GEMS_AUDIT_KEY_ID", "GEMS_AUDIT_CHECKPOINT_FILE",
            "GEMS_AUDIT_CHECKPOINT_EVERY")
MIGRATION = (Path(__file__).resolve().parents[2] / "migrations" / "versions"
             / "afce6765cc03_foundation_organisation_accounts_audit_.py")


@dataclass
class Chain:
    app: Any
    first: int  # seq of the first of the six entries this test appended
    checkpoints: Path


# --- the attacker's toolkit (and the verifier's independent oracle) ---------------------------------------------

def content(row: dict[str, Any], key_id: str) -> str:
    """The canonical content as the source documents it: a keyed row also covers its key id."""
    at = row["at"] if isinstance(row["at"], datetime.datetime) else datetime.datetime.fromisoformat(row["at"])
    fields = [row["seq"], at.isoformat(timespec="microseconds"), row["actor_id"], row["actor_name"], row["ip"],
              row["action"], row["target_type"], row["target_id"], row["detail"]]
    if key_id:
        fields.append(key_id)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def link(key: Optional[bytes], prev_hash: str, text_: str) -> str:
    data = (prev_hash + text_).encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest() if key else hashlib.sha256(data).hexdigest()


def rows() -> list[dict[str, Any]]:
    table = AuditLog.__table__
    return [dict(r) for r in db.session.execute(select(table).order_by(table.c.seq)).mappings()]


def row(seq: int) -> dict[str, Any]:
    return next(r for r in rows() if r["seq"] == seq)


def head_seq() -> int:
    return db.session.execute(text("select max(seq) from audit_log")).scalar_one()


def set_head(seq: int) -> None:
    """Point audit_head at an existing entry, as an attacker covering a truncation would."""
    r = row(seq)
    db.session.execute(text("update audit_head set last_seq = :s, last_hash = :h, key_id = :k"),
                       {"s": seq, "h": r["hash"], "k": r["key_id"]})


def resign(from_seq: int, key: Optional[bytes], key_id: str, to_seq: Optional[int] = None) -> None:
    """Recompute every link from `from_seq` on (up to `to_seq`, else also the head; sha256 when `key` is None)."""
    prev = row(from_seq - 1)["hash"] if from_seq > 1 else GENESIS
    for r in rows():
        if r["seq"] < from_seq or (to_seq is not None and r["seq"] > to_seq):
            continue
        digest = link(key, prev, content(r, key_id))
        db.session.execute(text("update audit_log set prev_hash = :p, hash = :h, key_id = :k where seq = :s"),
                           {"p": prev, "h": digest, "k": key_id, "s": r["seq"]})
        prev = digest
    if to_seq is None:
        db.session.execute(text("update audit_head set last_seq = :s, last_hash = :h, key_id = :k"),
                           {"s": head_seq(), "h": prev, "k": key_id})


def append_forged(key: Optional[bytes], key_id: str, **changes: Any) -> int:
    """Append a row after the head with the given MAC key (None: sha256) and move the head onto it."""
    last = row(head_seq())
    forged = {**last, "id": db.session.execute(text("select max(id) from audit_log")).scalar_one() + 1,
              "seq": last["seq"] + 1, "action": "role.grant", "detail": '{"to": "mallory"}',
              "prev_hash": last["hash"], "key_id": key_id, **changes}
    forged["hash"] = link(key, forged["prev_hash"], content(forged, key_id))
    db.session.execute(insert(AuditLog.__table__).values(**forged))
    db.session.execute(text("update audit_head set last_seq = :s, last_hash = :h, key_id = :k"),
                       {"s": forged["seq"], "h": forged["hash"], "k": key_id})
    return forged["seq"]


def cli(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["gems", *args])


def detected(app: Any, fragment: str) -> list[str]:
    """verify names the damage and the command exits 1."""
    db.session.commit()
    problems = audit.verify().problems
    assert any(fragment in p for p in problems), problems
    outcome = cli(app, "audit-verify", "--no-checkpoint")
    assert outcome.exit_code == 1 and "TAMPERED" in outcome.output, outcome.output
    return problems


def use_keys(app: Any, keys: str, current: str = "") -> None:
    app.config.update(GEMS_AUDIT_KEY="", GEMS_AUDIT_KEYS=keys, GEMS_AUDIT_KEY_ID=current)
    init_audit_keys(app)


@pytest.fixture()
def chain(ctx: Any, tmp_path: Path) -> Iterator[Chain]:
    """Six fresh entries on top of the shared log, a private checkpoint file; log and settings restored after."""
    saved = {name: ctx.config[name] for name in SETTINGS}
    checkpoints = tmp_path / "checkpoints.jsonl"
    with preserved_audit_log():
        try:
            ctx.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(checkpoints), GEMS_AUDIT_CHECKPOINT_EVERY=0)
            for i in range(6):
                audit.record("tamper.test", "thing", i, n=i)
            db.session.commit()
            assert audit.verify().ok
            yield Chain(ctx, head_seq() - 5, checkpoints)
        finally:
            db.session.rollback()
            ctx.config.update(saved)
            init_audit_keys(ctx)
    assert audit.verify().ok


# --- a clean chain, and what it is made of ------------------------------------------------------------------------

def test_clean_chain_verifies_and_the_command_writes_a_signed_checkpoint(chain: Chain) -> None:
    outcome = cli(chain.app, "audit-verify")
    assert outcome.exit_code == 0 and "OK" in outcome.output, outcome.output
    [line] = chain.checkpoints.read_text().splitlines()
    mark = json.loads(line)
    head = row(head_seq())
    assert (mark["seq"], mark["hash"], mark["key_id"]) == (head["seq"], head["hash"], TEST_KEY_ID)
    signed = f"gems-audit-checkpoint|{mark['seq']}|{mark['hash']}|{mark['at']}|{mark['key_id']}".encode()
    assert mark["mac"] == hmac.new(TEST_KEY, signed, hashlib.sha256).hexdigest()
    assert stat.S_IMODE(chain.checkpoints.stat().st_mode) == 0o600


def test_rows_are_hmac_sha256_under_the_configured_key(chain: Chain) -> None:
    """Not plain sha256: the link needs the key (an unkeyed recomputation differs)."""
    r = row(head_seq())
    assert r["key_id"] == TEST_KEY_ID and r["prev_hash"] == row(r["seq"] - 1)["hash"]
    assert r["hash"] == link(TEST_KEY, r["prev_hash"], content(r, TEST_KEY_ID))
    assert r["hash"] != link(None, r["prev_hash"], content(r, TEST_KEY_ID))


# --- the nine tamperings ------------------------------------------------------------------------------------------

def test_edited_row_detected(chain: Chain) -> None:
    seq = chain.first + 2
    db.session.execute(text("update audit_log set actor_name = 'mallory' where seq = :s"), {"s": seq})
    detected(chain.app, f"seq {seq}: content does not match")


def test_deleted_middle_row_detected(chain: Chain) -> None:
    seq = chain.first + 2
    db.session.execute(text("delete from audit_log where seq = :s"), {"s": seq})
    problems = detected(chain.app, f"seq {seq}..{seq}: missing")
    assert any(f"seq {seq + 1}: previous-hash link broken" in p for p in problems)


def test_deleted_last_row_with_head_intact_detected(chain: Chain) -> None:
    last = head_seq()
    db.session.execute(text("delete from audit_log where seq = :s"), {"s": last})
    detected(chain.app, f"chain ends at seq {last - 1} but the head records seq {last}")


def test_reordered_rows_detected(chain: Chain) -> None:
    a, b = chain.first + 1, chain.first + 3
    for old, new in ((a, -1), (b, a), (-1, b)):
        db.session.execute(text("update audit_log set seq = :new where seq = :old"), {"old": old, "new": new})
    detected(chain.app, f"seq {a}: content does not match")


@pytest.mark.parametrize(("key", "key_id", "fragment"), [
    (None, "", "unkeyed (sha256) entry after keyed entries"),
    (None, TEST_KEY_ID, "content does not match"),
    (b"a-guessed-key-of-the-right-length-00", TEST_KEY_ID, "content does not match"),
    (TEST_KEY, TEST_KEY_ID, None),  # control: only the real key makes a row that verifies
], ids=["sha256-legacy", "sha256-keyed", "wrong-key", "control-real-key"])
def test_forged_appended_row_detected(chain: Chain, key: Optional[bytes], key_id: str,
                                      fragment: Optional[str]) -> None:
    seq = append_forged(key, key_id)
    if fragment is None:
        db.session.commit()
        assert audit.verify().ok
    else:
        detected(chain.app, f"seq {seq}: {fragment}")


def test_back_dated_row_detected(chain: Chain) -> None:
    seq = chain.first + 1
    earlier = row(seq)["at"] - datetime.timedelta(days=1)
    back_date = text("update audit_log set at = :at where seq = :s").bindparams(bindparam("at", type_=DateTime()))
    db.session.execute(back_date, {"at": earlier, "s": seq})
    detected(chain.app, f"seq {seq}: content does not match")


def test_truncation_with_head_rewritten_detected_by_the_checkpoint(chain: Chain) -> None:
    assert cli(chain.app, "audit-checkpoint").exit_code == 0
    checkpointed = head_seq()
    db.session.execute(text("delete from audit_log where seq > :s"), {"s": checkpointed - 3})
    set_head(checkpointed - 3)
    db.session.commit()
    assert audit.verify(checkpoints=False).ok  # the database alone can no longer tell
    detected(chain.app, f"checkpoint of seq {checkpointed}: no such entry in the chain")


@pytest.mark.parametrize(("key", "key_id", "fragment"), [
    (None, TEST_KEY_ID, "content does not match"),
    (None, "", "unkeyed (sha256) entry after keyed entries"),
    (TEST_KEY, TEST_KEY_ID, None),  # control: the same rewrite with the key goes unseen, so the key is what protects
], ids=["sha256-keyed", "sha256-legacy", "control-real-key"])
def test_edit_with_every_later_hash_recomputed_detected(chain: Chain, key: Optional[bytes], key_id: str,
                                                        fragment: Optional[str]) -> None:
    seq = chain.first + 1
    db.session.execute(text("update audit_log set detail = '{\"n\": 99}' where seq = :s"), {"s": seq})
    resign(seq, key, key_id)
    if fragment is None:
        db.session.commit()
        assert audit.verify().ok
    else:
        detected(chain.app, f"seq {seq}: {fragment}")


def test_spliced_row_from_an_earlier_fork_detected(chain: Chain) -> None:
    """A validly signed row of the same seq from a rolled-back fork: only the previous-hash link catches it."""
    fork_head = head_seq()
    audit.record("fork.a")
    db.session.commit()
    fork_row = row(fork_head + 1)
    db.session.execute(text("delete from audit_log where seq > :s"), {"s": fork_head})
    set_head(fork_head)
    audit.record("fork.b")
    audit.record("fork.c")
    db.session.commit()
    db.session.execute(text("update audit_log set action = :a, detail = :d, at = :at, hash = :h where seq = :s")
                       .bindparams(bindparam("at", type_=DateTime())),
                       {"a": fork_row["action"], "d": fork_row["detail"], "at": fork_row["at"],
                        "h": fork_row["hash"], "s": fork_head + 1})
    problems = detected(chain.app, f"seq {fork_head + 2}: previous-hash link broken")
    assert not any(f"seq {fork_head + 1}:" in p for p in problems)  # the spliced row itself is validly signed


def test_edit_after_dropping_the_append_only_trigger_detected(chain: Chain) -> None:
    """The database refuses the edit while the trigger stands; an attacker who drops it is still caught."""
    if PG:
        spec = importlib.util.spec_from_file_location("foundation", MIGRATION)
        foundation = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(foundation)  # type: ignore[union-attr]
        create, drop = [foundation.APPEND_ONLY_PG], ["DROP TRIGGER audit_log_no_change ON audit_log",
                                                     "DROP FUNCTION audit_log_append_only()"]
    else:
        create = [f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                  "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END" for verb in ("UPDATE", "DELETE")]
        drop = ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    seq = chain.first + 3
    edit = text("update audit_log set target_id = 'other' where seq = :s")
    for statement in create:
        db.session.execute(text(statement))
    db.session.commit()
    try:
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(edit, {"s": seq})
        db.session.rollback()
    finally:
        for statement in drop:
            db.session.execute(text(statement))
        db.session.commit()
    db.session.execute(edit, {"s": seq})
    detected(chain.app, f"seq {seq}: content does not match")


# --- keys and rotation --------------------------------------------------------------------------------------------

def test_key_rotation_is_recorded_in_the_chain_and_verifies(chain: Chain) -> None:
    before = row(head_seq())
    use_keys(chain.app, f"{TEST_KEY_ID}:{TEST_KEY.decode()},k2:{OTHER_KEY}", "k2")
    audit.record("after.rotation")
    db.session.commit()
    rotated, after = row(before["seq"] + 1), row(before["seq"] + 2)
    assert (rotated["action"], rotated["key_id"], json.loads(rotated["detail"])) == (
        "audit.key_rotated", "k2", {"from": TEST_KEY_ID, "to": "k2"})
    assert rotated["prev_hash"] == before["hash"]
    assert rotated["hash"] == link(OTHER_KEY.encode(), before["hash"], content(rotated, "k2"))
    assert (after["action"], after["key_id"], after["prev_hash"]) == ("after.rotation", "k2", rotated["hash"])
    assert audit.verify().ok and cli(chain.app, "audit-verify", "--no-checkpoint").exit_code == 0
    audit.record("again")  # no second rotation while the key stays
    db.session.commit()
    assert row(head_seq() - 1)["action"] == "after.rotation"
    use_keys(chain.app, f"k2:{OTHER_KEY}")  # the retired key dropped from the settings: old rows cannot be checked
    detected(chain.app, f"unknown key id {TEST_KEY_ID!r}")


def test_row_claiming_an_unknown_key_id_detected(chain: Chain) -> None:
    seq = head_seq()
    db.session.execute(text("update audit_log set key_id = 'zz' where seq = :s"), {"s": seq})
    detected(chain.app, f"seq {seq}: made with unknown key id 'zz'")


def test_key_change_without_a_rotation_entry_detected(chain: Chain) -> None:
    """Even a holder of a second key cannot switch keys silently: the switch must be an audit.key_rotated entry."""
    use_keys(chain.app, f"{TEST_KEY_ID}:{TEST_KEY.decode()},k2:{OTHER_KEY}", TEST_KEY_ID)
    seq = append_forged(OTHER_KEY.encode(), "k2")
    detected(chain.app, f"seq {seq}: key changes from {TEST_KEY_ID!r} to 'k2' without an audit.key_rotated entry")


# --- checkpoints --------------------------------------------------------------------------------------------------

def test_checkpoint_edited_by_hand_detected(chain: Chain) -> None:
    assert cli(chain.app, "audit-checkpoint").exit_code == 0
    mark = json.loads(chain.checkpoints.read_text())
    earlier = row(mark["seq"] - 2)
    chain.checkpoints.write_text(json.dumps({**mark, "seq": earlier["seq"], "hash": earlier["hash"]}) + "\n")
    detected(chain.app, "checkpoint line 1: signature does not match")


def test_checkpoint_forged_with_a_wrong_key_detected(chain: Chain) -> None:
    seq, digest, at = 1, row(1)["hash"], "2026-01-01T00:00:00+00:00"
    signed = f"gems-audit-checkpoint|{seq}|{digest}|{at}|{TEST_KEY_ID}".encode()
    forged = {"seq": seq, "hash": digest, "at": at, "key_id": TEST_KEY_ID,
              "mac": hmac.new(b"not-the-key", signed, hashlib.sha256).hexdigest()}
    chain.checkpoints.write_text(json.dumps(forged) + "\n")
    detected(chain.app, "checkpoint line 1: signature does not match")


def test_default_checkpoint_file_is_per_database(app: Any) -> None:
    """Two databases sharing an instance dir (the demo's, a benchmark's) never read each other's checkpoints."""
    from app.services.audit_checkpoint import checkpoint_file

    def path_for(url: str) -> Path:
        fake = type("FakeApp", (), {"config": {"GEMS_AUDIT_CHECKPOINT_FILE": "/x/cp-{db}.jsonl",
                                               "SQLALCHEMY_DATABASE_URI": url}})()
        return checkpoint_file(fake)  # type: ignore[arg-type]

    demo, bench = path_for("sqlite:////srv/gems.db"), path_for("postgresql://u:pw@db/gems?options=-csearch_path%3Db")
    assert demo.parent == Path("/x") and demo.name.startswith("cp-") and demo != bench
    assert path_for("postgresql://u:other@db/gems?options=-csearch_path%3Db") == bench  # a new password: same file


def test_checkpoint_is_written_when_a_commit_crosses_the_interval(chain: Chain) -> None:
    seq = head_seq()
    chain.app.config["GEMS_AUDIT_CHECKPOINT_EVERY"] = seq + 2  # the next entry stays below it, the one after reaches it
    audit.record("tamper.below")
    db.session.commit()
    assert not chain.checkpoints.exists()
    audit.record("tamper.reaches")
    db.session.commit()
    [line] = chain.checkpoints.read_text().splitlines()
    assert (json.loads(line)["seq"], json.loads(line)["hash"]) == (seq + 2, row(seq + 2)["hash"])
    chain.app.config["GEMS_AUDIT_CHECKPOINT_EVERY"] = 4
    audit.record_many([audit.Entry("tamper.batch", "thing", str(i)) for i in range(4)])  # any 4 in a row cross a 4k
    db.session.commit()
    assert json.loads(chain.checkpoints.read_text().splitlines()[-1])["seq"] == seq + 6
    assert audit.verify().ok


def test_rolled_back_entries_leave_no_checkpoint(chain: Chain) -> None:
    chain.app.config["GEMS_AUDIT_CHECKPOINT_EVERY"] = 1
    audit.record("tamper.rolled_back")
    db.session.rollback()
    db.session.commit()
    assert not chain.checkpoints.exists()


def test_a_failing_checkpoint_does_not_fail_the_commit(chain: Chain, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    chain.app.config.update(GEMS_AUDIT_CHECKPOINT_FILE=str(tmp_path), GEMS_AUDIT_CHECKPOINT_EVERY=1)  # a directory
    with caplog.at_level(logging.ERROR):
        audit.record("tamper.kept")
        db.session.commit()
    assert row(head_seq())["action"] == "tamper.kept"
    assert "not written" in caplog.text


# --- legacy sha256 rows from before keying ------------------------------------------------------------------------

def _legacy_chain(count: int) -> None:
    """Replace the log by `count` unkeyed sha256 rows, as an installation has before this migration."""
    db.session.execute(text("delete from audit_log"))
    prev, at = GENESIS, datetime.datetime(2026, 3, 1, 8, 0, 0, 123456)
    for seq in range(1, count + 1):
        r = {"id": seq, "seq": seq, "at": at, "actor_id": None, "actor_name": "cli", "ip": "local",
             "action": "legacy.event", "target_type": "", "target_id": str(seq), "detail": "{}", "prev_hash": prev,
             "key_id": ""}
        r["hash"] = prev = link(None, prev, content(r, ""))
        db.session.execute(insert(AuditLog.__table__).values(**r))
    db.session.execute(text("update audit_head set last_seq = :s, last_hash = :h, key_id = ''"),
                       {"s": count, "h": prev})
    db.session.commit()


def test_legacy_prefix_is_sealed_and_cannot_be_extended(chain: Chain) -> None:
    _legacy_chain(3)
    result = audit.verify()
    assert result.unsealed and len(result.problems) == 1, result.problems  # the hashes themselves are fine
    assert cli(chain.app, "audit-checkpoint").exit_code == 0
    sealed = row(4)
    assert (sealed["action"], sealed["key_id"], json.loads(sealed["detail"]), sealed["prev_hash"]) == (
        "audit.key_rotated", TEST_KEY_ID, {"from": "", "to": TEST_KEY_ID}, row(3)["hash"])
    assert audit.verify().ok
    seq = append_forged(None, "")
    detected(chain.app, f"seq {seq}: unkeyed (sha256) entry after keyed entries")


def test_legacy_prefix_rewritten_under_the_seal_detected(chain: Chain) -> None:
    _legacy_chain(3)
    audit.record("first.keyed")  # the first keyed write seals the prefix by itself
    db.session.commit()
    assert [r["action"] for r in rows()][3:] == ["audit.key_rotated", "first.keyed"] and audit.verify().ok
    db.session.execute(text("update audit_log set target_id = 'x' where seq = 2"))
    resign(2, None, "", to_seq=3)  # re-chain the legacy part with sha256, as anyone can: the keyed seal breaks
    detected(chain.app, "seq 4: previous-hash link broken")


def test_a_chain_wholly_rewritten_as_legacy_is_not_accepted(chain: Chain) -> None:
    resign(1, None, "")
    problems = detected(chain.app, "not sealed by a keyed entry")
    assert len(problems) == 1


# --- settings and the actor's address -----------------------------------------------------------------------------

def test_production_refuses_to_start_without_an_audit_key() -> None:
    from app import create_app

    bare = type("Bare", (config.ProductionConfig,), {"GEMS_AUDIT_KEY": "", "GEMS_AUDIT_KEYS": "",
                                                     "GEMS_AUDIT_KEY_ID": ""})
    with pytest.raises(AuditKeyError, match="GEMS_AUDIT_KEY"):
        create_app(bare)


@pytest.mark.parametrize(("settings", "problem"), [
    ({"GEMS_AUDIT_KEY": "short"}, "shorter than 32"),
    ({"GEMS_AUDIT_KEYS": "nocolon"}, "'id:key' pairs"),
    ({"GEMS_AUDIT_KEYS": f"a:{'x' * 32}", "GEMS_AUDIT_KEY_ID": "b"}, "not among"),
    ({"GEMS_AUDIT_KEYS": f"bad id:{'x' * 32}"}, "letters, digits"),
])
def test_malformed_key_settings_refused(settings: dict[str, str], problem: str) -> None:
    with pytest.raises(AuditKeyError, match=problem):
        parse_keys(settings)


def test_key_settings_pick_the_current_key() -> None:
    keys = parse_keys({"GEMS_AUDIT_KEYS": f"old:{'o' * 32},new:{'n' * 32}"})
    assert keys.current_id == "new" and keys.get("old") == b"o" * 32
    assert parse_keys({"GEMS_AUDIT_KEY": "s" * 32}).current_id == "k1"
    assert parse_keys({"GEMS_AUDIT_KEYS": f"old:{'o' * 32}", "GEMS_AUDIT_KEY": "n" * 32,
                       "GEMS_AUDIT_KEY_ID": "new"}).keys == {"old": b"o" * 32, "new": b"n" * 32}


def test_development_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "audit_key"
    first = parse_keys({"GEMS_AUDIT_KEY_FILE": str(path)})
    assert first.current_id == "dev" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.current == path.read_text().strip().encode() and len(first.current) == 64
    assert parse_keys({"GEMS_AUDIT_KEY_FILE": str(path)}).current == first.current
    assert parse_keys({"GEMS_AUDIT_KEY_FILE": "", "GEMS_AUDIT_KEY": "e" * 32}).current == b"e" * 32


def test_actor_address_ignores_forwarding_headers(app: Any) -> None:
    """Only remote_addr counts (ProxyFix, configured per deployment, is what may rewrite it)."""
    with app.test_request_context("/", headers={"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.9"},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        assert audit.current_actor() == (None, "", "10.1.2.3")
