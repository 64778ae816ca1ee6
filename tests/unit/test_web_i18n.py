"""German and English: formats for money, numbers and dates, the language choice, and a
German translation for every message the pages show."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po

from inhouse.web import i18n
from inhouse.web.i18n import (
    LOCALES_DIR,
    Formats,
    choose_language,
    messages_in_sources,
    translations,
)


def test_money_numbers_and_dates_per_language() -> None:
    german, english = Formats("de"), Formats("en")
    assert german.money(Decimal("1080.00"), "EUR") == "1.080,00\xa0€"
    assert english.money(Decimal("1080.00"), "EUR") == "€1,080.00"
    assert german.number(Decimal("1234.5")) == "1.234,5"
    assert english.number(Decimal("1234.5")) == "1,234.5"
    assert german.date(date(2026, 3, 2)) == "02.03.2026"
    assert english.date(date(2026, 3, 2)) == "2 Mar 2026"
    assert german.pct(Decimal("62.5")) == "62,5\xa0%"
    assert english.pct(Decimal("62.5")) == "62.5%"


def test_the_cookie_wins_then_the_browser_then_english() -> None:
    assert choose_language("de", "en-GB,en") == "de"
    assert choose_language(None, "de-AT,de;q=0.9,en;q=0.8") == "de"
    assert choose_language(None, "fr-FR, en;q=0.5, de;q=0.7") == "de"
    assert choose_language(None, "fr-FR, de;q=0") == "en"
    assert choose_language("xx", None) == "en"
    assert choose_language(None, "garbage;q=x") == "en"


def test_every_message_has_a_german_translation() -> None:
    singles, plurals = messages_in_sources()
    assert "Sign in" in singles and len(singles) > 100
    with (LOCALES_DIR / "de" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="de")
    translated = {m.id: m.string for m in catalog if m.id}
    missing = [s for s in singles if not translated.get(s)]
    missing += [one for one, many in plurals if not all(translated.get((one, many)) or ())]
    assert missing == [], "run python -m inhouse.web.i18n and translate these"
    # placeholders survive translation
    for message in singles:
        for name in ("day", "count", "search", "user", "role", "total", "source"):
            if f"%({name})s" in message:
                assert f"%({name})s" in str(translated[message]), message
    assert translations("de").gettext("Sign in") == "Anmelden"


def test_every_marked_message_in_the_page_modules_is_one_literal_the_catalogue_reads() -> None:
    # N_(…) marks a message for the catalogue, which reads the source text: a message split
    # over literals, or a comment before it, would stay untranslated without a word
    read, _plurals = messages_in_sources()
    pages = Path(i18n.__file__).parent / "pages"
    unread = [
        f"{module.name}:{call.lineno}"
        for module in sorted(pages.glob("*.py"))
        for call in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "N_"
        if not (isinstance(call.args[0], ast.Constant) and call.args[0].value in read)
    ]
    assert unread == []
