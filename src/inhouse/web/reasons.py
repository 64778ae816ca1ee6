"""German for the problem reasons that the dataset import and the services write in English.

A rejected import names every problem with file, row, column and a reason (``required
field is empty``, ``"2026-13-01" is not a date (YYYY-MM-DD)``); a form that a service turns
down names its fields with a reason each (``FieldProblem``), and some pages show a
service's error as it is (``str(error)``). The API and the CLI give these reasons in
English, as the code wrote them; the web pages show them in the page's language through
the ``reason`` filter (``{{ p.reason | reason }}``).

This works as :mod:`inhouse.web.evidence` does, with the same :class:`Translator`: each
reason shape has a row in :data:`RULES`, an English pattern (the code's f-string, with
``{name}`` for each value) and its German. Values are data (ids, file and column names,
numbers, dates, the text as it was given) and are carried over; the few values that are
words (a kind of record, the kind of a JSON value, a permission) are translated by the
converter of their name in :data:`_PARTS`.

A new reason in the code needs a row here; ``tests/unit/test_web_reasons.py`` collects
the reasons from the source and fails on every one that no row matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from inhouse.web.evidence import Translator, period_in_german

# --------------------------------------------------------------------------- words in values

_NOUNS = {
    # English noun: (German noun, its article: "f", "m" or "n")
    "entity": ("Gesellschaft", "f"),
    "legal entity": ("Gesellschaft", "f"),
    "org unit": ("Organisationseinheit", "f"),
    "person": ("Person", "f"),
    "stake": ("Beteiligung", "f"),
    "employment": ("Beschäftigung", "f"),
    "order": ("Bestellung", "f"),
    "return": ("Rückgabe", "f"),
    "ticket": ("Ticket", "n"),
    "calendar": ("Kalender", "m"),
    "SLA policy": ("SLA-Richtlinie", "f"),
    "API token": ("API-Token", "n"),
    "product": ("Produkt", "n"),
    "programme": ("Programm", "n"),
    "price": ("Preis", "m"),
    "list price": ("Listenpreis", "m"),
    "unit cost": ("Stückkosten", "p"),
    "survey": ("Umfrage", "f"),
    "user": ("Benutzer", "m"),
    "group": ("Konzern", "m"),
}
_PLURALS = {
    "entities": "Gesellschaften",
    "stakes": "Beteiligungen",
    "org units": "Organisationseinheiten",
    "units": "Organisationseinheiten",
    "persons": "Personen",
    "employments": "Beschäftigungen",
    "list prices": "Listenpreise",
    "unit costs": "Stückkosten",
}
_ARTICLES = {"f": ("eine", "die", "einer", "keine"), "m": ("ein", "der", "einem", "kein"),
             "n": ("ein", "das", "einem", "kein"), "p": ("", "die", "", "keine")}  # fmt: skip
"""The articles of each gender: indefinite, definite, indefinite dative, negative."""

_PERMISSIONS = {
    "read entities, stakes, units and group structures": (
        "Gesellschaften, Beteiligungen, Einheiten und Konzernstrukturen lesen"
    ),
    "change entities and stakes": "Gesellschaften und Beteiligungen ändern",
    "change org units": "Organisationseinheiten ändern",
    "read persons and employments": "Personen und Beschäftigungen lesen",
    "change persons and employments": "Personen und Beschäftigungen ändern",
    "read one's own person record and employments": (
        "den eigenen Personendatensatz und die eigenen Beschäftigungen lesen"
    ),
    "classify sales": "Verkäufe einordnen",
    "import and export datasets": "Datensätze importieren und exportieren",
    "manage users and API tokens": "Benutzer und API-Tokens verwalten",
    "read the audit log": "das Prüfprotokoll lesen",
    "read products, prices and programmes": "Produkte, Preise und Programme lesen",
    "change products, prices and programmes": "Produkte, Preise und Programme ändern",
    "quote prices to buyers": "Käufern Preise nennen",
    "record orders and returns": "Bestellungen und Rückgaben erfassen",
    "read orders and returns": "Bestellungen und Rückgaben lesen",
    "read one's own orders and returns": "die eigenen Bestellungen und Rückgaben lesen",
    "read the orders one placed oneself": "die selbst erfassten Bestellungen lesen",
    "read taxable benefits and the payroll export": (
        "steuerpflichtige Vorteile und den Lohnexport lesen"
    ),
    "read one's own taxable benefits": "die eigenen steuerpflichtigen Vorteile lesen",
    "read incentive programmes": "Anreizprogramme lesen",
    "manage incentive programmes, points and referrals": (
        "Anreizprogramme, Punkte und Empfehlungen verwalten"
    ),
    "read anyone's points": "die Punkte aller lesen",
    "read and redeem one's own points": "die eigenen Punkte lesen und einlösen",
    "read participation figures": "Teilnahmezahlen lesen",
    "read all tickets and surveys": "alle Tickets und Umfragen lesen",
    "open tickets, write articles, change statuses, send surveys": (
        "Tickets eröffnen, Beiträge schreiben, Status ändern, Umfragen senden"
    ),
    "open and read one's own tickets": "eigene Tickets eröffnen und lesen",
    "change business calendars and SLA policies": "Geschäftskalender und SLA-Richtlinien ändern",
    "read the service parity monitor": "die Service-Parität lesen",
}


def _or(convert: Callable[[str], str]) -> Callable[[str], str]:
    """Each of ``x or y`` (and ``x, y or z``) converted, joined with ``oder``."""

    def each(text: str) -> str:
        *head, last = text.split(" or ")
        items = [*", ".join(head).split(", "), last] if head else [last]
        words = [convert(item) for item in items if item]
        return " oder ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else words[0]

    return each


def _noun(text: str) -> tuple[str, str] | None:
    return _NOUNS.get(text)


def _plain(text: str) -> str:
    """``entity`` → ``Gesellschaft``."""
    found = _noun(text)
    return found[0] if found else text


def _with(which: int) -> Callable[[str], str]:
    """``an entity`` → ``eine Gesellschaft`` (0), ``the stake`` → ``die Beteiligung`` (1),
    ``an entity`` → ``einer Gesellschaft`` (2, the dative), ``not an entity`` → ``keine
    Gesellschaft`` (3)."""

    def convert(text: str) -> str:
        found = re.fullmatch(r"(?:an?|the) (.+)", text)
        noun = _noun(found[1] if found else text)
        if noun is None:
            return text
        article = _ARTICLES[noun[1]][which]
        return f"{article} {noun[0]}".strip()

    return convert


def _none(text: str) -> str:
    """``not an entity`` → ``keine Gesellschaft``; ``not an entity or an org unit`` → ``weder
    eine Gesellschaft noch eine Organisationseinheit``."""
    if " or " not in text:
        return _with(3)(text)
    items = [_with(0)(item) for item in re.split(r", | or ", text)]
    return f"weder {', '.join(items[:-1])} noch {items[-1]}"


def _the(text: str) -> str:
    """``stake`` → ``die Beteiligung``."""
    noun = _noun(text)
    return f"{_ARTICLES[noun[1]][1]} {noun[0]}" if noun else text


def _plural(text: str) -> str:
    return _PLURALS.get(text, text)


def _count(text: str) -> str:
    """``3 stakes``, ``1 employment``."""
    found = re.fullmatch(r"(\S+) (.+)", text)
    if found is None:
        return text
    word = _PLURALS.get(found[2]) or _plain(found[2])
    return f"{found[1]} {word}"


def _json(text: str) -> str:
    """What a JSON value is: ``an object``, ``the text "x"``, ``the number 5``, ``null``."""
    if text == "an object":
        return "ein Objekt"
    if text == "an array":
        return "ein Array"
    if text.startswith("the text "):
        return "der Text " + text.removeprefix("the text ")
    if text.startswith("the number "):
        return "die Zahl " + text.removeprefix("the number ")
    return text


def _record_type(text: str) -> str:
    """A BODS record type with its article: ``an entity`` → ``entity``; ``or`` → ``oder``."""
    text = re.sub(r"^an? ", "", text)
    return text.replace(" or ", " oder ")


def _known(text: str) -> str:
    """What a BODS code should be: ``a BODS 0.4 codelist`` or ``one of a, b``."""
    if text.startswith("a BODS 0.4 "):
        return "kein Wert der BODS-0.4-Codeliste " + text.removeprefix("a BODS 0.4 ")
    if text.startswith("one of "):
        return "keiner von " + text.removeprefix("one of ")
    return f"nicht {text}"


def _what(text: str) -> str:
    return {"file": "unbekannte Datei", "sheet": "unbekanntes Tabellenblatt",
            "column": "unbekannte Spalte"}.get(text, f"unbekannt: {text}")  # fmt: skip


def _expected(text: str) -> str:
    return re.sub(r", as (.+) or (.+)$", r", als \1 oder \2", text)


def _hint(text: str) -> str:
    found = re.fullmatch(r"; did you mean (.+)\?", text)
    return f"; meinten Sie {found[1]}?" if found else text


def _earlier(text: str) -> str:
    return "eine frühere Zeile" if text == "an earlier row" else text.replace("row ", "Zeile ")


def _vat_where(text: str) -> str:
    return text.replace(" for ", " für ")


def _permission(text: str) -> str:
    return _PERMISSIONS.get(text, text)


def _sentence(text: str) -> str:
    """A reason inside a reason."""
    return german(text)


def _this_container(text: str) -> str:
    return {"folder": "diesem Ordner", "workbook": "dieser Arbeitsmappe"}.get(text, text)


def _the_container(text: str) -> str:
    return {"folder": "der Ordner", "workbook": "die Arbeitsmappe"}.get(text, text)


def _the_thing(text: str) -> str:
    return {"file": "die Datei", "sheet": "das Tabellenblatt"}.get(text, text)


def _some(text: str) -> str:
    """``entities or persons`` → ``Gesellschaften oder Personen`` (one noun: ``entity``)."""
    return _or(lambda word: _PLURALS.get(word) or _plain(word))(text)


def _ids(text: str) -> str:
    """``"A", "B", "C" and 12 more`` → ``"A", "B", "C" und 12 weitere``."""
    return re.sub(r" and (\S+) more$", r" und \1 weitere", text)


_ANY = r".+?"
_PARTS: dict[str, tuple[str, Callable[[str], str]]] = {
    # name: (its pattern, its German)
    "a_noun": (_ANY, _or(_with(0))),
    "to_noun": (_ANY, _or(_with(2))),
    "no_noun": (_ANY, _none),
    "the_noun": (_ANY, _the),
    "the_noun2": (_ANY, _the),
    "noun": (_ANY, _plain),
    "nouns": (_ANY, _or(_plain)),
    "plural": (_ANY, _plural),
    "count": (_ANY, _count),
    "json": (_ANY, _json),
    "shown": (_ANY, _json),
    "rtype": (_ANY, _record_type),
    "rtype2": (_ANY, _record_type),
    "known": (_ANY, _known),
    "what": (_ANY, _what),
    "expected": (_ANY, _expected),
    "hint": (r"(?:; did you mean .+\?)?", _hint),
    "earlier": (r"an earlier row|row \S+", _earlier),
    "period": (_ANY, period_in_german),
    "period2": (_ANY, period_in_german),
    "vat_where": (r"(?: for \S+)?", _vat_where),
    "permission": (_ANY, _permission),
    "choices": (_ANY, lambda text: text.replace(" or ", " oder ")),
    "field": (r"[\w.\[\]]+", str),
    "reason": (r".+", _sentence),
    "this_container": (_ANY, _this_container),
    "the_container": (_ANY, _the_container),
    "the_thing": (_ANY, _the_thing),
    "some": (_ANY, _some),
    "ids": (_ANY, _ids),
}
"""Values that are words: their pattern and German. Any other ``{name}`` is any text (``{id}``:
an id, without spaces) and is carried over as it is."""

# --------------------------------------------------------------------------- the reasons

RULES: tuple[tuple[str, str], ...] = (
    # ---------------------------------------------------------------- files, rows, columns
    ("required field is missing", "Pflichtfeld fehlt"),
    ("required field is empty", "Pflichtfeld ist leer"),
    ("required column is missing", "Pflichtspalte fehlt"),
    ("a value is required", "ein Wert ist erforderlich"),
    ("column appears more than once", "die Spalte kommt mehr als einmal vor"),
    ("column {n} has no name", "Spalte {n} hat keinen Namen"),
    ("no header row (the file is empty)", "keine Kopfzeile (die Datei ist leer)"),
    ("{n} values, but the header has {m} columns",
     "{n} Werte, aber die Kopfzeile hat {m} Spalten"),
    ("cannot be read ({error})", "kann nicht gelesen werden ({error})"),
    ("cannot be read: {error}", "kann nicht gelesen werden: {error}"),
    ("not readable as CSV ({error})", "nicht als CSV lesbar ({error})"),
    ("not a readable XLSX workbook ({error})", "keine lesbare XLSX-Arbeitsmappe ({error})"),
    ("no such file or folder", "Datei oder Ordner nicht gefunden"),
    ("no such file", "Datei nicht gefunden"),
    ("not a dataset folder or .xlsx workbook",
     "weder ein Datensatz-Ordner noch eine .xlsx-Arbeitsmappe"),
    ("not a .csv or .xlsx file", "keine .csv- oder .xlsx-Datei"),
    ("the text is not UTF-8; save the file as UTF-8",
     "der Text ist nicht UTF-8; speichern Sie die Datei als UTF-8"),
    ("{name} is there too; keep only one of them",
     "{name} gibt es auch; behalten Sie nur eine von beiden"),
    ("unknown {what} (expected one of {expected}){hint}", "{what} (erwartet: {expected}){hint}"),
    ('"{party}" is already used in {file} row {row}',
     '"{party}" ist schon in {file} Zeile {row} vergeben'),
    ("the file has no name; its ending tells its kind",
     "die Datei hat keinen Namen; ihre Endung bestimmt ihre Art"),
    ("upload the dataset as the form field file",
     "laden Sie den Datensatz im Formularfeld file hoch"),
    ("{name} is not a readable ZIP archive ({error})",
     "{name} ist kein lesbares ZIP-Archiv ({error})"),
    ("{name} cannot be unpacked ({error})", "{name} kann nicht entpackt werden ({error})"),
    ("{name} holds {n} files; a dataset has at most {m}",
     "{name} enthält {n} Dateien; ein Datensatz hat höchstens {m}"),
    ('{name} holds "{file}", a path outside the archive',
     '{name} enthält "{file}", einen Pfad außerhalb des Archivs'),
    ("an upload has at most {n} MB", "ein Upload hat höchstens {n} MB"),
    ("the archive unpacks to more than {n} MB", "das Archiv ist entpackt größer als {n} MB"),
    ("{path} is not a folder", "{path} ist kein Ordner"),
    ("{path} holds {names}; the export would add the same table as .csv: choose another folder",
     "{path} enthält {names}; der Export würde dieselbe Tabelle als .csv hinzufügen: wählen "
     "Sie einen anderen Ordner"),
    ("{path} holds {names} already: choose an empty folder or overwrite them (--overwrite)",
     "{path} enthält schon {names}: wählen Sie einen leeren Ordner oder überschreiben Sie sie "
     "(--overwrite)"),
    # ---------------------------------------------------------------- values
    ('"{text}" is not a date (YYYY-MM-DD)', '"{text}" ist kein Datum (JJJJ-MM-TT)'),
    ("{day} is after the latest date inhouse accepts ({latest})",
     "{day} liegt nach dem spätesten Datum, das inhouse annimmt ({latest})"),
    ("{day} is before the earliest date inhouse accepts ({earliest})",
     "{day} liegt vor dem frühesten Datum, das inhouse annimmt ({earliest})"),
    ("{shown} is not a date (YYYY-MM-DD) or date-time",
     "{shown} ist weder ein Datum (JJJJ-MM-TT) noch ein Zeitpunkt"),
    ('"{text}" is not a time (ISO 8601, e.g. 2026-03-02T08:00+01:00)',
     '"{text}" ist kein Zeitpunkt (ISO 8601, z. B. 2026-03-02T08:00+01:00)'),
    ('"{text}" has no UTC offset (e.g. 2026-03-02T08:00+01:00 or …Z)',
     '"{text}" hat keinen UTC-Versatz (z. B. 2026-03-02T08:00+01:00 oder …Z)'),
    ("{at} has no UTC offset; give one", "{at} hat keinen UTC-Versatz; geben Sie einen an"),
    ("valid_to {a} must be after valid_from {b}", "valid_to {a} muss nach valid_from {b} liegen"),
    ("{day} must be after valid_from {b}", "{day} muss nach valid_from {b} liegen"),
    ("{shown} is not a number", "{shown} ist keine Zahl"),
    ("{name} is not a number JSON allows", "{name} ist keine Zahl, die JSON erlaubt"),
    ("{value} is not a number of minutes (1 or more)",
     "{value} ist keine Zahl von Minuten (1 oder mehr)"),
    ("{text} is not a quantity", "{text} ist keine Menge"),
    ('"{text}" is not a year', '"{text}" ist kein Jahr'),
    ('"{text}" is not a share', '"{text}" ist kein Anteil'),
    ("{text} is not an amount from 0 to 10^16", "{text} ist kein Betrag von 0 bis 10^16"),
    ("{value} is not an amount of at least 0", "{value} ist kein Betrag von mindestens 0"),
    ("{text} has more than {n} decimal places", "{text} hat mehr als {n} Nachkommastellen"),
    ("{value} has more than {n} digits before the point",
     "{value} hat mehr als {n} Stellen vor dem Komma"),
    ("{value} is not less than 10^16", "{value} ist nicht kleiner als 10^16"),
    ("{value} is not more than 0", "{value} ist nicht größer als 0"),
    ("{value} is more than 100", "{value} ist größer als 100"),
    ("{value} is below 0", "{value} ist kleiner als 0"),
    ("{value} is not between {a} and {b}", "{value} liegt nicht zwischen {a} und {b}"),
    ("at least {n}", "mindestens {n}"),
    ("at most {n} characters", "höchstens {n} Zeichen"),
    ("{n} characters; at most {m}", "{n} Zeichen; höchstens {m}"),
    ("{n} characters; the database keeps at most {m}",
     "{n} Zeichen; die Datenbank speichert höchstens {m}"),
    ('"{value}" is not true or false', '"{value}" ist weder true noch false'),
    ('"{text}" is not an ISO 3166-1 alpha-2 country code',
     '"{text}" ist kein Ländercode nach ISO 3166-1 alpha-2'),
    ('"{text}" is not an ISO 4217 currency code', '"{text}" ist kein Währungscode nach ISO 4217'),
    ('"{text}" is not a valid LEI ({why})', '"{text}" ist kein gültiger LEI ({why})'),
    ('"{text}" is not a valid LEI', '"{text}" ist kein gültiger LEI'),
    ('"{text}" is not a valid VAT ID{vat_where} ({why})',
     '"{text}" ist keine gültige USt-IdNr.{vat_where} ({why})'),
    ('"{text}" is not an email address', '"{text}" ist keine E-Mail-Adresse'),
    ('"{text}" is not a control value (expected yes, no or empty)',
     '"{text}" ist keine Angabe zur Beherrschung (erwartet: yes, no oder leer)'),
    ('"{text}" is not an employment kind (expected employee or retiree)',
     '"{text}" ist keine Art der Beschäftigung (erwartet: employee oder retiree)'),
    ('"{value}" is not an id (1 to {n} characters, no "/")',
     '"{value}" ist keine Id (1 bis {n} Zeichen, kein "/")'),
    ('"{value}" has a "/"; ids have none', '"{value}" enthält ein "/"; Ids enthalten keins'),
    ('"{value}" has a "/"; ids are parts of addresses and have none',
     '"{value}" enthält ein "/"; Ids sind Teile von Adressen und enthalten keins'),
    ('"{kind}" is not goods or service', '"{kind}" ist weder goods noch service'),
    ('"{kind}" is not entity, group or all', '"{kind}" ist weder entity noch group noch all'),
    ('"{segment}" is not internal, external or a relation ({relations})',
     '"{segment}" ist weder internal noch external noch eine Beziehung ({relations})'),
    ('"{role}" is not a role (expected one of {roles})',
     '"{role}" ist keine Rolle (erwartet: eine von {roles})'),
    ('"{value}" is not one of {values}', '"{value}" ist keiner der Werte {values}'),
    ('"{cursor}" is not a cursor of this list (give next_cursor of a page)',
     '"{cursor}" ist kein Cursor dieser Liste (geben Sie next_cursor einer Seite an)'),
    ('"{cursor}" is not a cursor of this list', '"{cursor}" ist kein Cursor dieser Liste'),
    # ---------------------------------------------------------------- BODS files
    ("not UTF-8 text", "kein UTF-8-Text"),
    ("empty; a BODS file holds a JSON array of statements",
     "leer; eine BODS-Datei enthält ein JSON-Array von Statements"),
    ("not a JSON array of statements", "kein JSON-Array von Statements"),
    ("not valid JSON: {error} (line {n}, column {m})",
     "kein gültiges JSON: {error} (Zeile {n}, Spalte {m})"),
    ("not valid JSON: {error}", "kein gültiges JSON: {error}"),
    ("a statement is a JSON object, not {json}", "ein Statement ist ein JSON-Objekt, nicht {json}"),
    ("not a JSON object but {json}", "kein JSON-Objekt, sondern {json}"),
    ("not an object but {json}", "kein Objekt, sondern {json}"),
    ("not an array but {json}", "kein Array, sondern {json}"),
    ("not text but {json}", "kein Text, sondern {json}"),
    ("not a recordId but {json}", "keine recordId, sondern {json}"),
    ('"{value}" is not the recordId of any {rtype} in the file',
     '"{value}" ist in der Datei nicht die recordId eines Records vom Typ {rtype}'),
    ('record "{id}" is {rtype} record (row {row}), not {rtype2} record',
     'der Record "{id}" hat den Typ {rtype} (Zeile {row}), nicht {rtype2}'),
    ('"{value}" is {rtype} record, not {rtype2}',
     '"{value}" ist ein Record vom Typ {rtype}, nicht {rtype2}'),
    ("{end} is not after startDate {start}", "{end} liegt nicht nach startDate {start}"),
    ("give an entity or a group, not both",
     "geben Sie eine Gesellschaft oder einen Konzern an, nicht beides"),
    ("the lower bound {low} is above the upper bound {high}",
     "die untere Grenze {low} liegt über der oberen Grenze {high}"),
    ("the band {band} is empty", "die Spanne {band} ist leer"),
    # ---------------------------------------------------------------- GLEIF files
    ("no LEI-CDF file (lei:LEIData) for the entities",
     "keine LEI-CDF-Datei (lei:LEIData) für die Gesellschaften"),
    ("a GLEIF folder holds only LEI-CDF and RR-CDF XML files; keep the tables in a dataset "
     "folder of their own",
     "ein GLEIF-Ordner enthält nur LEI-CDF- und RR-CDF-XML-Dateien; legen Sie die Tabellen in "
     "einen eigenen Datensatz-Ordner"),
    ("not a GLEIF file: the root element is {tag}, not lei:LEIData (LEI-CDF 3.1) or "
     "rr:RelationshipData (RR-CDF 2.1)",
     "keine GLEIF-Datei: das Wurzelelement ist {tag}, nicht lei:LEIData (LEI-CDF 3.1) oder "
     "rr:RelationshipData (RR-CDF 2.1)"),
    ("not well-formed XML: {error}", "kein wohlgeformtes XML: {error}"),
    ('"{value}" is not the LEI of any LEIRecord in the LEI-CDF files',
     '"{value}" ist in den LEI-CDF-Dateien nicht der LEI eines LEIRecord'),
    ("{end} is before StartDate {start}", "{end} liegt vor StartDate {start}"),
    ("the same relationship as record {n} (StartNode {child}, EndNode {parent}) for an "
     "overlapping period; give it once",
     "dieselbe Beziehung wie Record {n} (StartNode {child}, EndNode {parent}) für einen sich "
     "überschneidenden Zeitraum; geben Sie sie nur einmal an"),
    # ---------------------------------------------------------------- parties
    ('"{party}" cannot hold a stake in itself',
     '"{party}" kann keine Beteiligung an sich selbst halten'),
    ('"{unit}" is an org unit of {owner}, not of {entity}',
     '"{unit}" ist eine Organisationseinheit von {owner}, nicht von {entity}'),
    ("the parents form a cycle: {ring}", "die übergeordneten Einheiten bilden einen Kreis: {ring}"),
    # a table that is not there, and what refers to it (a dataset read on its own, an import)
    ("the {the_thing} is missing, and the {the_container} refers to {n} {some} that would be "
     "in it: {ids} (first in {file} row {row}, column {column})",
     "{the_thing} fehlt, aber {the_container} verweist auf {n} {some} daraus: {ids} "
     "(zuerst in {file} Zeile {row}, Spalte {column})"),
    ("not in this {this_container}, and the database does not hold the {n} {some} that the "
     "{the_container} refers to: {ids} (first in {file} row {row}, column {column})",
     "nicht in {this_container}, und die Datenbank enthält die {n} {some} nicht, auf die "
     "{the_container} verweist: {ids} (zuerst in {file} Zeile {row}, Spalte {column})"),
    ("not in this {this_container}: the database's records are kept ({count})",
     "nicht in {this_container}: die Datensätze der Datenbank bleiben erhalten ({count})"),
    ("no rows: the database's records are kept ({count})",
     "keine Zeilen: die Datensätze der Datenbank bleiben erhalten ({count})"),
    ("{party} is not a known legal entity or org unit",
     "{party} ist weder eine bekannte Gesellschaft noch eine bekannte Organisationseinheit"),
    ("{party} is not a known legal entity", "{party} ist keine bekannte Gesellschaft"),
    ("{party} is not a known entity", "{party} ist keine bekannte Gesellschaft"),
    ("{party} is not a known person", "{party} ist keine bekannte Person"),
    ("{product} is not a known product", "{product} ist kein bekanntes Produkt"),
    ("{policy} is not a known SLA policy", "{policy} ist keine bekannte SLA-Richtlinie"),
    ("{calendar} is not a known calendar", "{calendar} ist kein bekannter Kalender"),
    ('"{party}" is not a known {nouns}', '"{party}" ist als {nouns} nicht bekannt'),
    ('"{party}" is already used by {to_noun}', '"{party}" ist schon von {to_noun} vergeben'),
    ('"{party}" was just taken', '"{party}" wurde gerade vergeben'),
    ('"{id}" is {a_noun} in the database, not {no_noun}',
     '"{id}" ist in der Datenbank {a_noun}, {no_noun}'),
    ('"{id}" is already {a_noun}', '"{id}" ist schon {a_noun}'),
    ('"{party}" is {a_noun}, not {no_noun}', '"{party}" ist {a_noun}, {no_noun}'),
    ('"{id}" is given twice', '"{id}" ist zweimal angegeben'),
    ('"{id}" is the id of row {row} too', '"{id}" ist auch die Id von Zeile {row}'),
    ('"{id}" or its position is taken', '"{id}" oder die Position ist schon vergeben'),
    ('"{group}" does not head a group on {day}', '"{group}" steht am {day} an keiner Konzernspitze'),
    ("the same event as row {row} (ticket, at, kind, status and author); give it once",
     "dasselbe Ereignis wie Zeile {row} (ticket, at, kind, status und author); geben Sie es "
     "nur einmal an"),
    ("the same {noun} as {earlier} ({key}); {a_noun} is identified by {columns}: give it once",
     "dieselbe {noun} wie {earlier} ({key}); {a_noun} ist durch {columns} bestimmt: geben "
     "Sie sie nur einmal an"),
    ("the database holds {n} {plural} with {key} (ids {ids}); it cannot tell which one to change",
     "die Datenbank enthält {n} {plural} mit {key} (Ids {ids}); sie kann nicht wissen, welche "
     "davon zu ändern ist"),
    ("moves org unit {unit} from {old} to {new}, but the database holds {n} employment(s) at "
     "{old2} in {unit2} (e.g. {example}); a unit belongs to one entity: give {new2}'s unit a "
     "new id",
     "verschiebt die Organisationseinheit {unit} von {old} zu {new}, aber die Datenbank enthält "
     "{n} Beschäftigung(en) bei {old2} in {unit2} (z. B. {example}); eine Einheit gehört zu "
     "einer Gesellschaft: geben Sie der Einheit von {new2} eine neue Id"),
    ("{the_noun} {id} has the same {named}; {a_noun} is identified by them: change or end "
     "{the_noun2} {id2} instead",
     "{the_noun} {id} hat dieselben Werte für {named}; {a_noun} ist durch sie bestimmt: ändern "
     "oder beenden Sie stattdessen {the_noun2} {id2}"),
    ("the {the_noun} ended already on {day}", "{the_noun} endete schon am {day}"),
    ("cannot be changed (what may change: {fields})",
     "kann nicht geändert werden (änderbar: {fields})"),
    ("an employment starting on {day} is after the purchase on {day2}",
     "eine Beschäftigung, die am {day} beginnt, liegt nach dem Kauf am {day2}"),
    # ---------------------------------------------------------------- products, prices, sales
    ("an imported sale names its product", "ein importierter Verkauf nennt sein Produkt"),
    ("give price_paid or amount", "geben Sie price_paid oder amount an"),
    ("holds only [[programme]] tables, one per programme",
     "enthält nur [[programme]]-Tabellen, eine je Programm"),
    ("is not TOML: {error}", "ist kein TOML: {error}"),
    ("its sale {id} is not recorded", "ihr Verkauf {id} ist nicht erfasst"),
    ("{product} is sold by {seller}, not by {other}",
     "{product} wird von {seller} verkauft, nicht von {other}"),
    ("{product} is priced in {currency}, not {other}",
     "{product} hat seinen Preis in {currency}, nicht in {other}"),
    ("{id} has another price stored; give price_from, the first day of the new price",
     "für {id} ist ein anderer Preis gespeichert; geben Sie price_from an, den ersten Tag des "
     "neuen Preises"),
    ("{id} has {column} {value}; a product keeps its seller and currency",
     "{id} hat {column} {value}; ein Produkt behält seinen Verkäufer und seine Währung"),
    ("{day} is not after {day2}, when the stored price of {id} starts",
     "{day} liegt nicht nach {day2}, dem Beginn des gespeicherten Preises von {id}"),
    ("{product} has no unit cost on {day}", "{product} hat am {day} keine Stückkosten"),
    ("{product} ({name}) has no list price on {day}",
     "{product} ({name}) hat am {day} keinen Listenpreis"),
    ("{product} has a price valid until {day}, after {day2}",
     "{product} hat einen Preis, der bis {day} gilt, nach {day2}"),
    ("{product}: two {noun}s are valid on the same day ({period} and {period2})",
     "{product}: zwei Werte für {noun} gelten am selben Tag ({period} und {period2})"),
    ("the price of {product} valid from {day} starts on or after {day2}; a new price starts "
     "after it",
     "der Preis von {product} gültig ab {day} beginnt am oder nach dem {day2}; ein neuer Preis "
     "beginnt nach ihm"),
    ("programme {programme} starts on {day}, so it cannot end on {day2}",
     "das Programm {programme} beginnt am {day}, kann also nicht am {day2} enden"),
    ("programmes given twice: {ids}", "zweimal angegebene Programme: {ids}"),
    ("the usage of {programme} in {year} is given twice",
     "die Nutzung von {programme} im Jahr {year} ist zweimal angegeben"),
    ("the discount used under {programme} is in {currency}, its annual cap in {other}",
     "der unter {programme} genutzte Rabatt ist in {currency}, seine Jahresobergrenze in {other}"),
    ("an annual cap has its currency", "eine Jahresobergrenze hat ihre Währung"),
    ("comparable prices need their currency", "Vergleichspreise brauchen ihre Währung"),
    ("costs of a service are never negative", "die Kosten einer Dienstleistung sind nie negativ"),
    ("an arm's-length range needs at least 2 comparables, not {n}",
     "eine Fremdvergleichsspanne braucht mindestens 2 Vergleichswerte, nicht {n}"),
    ("a quantity limit is for one product or for one category",
     "eine Mengengrenze gilt für ein Produkt oder für eine Kategorie"),
    ("a quantity limit is more than 0, not {n}", "eine Mengengrenze ist größer als 0, nicht {n}"),
    ("a seller scope names an entity or a group, or it covers all sellers",
     "ein Verkäuferbereich nennt eine Gesellschaft oder einen Konzern, oder er umfasst alle "
     "Verkäufer"),
    ("an entity or group scope names its id; scope all has none",
     "ein Bereich entity oder group nennt seine Id; der Bereich all hat keine"),
    ("a share lies between 0 and 100 with low <= high",
     "ein Anteil liegt zwischen 0 und 100 mit low <= high"),
    ("an empty interval is not a share", "ein leeres Intervall ist kein Anteil"),
    ("an amount is a finite number, not {n}", "ein Betrag ist eine endliche Zahl, nicht {n}"),
    ("an amount is a finite number of at least 0, not {n}",
     "ein Betrag ist eine endliche Zahl von mindestens 0, nicht {n}"),
    # ---------------------------------------------------------------- orders and returns
    ("a basket needs at least one line", "ein Warenkorb braucht mindestens eine Position"),
    ("a quote needs at least one line", "ein Angebot braucht mindestens eine Position"),
    ("a return needs at least one line", "eine Rückgabe braucht mindestens eine Position"),
    ("items must not be empty", "items darf nicht leer sein"),
    ("give either seller, buyer and on, or items, not both",
     "geben Sie entweder seller, buyer und on oder items an, nicht beides"),
    ("give seller, buyer and on, or a list of items",
     "geben Sie seller, buyer und on oder eine Liste von items an"),
    ("give {a} or {b}, not both", "geben Sie {a} oder {b} an, nicht beides"),
    ("{buyer} cannot buy from itself ({seller})",
     "{buyer} kann nicht bei sich selbst kaufen ({seller})"),
    ("a quantity is a Decimal, not {type}", "eine Menge ist ein Decimal, nicht {type}"),
    ("a quantity is more than 0, not {n}", "eine Menge ist größer als 0, nicht {n}"),
    ("a returned quantity is more than 0, not {n}",
     "eine zurückgegebene Menge ist größer als 0, nicht {n}"),
    ("an already returned quantity is at least 0, not {n}",
     "eine schon zurückgegebene Menge ist mindestens 0, nicht {n}"),
    ("line {line} is given twice", "Position {line} ist zweimal angegeben"),
    ("line {line} has {left} of {n} left to return, not {m}",
     "von Position {line} sind noch {left} von {n} zurückzugeben, nicht {m}"),
    ("order {order} has no line {line}", "die Bestellung {order} hat keine Position {line}"),
    ("{day} is before the order's day, {day2}", "{day} liegt vor dem Tag der Bestellung, {day2}"),
    # ---------------------------------------------------------------- tickets and surveys
    ("a subject is required", "ein Betreff ist erforderlich"),
    ("a requester of 1 to 200 characters is required",
     "eine anfragende Partei mit 1 bis 200 Zeichen ist erforderlich"),
    ("a message needs text", "eine Nachricht braucht Text"),
    ("a requester's message is always public",
     "eine Nachricht der anfragenden Partei ist immer öffentlich"),
    ("a ticket cannot go back to new", "ein Ticket kann nicht zurück in den Status new"),
    ("an employee opens tickets only for themselves",
     "Beschäftigte eröffnen Tickets nur für sich selbst"),
    ("an employee sees only their own tickets", "Beschäftigte sehen nur ihre eigenen Tickets"),
    ("an employee writes public messages as the requester, now",
     "Beschäftigte schreiben öffentliche Nachrichten als anfragende Partei, zum jetzigen "
     "Zeitpunkt"),
    ("only agents set created_at or a policy",
     "nur Agenten setzen created_at oder eine Richtlinie"),
    ("{when} is before the ticket was created ({created})",
     "{when} liegt vor der Eröffnung des Tickets ({created})"),
    ("ticket {ticket} is given in row {row} already",
     "das Ticket {ticket} ist schon in Zeile {row} angegeben"),
    ("the database holds ticket {ticket} with {column} {value}; an import does not change "
     "tickets",
     "die Datenbank enthält das Ticket {ticket} mit {column} {value}; ein Import ändert keine "
     "Tickets"),
    ("SLA policy {policy} has position {n} already",
     "die SLA-Richtlinie {policy} hat schon die Position {n}"),
    ("a CSAT survey is about a ticket", "eine CSAT-Umfrage betrifft ein Ticket"),
    ("an NPS survey without a ticket needs serving_entity and requester",
     "eine NPS-Umfrage ohne Ticket braucht serving_entity und requester"),
    ("only the requester rates; agents and others cannot",
     "nur die anfragende Partei bewertet; Agenten und andere nicht"),
    ("this survey link is not known", "dieser Umfragelink ist nicht bekannt"),
    ("this survey link was used already; thank you",
     "dieser Umfragelink wurde schon verwendet; vielen Dank"),
    ("this survey link expired on {ts} UTC", "dieser Umfragelink ist am {ts} UTC abgelaufen"),
    ("no person is linked to this user; requesters answer their surveys",
     "mit diesem Benutzer ist keine Person verknüpft; Umfragen beantworten die anfragenden "
     "Parteien"),
    ("no survey {survey} of yours", "Sie haben keine Umfrage {survey}"),
    ("choose a score", "wählen Sie eine Bewertung"),
    # ---------------------------------------------------------------- users and roles
    ("a username is required", "ein Benutzername ist erforderlich"),
    ("a password needs at least {n} characters", "ein Passwort braucht mindestens {n} Zeichen"),
    ("an employee user must be linked to a person",
     "ein Benutzer mit der Rolle employee muss mit einer Person verknüpft sein"),
    ("a token needs a name", "ein Token braucht einen Namen"),
    ("no user named {user}", "es gibt keinen Benutzer namens {user}"),
    ("the role {role} may not read the orders of {buyer}",
     "die Rolle {role} darf die Bestellungen von {buyer} nicht lesen"),
    ("the role {role} may not open tickets", "die Rolle {role} darf keine Tickets eröffnen"),
    ("the role {role} may not read tickets", "die Rolle {role} darf keine Tickets lesen"),
    ("ending {party} also changes {count}, and the role {role} may not {permission}",
     "das Beenden von {party} ändert auch {count}, und die Rolle {role} darf nicht: "
     "{permission}"),
    ("the role {role} may not {permission}", "die Rolle {role} darf nicht: {permission}"),
    # ---------------------------------------------------------------- points and benefits
    ("a budget is at least 0 points", "ein Budget hat mindestens 0 Punkte"),
    ("points stay valid for at least 1 day", "Punkte bleiben mindestens 1 Tag gültig"),
    ("a points_per_spend programme needs points_per_unit above 0",
     "ein Programm points_per_spend braucht points_per_unit über 0"),
    ("a points_per_spend programme names the currency of its rate",
     "ein Programm points_per_spend nennt die Währung seines Satzes"),
    ("a points_per_spend programme has no bonus_points",
     "ein Programm points_per_spend hat keine bonus_points"),
    ("a {kind} programme needs bonus_points above 0",
     "ein Programm {kind} braucht bonus_points über 0"),
    ("a {kind} programme has neither points_per_unit nor currency",
     "ein Programm {kind} hat weder points_per_unit noch currency"),
    ("returns of {amount} exceed order {order}'s {total}",
     "Rückgaben von {amount} übersteigen die {total} der Bestellung {order}"),
    ("a return of order {order} is a positive amount in {currency}",
     "eine Rückgabe zur Bestellung {order} ist ein positiver Betrag in {currency}"),
    ("{year}-{month} is not a month", "{year}-{month} ist kein Monat"),
    ("{value} is not a positive number of points", "{value} ist keine positive Zahl von Punkten"),
    ("{value} is not a non-zero number of points",
     "{value} ist keine von 0 verschiedene Zahl von Punkten"),
    ("{value} is not a positive number", "{value} ist keine positive Zahl"),
    ("{value} is not 1 to 36500 days", "{value} sind nicht 1 bis 36500 Tage"),
    ("{value} is not above 0 with at most 4 decimal places",
     "{value} ist nicht größer als 0 mit höchstens 4 Nachkommastellen"),
    ("{value} is not a year from {a} to {b}", "{value} ist kein Jahr von {a} bis {b}"),
    ("{value} is not a month from {a} to {b}", "{value} ist kein Monat von {a} bis {b}"),
    ("{value} is not a percentage from {a} to {b}", "{value} ist kein Prozentsatz von {a} bis {b}"),
    ("say what the points are for", "sagen Sie, wofür die Punkte sind"),
    ("nobody refers themselves", "niemand empfiehlt sich selbst"),
    ("{day} is after today ({today}): points expire on their day, not before",
     "{day} liegt nach heute ({today}): Punkte verfallen an ihrem Tag, nicht vorher"),
    ("give period (YYYY-MM), or from and to", "geben Sie period (JJJJ-MM) oder from und to an"),
    ("{day} is before {day2}", "{day} liegt vor {day2}"),
    ("at most {n} months at a time", "höchstens {n} Monate auf einmal"),
    ("incentive programme {programme} starts on {day}, so it cannot end on {day2}",
     "das Anreizprogramm {programme} beginnt am {day}, kann also nicht am {day2} enden"),
    ("{person} was referred by {referrer} already",
     "{person} wurde schon von {referrer} empfohlen"),
    ("{person} has bought internally already: too late for a referral",
     "{person} hat schon intern gekauft: zu spät für eine Empfehlung"),
    ("{person} was referred already", "{person} wurde schon empfohlen"),
    # ---------------------------------------------------------------- pydantic (programme files)
    ("Field required", "Pflichtfeld fehlt"),
    ("Extra inputs are not permitted", "zusätzliche Felder sind nicht erlaubt"),
    ("Input should be a valid string", "die Eingabe muss ein gültiger Text sein"),
    ("Input should be a valid number{rest}", "die Eingabe muss eine gültige Zahl sein{rest}"),
    ("Input should be a valid integer{rest}", "die Eingabe muss eine gültige ganze Zahl sein{rest}"),
    ("Input should be a valid date{rest}", "die Eingabe muss ein gültiges Datum sein{rest}"),
    ("Input should be {choices}", "die Eingabe muss {choices} sein"),
    ("Value error, {reason}", "{reason}"),
    # ---------------------------------------------------------------- the general shapes
    ('"{value}" is not {known}', '"{value}" ist {known}'),
    ("no {noun} {id}", "{noun} {id} gibt es nicht"),
    # ---------------------------------------------------------------- a field and its reason
    ("{field}: {reason}", "{field}: {reason}"),
)  # fmt: skip
"""(English pattern, German) of each reason shape; the first that matches wins."""

REASONS = Translator(RULES, _PARTS, ids={"id"})
"""The translator of the problem reasons."""


def german(reason: str) -> str:
    """The German of one reason; unchanged when no pattern matches it."""
    return REASONS.german(reason)


def translate(reason: str, language: str) -> str:
    """The reason in ``language`` (``"en"``: as the code wrote it)."""
    return REASONS.translate(reason, language)


def matches(reason: str) -> bool:
    """Whether a pattern knows the reason (for the test that every reason has German)."""
    return REASONS.matches(reason)
