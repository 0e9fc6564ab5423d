#!/usr/bin/env python
"""List the msgids Flask-AppBuilder's code and templates use that FAB's own zh catalog does not translate.

Runs Babel extraction over the installed flask_appbuilder package (python files with the python
extractor, templates with the jinja2 extractor; keywords _, gettext, lazy_gettext, _l, plus FAB's own
__ and lazy_formatter_gettext) and compares
the result with flask_appbuilder/translations/<locale>/LC_MESSAGES/messages.po (and its compiled
messages.mo, which is what Flask-Babel actually loads).  A msgid counts as missing when the catalog
lacks it, leaves its msgstr empty, or marks it fuzzy (fuzzy entries are not compiled).

Usage:
    .venv/bin/python scripts/i18n_fab_missing.py            # one msgid per line (repr), with where FAB uses it
    .venv/bin/python scripts/i18n_fab_missing.py --plain    # bare msgids, one per line
    .venv/bin/python scripts/i18n_fab_missing.py --check    # exit 1 when a missing msgid is not in our zh catalog
    .venv/bin/python scripts/i18n_fab_missing.py --locale zh_HK

The missing msgids belong in app/translations/extra_msgids.py (as _l("...") calls) so that
`pybabel extract` puts them into our messages.pot and `pybabel update` keeps them in our catalogs.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# The four keywords the project extracts with, plus the two other spellings FAB itself uses
# (menu.py imports gettext as __; security/views.py marks two descriptions with lazy_formatter_gettext).
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "__": None, "lazy_formatter_gettext": (1,)}
METHOD_MAP = [
    ("**/translations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.js", "ignore"),
]
JINJA_OPTIONS = {
    # FAB's templates use {% do %} / loop controls; silent=false makes a template that fails
    # to parse abort the run instead of silently contributing no strings.
    "extensions": "jinja2.ext.do,jinja2.ext.loopcontrols",
    "silent": "false",
}


def fab_package_dir() -> Path:
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).resolve().parent


def extract_fab(fab_dir: Path) -> dict[str, list[str]]:
    """msgid -> ['relative/path:line', ...] for every singular string FAB marks for translation."""
    options = {pattern: (JINJA_OPTIONS if method == "jinja2" else {}) for pattern, method in METHOD_MAP}
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(fab_dir), method_map=METHOD_MAP, options_map=options, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if not msgid:
            continue
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def translated_in_fab(fab_dir: Path, locale: str) -> set[str]:
    """msgids FAB's catalog translates: non-empty, non-fuzzy in the .po and present in the .mo."""
    lc_dir = fab_dir / "translations" / locale / "LC_MESSAGES"
    with open(lc_dir / "messages.po", "rb") as fh:
        po = read_po(fh)
    done = {m.id for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}
    mo_path = lc_dir / "messages.mo"
    if mo_path.exists():
        with open(mo_path, "rb") as fh:
            mo = read_mo(fh)
        done &= {m.id for m in mo if m.id and m.string}
    return done


def our_translated(locale: str) -> set[str]:
    po_path = ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return set()
    with open(po_path, "rb") as fh:
        po = read_po(fh)
    return {m.id for m in po if m.id and m.string and not m.fuzzy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="zh", help="FAB catalog to compare with (default zh)")
    parser.add_argument("--plain", action="store_true", help="print bare msgids only")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a FAB-missing msgid is not translated in our catalog for --locale")
    args = parser.parse_args(argv)

    fab_dir = fab_package_dir()
    used = extract_fab(fab_dir)
    missing = sorted(set(used) - translated_in_fab(fab_dir, args.locale), key=str.casefold)

    for msgid in missing:
        if args.plain:
            print(msgid)
        else:
            where = ", ".join(used[msgid][:3]) + (" …" if len(used[msgid]) > 3 else "")
            print(f"{msgid!r}\t{where}")
    from importlib.metadata import version

    print(f"# {len(missing)} msgid(s) used by flask-appbuilder {version('flask-appbuilder')} lack a "
          f"{args.locale} translation in FAB's catalog ({len(used)} msgids extracted)", file=sys.stderr)

    if args.check:
        ours = our_translated(args.locale)
        uncovered = [m for m in missing if m not in ours]
        for msgid in uncovered:
            print(f"NOT COVERED by app/translations/{args.locale}: {msgid!r}", file=sys.stderr)
        return 1 if uncovered else 0
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
