"""German and English for the web pages: the browser's language, money, numbers and dates.

Translations live in ``locales/<lang>/LC_MESSAGES/messages.po`` and are compiled in
memory when first used, so a fresh clone needs no build step. English is the source
language: its messages are the ``msgid`` themselves.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = ("en", "de")
"""The languages of the web pages; the first is the fallback."""
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
_BABEL_LOCALE = {"en": "en_GB", "de": "de_DE"}


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English: the messages as written)."""
    po = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == LANGUAGES[0] or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The chosen language (cookie), else the browser's first one we speak, else English."""
    if cookie in LANGUAGES:
        return cookie
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            weighted.append((-quality, position, tag.strip().lower()))
    for negative_quality, _position, tag in sorted(weighted):
        primary = tag.split("-")[0]
        if primary in LANGUAGES and negative_quality < 0:
            return primary
    return LANGUAGES[0]


@dataclass(frozen=True, slots=True)
class Formats:
    """Locale-aware text for money, numbers, percentages and dates."""

    language: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(_BABEL_LOCALE[self.language])

    def money(self, amount: Decimal | int, currency: str) -> str:
        """``1.080,00 €`` in German, ``€1,080.00`` in English."""
        return str(format_currency(amount, currency, locale=self.locale))

    def number(self, value: Decimal | int | float) -> str:
        return str(format_decimal(value, locale=self.locale))

    def pct(self, value: Decimal | int) -> str:
        """A percentage given in percent points: ``Decimal("62.5")`` → ``62,5 %``."""
        fraction = Decimal(value).quantize(Decimal("0.01")).normalize() / 100
        return str(format_percent(fraction, locale=self.locale, decimal_quantization=False))

    def minutes(self, value: int | None) -> str:
        """A span of (business) minutes: ``2 h 05 min``, ``45 min`` (unit symbols in both)."""
        if value is None:
            return ""
        hours, minutes = divmod(value, 60)
        if not hours:
            return f"{minutes} min"
        return f"{format_decimal(hours, locale=self.locale)} h {minutes:02d} min"

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return ""
        return str(format_date(value, format="medium", locale=self.locale))

    def month(self, value: dt.date) -> str:
        """``Nov 2026`` / ``Nov. 2026``."""
        return str(format_date(value, format="MMM yyyy", locale=self.locale))

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return str(format_datetime(value, format="medium", locale=self.locale))


# --------------------------------------------------------------------------- messages

_WEB_DIR = Path(__file__).resolve().parent
_CALL = re.compile(
    r"""\b(?:_|N_|gettext)\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""", re.DOTALL
)
_PLURAL = re.compile(
    r"""\bngettext\(\s*(?P<q>["'])(?P<one>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*,\s*"""
    r"""(?P<r>["'])(?P<many>(?:\\.|(?!(?P=r)).)*)(?P=r)""",
    re.DOTALL,
)


def messages_in_sources() -> tuple[set[str], set[tuple[str, str]]]:
    """Every message the pages show: ``_("…")`` / ``N_("…")`` in templates and page modules,
    and ``ngettext("…", "…", n)`` (singular, plural)."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    sources = [*(_WEB_DIR / "templates").glob("*.html"), *(_WEB_DIR / "pages").glob("*.py")]
    for source in sorted(sources):
        text = source.read_text(encoding="utf-8")
        singles.update(m.group("text") for m in _CALL.finditer(text))
        plurals.update((m.group("one"), m.group("many")) for m in _PLURAL.finditer(text))
    return singles, plurals


def update_catalogue(language: str = "de") -> list[str]:
    """Bring ``messages.po`` up to the sources: new messages are added untranslated, gone
    ones dropped, translations kept. Returns the messages still without a translation.

    Run ``python -m inhouse.web.i18n`` after changing a page, then translate the blanks.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    singles, plurals = messages_in_sources()
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    known: dict[Any, Any] = {}
    created = None
    if path.exists():
        with path.open("rb") as source:
            old = read_po(source, locale=language)
        known = {m.id: m.string for m in old if m.id}
        created = old.creation_date  # kept, so that an unchanged catalogue stays unchanged
    catalog = Catalog(locale=language, project="inhouse", charset="utf-8",
                      creation_date=created)  # fmt: skip
    missing: list[str] = []
    for text in sorted(singles):
        catalog.add(text, known.get(text) or "")
        if not known.get(text):
            missing.append(text)
    for pair in sorted(plurals):
        translated = known.get(pair)
        catalog.add(pair, translated or ("", ""))
        if not translated or not all(translated):
            missing.append(pair[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as sink:
        write_po(sink, catalog, width=100, no_location=True)
    return missing


if __name__ == "__main__":
    for message in update_catalogue():
        print(f"untranslated: {message}")
