"""X-1: Chinese is the default language, so every msgid has a zh translation, and the en catalog is complete too."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_catalog_has_no_empty_or_fuzzy_entries(locale: str) -> None:
    """`make i18n` leaves nothing untranslated or fuzzy; a string added without a translation fails here."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not missing, missing[:20]
    assert len(catalog) > 900


def test_catalog_covers_every_msgid_in_the_template() -> None:
    """The catalogs were updated after the last extraction (messages.pot)."""
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        zh = {m.id for m in read_po(fh, locale="zh") if m.id}
    assert template <= zh, sorted(map(str, template - zh))[:20]
