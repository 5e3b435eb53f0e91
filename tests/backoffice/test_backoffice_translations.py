"""Every back-office message has a French and an English translation, and the compiled catalogues match."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "central" / "backoffice" / "translations"


def _source_messages() -> set[str]:
    method_map = [("central/backoffice/**.py", "python"), ("central/backoffice/templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(ROOT, method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_message_is_translated(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(m for m in _source_messages() if not translated.get(m))
    assert missing == [], "extract and translate as central/backoffice/README.md says"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compiled_catalogue_matches_its_source(lang):
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert {m.id: m.string for m in source if m.id} == {m.id: m.string for m in compiled if m.id}
