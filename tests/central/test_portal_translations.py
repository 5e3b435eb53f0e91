"""Every message of the shopper's portal has a French and an English translation (the app's one catalogue)."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "central" / "backoffice" / "translations"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_portal_message_is_translated(lang):
    method_map = [("central/portal/**.py", "python"), ("central/portal/templates/**.html", "jinja2")]
    found = {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in extract_from_dir(ROOT, method_map)}
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id}
    assert found and sorted(m for m in found if not translated.get(m)) == []
