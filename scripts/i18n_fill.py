"""Re-extract the catalogs and fill translations from JSON files, serialised with a lock so parallel edits merge.

Usage: .venv/bin/python scripts/i18n_fill.py [app/translations/pending/*.json]
Each JSON maps msgid -> {"zh": "...", "en": "..."} (or msgid -> "zh text"; en defaults to the msgid when it is
ASCII-initial, i.e. English). Entries already translated are overwritten only when the JSON says otherwise. Run `make i18n-check` after.
"""
from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
BIN = ROOT / ".venv" / "bin"


def _pairs(paths: list[Path]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in paths:
        for msgid, value in json.loads(path.read_text(encoding="utf-8")).items():
            merged[msgid] = {"zh": value} if isinstance(value, str) else dict(value)
    return merged


def _fill(locale: str, pairs: dict[str, dict[str, str]]) -> list[str]:
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        wanted = pairs.get(message.id, {}).get(locale)
        if wanted is None and locale == "en" and message.id[:1].isascii():  # an English msgid is its own en text
            wanted = message.string or message.id
        if wanted:
            message.string = wanted
            message.flags.discard("fuzzy")
        if not message.string:
            missing.append(message.id)
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=120)
    return missing


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((TRANSLATIONS / "pending").glob("*.json"))
    with open("/tmp/gems-i18n.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pot = TRANSLATIONS / "messages.pot"
        subprocess.run([BIN / "pybabel", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                        "-k", "_", "-k", "gettext", "-k", "N_", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
        subprocess.run([BIN / "pybabel", "update", "-N", "-i", str(pot), "-d", str(TRANSLATIONS)],
                       cwd=ROOT, check=True, capture_output=True)
        pairs = _pairs(paths)
        report = {locale: _fill(locale, pairs) for locale in ("zh", "en")}
        subprocess.run([BIN / "pybabel", "compile", "-d", str(TRANSLATIONS)], cwd=ROOT, check=True, capture_output=True)
    for locale, missing in report.items():
        for msgid in missing:
            print(f"{locale}: untranslated: {msgid}")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
