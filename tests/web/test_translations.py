"""Every piece of UI text has a French translation, and the compiled catalogue matches its source."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FR = ROOT / "web" / "translations" / "fr" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(ROOT, method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_message_has_a_french_translation():
    with open(FR / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id}
    missing = sorted(m for m in _source_messages() if not translated.get(m))
    assert missing == [], "run `make translations` and translate these in web/translations/fr"


def test_compiled_catalogue_matches_the_source_catalogue():
    with open(FR / "messages.po", "rb") as po, open(FR / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert {m.id: m.string for m in source if m.id} == {m.id: m.string for m in compiled if m.id}
