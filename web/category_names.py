"""What a receipt category is called on the till's buttons, in the cashier's language.

Central's earning rules may give each category a French and an English name (set in the back office with
the scale, as `category_names`); a category without one falls back to the built-in names below, and only
then to its id.
"""

from __future__ import annotations

from flask_babel import lazy_gettext

from loyalty.reference_settings import EARNING_RULES

BUILT_IN = {"general": lazy_gettext("General"), "bulk": lazy_gettext("Bulk"), "hygiene": lazy_gettext("Hygiene")}


def category_names(reference, language: str) -> dict[str, str]:
    """Category id -> display name for `language` ("fr" or "en")."""
    names = {cat: str(name) for cat, name in BUILT_IN.items()}
    rules = reference.setting(EARNING_RULES) if reference is not None else None
    given = rules.get("category_names") if isinstance(rules, dict) else None
    for cat, by_language in given.items() if isinstance(given, dict) else ():
        if isinstance(by_language, dict) and isinstance(by_language.get(language), str) and by_language[language]:
            names[str(cat)] = by_language[language]
    return names
