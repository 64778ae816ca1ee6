"""The German of the problem reasons (``inhouse.web.reasons``): given an English reason as
the dataset import or a service writes it, when translated, then this exact German; and
every reason the source writes has a German pattern."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from inhouse.identity.domain import Permission
from inhouse.web import reasons
from inhouse.web.reasons import german, matches, translate

EXAMPLES = [
    # files, rows and columns
    ("required field is empty", "Pflichtfeld ist leer"),
    ("required field is missing", "Pflichtfeld fehlt"),
    ("required column is missing", "Pflichtspalte fehlt"),
    ("a value is required", "ein Wert ist erforderlich"),
    ("column appears more than once", "die Spalte kommt mehr als einmal vor"),
    ("3 values, but the header has 4 columns", "3 Werte, aber die Kopfzeile hat 4 Spalten"),
    ("the text is not UTF-8; save the file as UTF-8",
     "der Text ist nicht UTF-8; speichern Sie die Datei als UTF-8"),
    ("unknown column (expected one of id, name, country)",
     "unbekannte Spalte (erwartet: id, name, country)"),
    ("unknown file (expected one of entities, stakes, as .csv or .xlsx); did you mean stakes?",
     "unbekannte Datei (erwartet: entities, stakes, als .csv oder .xlsx); meinten Sie stakes?"),
    ("unknown sheet (expected one of entities, stakes)",
     "unbekanntes Tabellenblatt (erwartet: entities, stakes)"),
    ('"P1" is already used in persons.csv row 3', '"P1" ist schon in persons.csv Zeile 3 vergeben'),
    ("data.zip holds 120 files; a dataset has at most 100",
     "data.zip enthält 120 Dateien; ein Datensatz hat höchstens 100"),
    # values
    ('"2026-13-01" is not a date (YYYY-MM-DD)', '"2026-13-01" ist kein Datum (JJJJ-MM-TT)'),
    ("2400-01-01 is after the latest date inhouse accepts (2199-12-31)",
     "2400-01-01 liegt nach dem spätesten Datum, das inhouse annimmt (2199-12-31)"),
    ("1899-12-31T23:00:00+00:00 is before the earliest date inhouse accepts (1900-01-01)",
     "1899-12-31T23:00:00+00:00 liegt vor dem frühesten Datum, das inhouse annimmt "
     "(1900-01-01)"),
    ('"soon" is not a date (YYYY-MM-DD) or date-time',
     '"soon" ist weder ein Datum (JJJJ-MM-TT) noch ein Zeitpunkt'),
    ("the number 5 is not a date (YYYY-MM-DD) or date-time",
     "die Zahl 5 ist weder ein Datum (JJJJ-MM-TT) noch ein Zeitpunkt"),
    ('"abc" is not a number', '"abc" ist keine Zahl'),
    ("12.34567 has more than 4 decimal places", "12.34567 hat mehr als 4 Nachkommastellen"),
    ('"EURO" is not an ISO 4217 currency code', '"EURO" ist kein Währungscode nach ISO 4217'),
    ('"XX" is not an ISO 3166-1 alpha-2 country code',
     '"XX" ist kein Ländercode nach ISO 3166-1 alpha-2'),
    ('"DE1" is not a valid VAT ID for DE (the number has an invalid length)',
     '"DE1" ist keine gültige USt-IdNr. für DE (the number has an invalid length)'),
    ('"maybe" is not a control value (expected yes, no or empty)',
     '"maybe" ist keine Angabe zur Beherrschung (erwartet: yes, no oder leer)'),
    ("valid_to 2020-01-01 must be after valid_from 2021-01-01",
     "valid_to 2020-01-01 muss nach valid_from 2021-01-01 liegen"),
    ("0 is not a quantity", "0 ist keine Menge"),
    ("101 is more than 100", "101 ist größer als 100"),
    # BODS
    ("not a JSON object but an array", "kein JSON-Objekt, sondern ein Array"),
    ('not text but the number 7', "kein Text, sondern die Zahl 7"),
    ('"abc" is an entity record, not a person', '"abc" ist ein Record vom Typ entity, nicht person'),
    ('"x" is not one of registeredEntity, legalEntity',
     '"x" ist keiner der Werte registeredEntity, legalEntity'),
    ('"x" is not a BODS 0.4 entityType', '"x" ist kein Wert der BODS-0.4-Codeliste entityType'),
    ("give exclusiveMinimum or minimum, not both",
     "geben Sie exclusiveMinimum oder minimum an, nicht beides"),
    # GLEIF
    ("not a GLEIF file: the root element is <Companies>, not lei:LEIData (LEI-CDF 3.1) or "
     "rr:RelationshipData (RR-CDF 2.1)",
     "keine GLEIF-Datei: das Wurzelelement ist <Companies>, nicht lei:LEIData (LEI-CDF 3.1) "
     "oder rr:RelationshipData (RR-CDF 2.1)"),
    ("not well-formed XML: mismatched tag: line 3, column 2",
     "kein wohlgeformtes XML: mismatched tag: line 3, column 2"),
    ('"529900NOTINLEVEL0118" is not the LEI of any LEIRecord in the LEI-CDF files',
     '"529900NOTINLEVEL0118" ist in den LEI-CDF-Dateien nicht der LEI eines LEIRecord'),
    ("2020-12-31 is before StartDate 2021-01-01", "2020-12-31 liegt vor StartDate 2021-01-01"),
    ("the same relationship as record 1 (StartNode A, EndNode B) for an overlapping period; "
     "give it once",
     "dieselbe Beziehung wie Record 1 (StartNode A, EndNode B) für einen sich überschneidenden "
     "Zeitraum; geben Sie sie nur einmal an"),
    # parties
    ('"ABC" cannot hold a stake in itself', '"ABC" kann keine Beteiligung an sich selbst halten'),
    ('"X" is not a known entity or org unit',
     '"X" ist als Gesellschaft oder Organisationseinheit nicht bekannt'),
    ('"P1" is a person, not an entity or an org unit',
     '"P1" ist eine Person, weder eine Gesellschaft noch eine Organisationseinheit'),
    ('"ABC-MGMT" is an org unit of ABC, not of XYZ',
     '"ABC-MGMT" ist eine Organisationseinheit von ABC, nicht von XYZ'),
    ('"ZZZ" is not a known entity', '"ZZZ" ist keine bekannte Gesellschaft'),
    ("the parents form a cycle: U1 → U2 → U1",
     "die übergeordneten Einheiten bilden einen Kreis: U1 → U2 → U1"),
    # a table that is not there (read on its own, and in an import), and the notes of kept files
    ('the file is missing, and the folder refers to 54 persons that would be in it: "P001", '
     '"P002", "P003" and 51 more (first in employments.csv row 2, column person)',
     'die Datei fehlt, aber der Ordner verweist auf 54 Personen daraus: "P001", "P002", '
     '"P003" und 51 weitere (zuerst in employments.csv Zeile 2, Spalte person)'),
    ('the sheet is missing, and the workbook refers to 1 org unit that would be in it: "U1" '
     '(first in b.xlsx sheet employments row 2, column unit)',
     'das Tabellenblatt fehlt, aber die Arbeitsmappe verweist auf 1 Organisationseinheit '
     'daraus: "U1" (zuerst in b.xlsx sheet employments Zeile 2, Spalte unit)'),
    ('not in this folder, and the database does not hold the 15 entities or persons that the '
     'folder refers to: "P090", "DEF", "JKL" and 12 more (first in stakes.csv row 2, column '
     'holder)',
     'nicht in diesem Ordner, und die Datenbank enthält die 15 Gesellschaften oder Personen '
     'nicht, auf die der Ordner verweist: "P090", "DEF", "JKL" und 12 weitere (zuerst in '
     'stakes.csv Zeile 2, Spalte holder)'),
    ("not in this workbook: the database's records are kept (33 org units)",
     "nicht in dieser Arbeitsmappe: die Datensätze der Datenbank bleiben erhalten "
     "(33 Organisationseinheiten)"),
    ("no rows: the database's records are kept (1 stake)",
     "keine Zeilen: die Datensätze der Datenbank bleiben erhalten (1 Beteiligung)"),
    ("the same stake as row 4 (holder A, entity B, valid_from 2020-01-01); a stake is "
     "identified by holder, entity, valid_from: give it once",
     "dieselbe Beteiligung wie Zeile 4 (holder A, entity B, valid_from 2020-01-01); eine "
     "Beteiligung ist durch holder, entity, valid_from bestimmt: geben Sie sie nur einmal an"),
    ('"ABC" is a person in the database, not an entity',
     '"ABC" ist in der Datenbank eine Person, keine Gesellschaft'),
    # products and prices
    ("W1 has another price stored; give price_from, the first day of the new price",
     "für W1 ist ein anderer Preis gespeichert; geben Sie price_from an, den ersten Tag des "
     "neuen Preises"),
    ("W1 is priced in EUR, not USD", "W1 hat seinen Preis in EUR, nicht in USD"),
    ('"W9" is not a known product', '"W9" ist kein bekanntes Produkt'),
    # orders, tickets, users
    ('"2" is not a quantity', '"2" ist keine Menge'),
    ("line 1 has 1 of 2 left to return, not 3",
     "von Position 1 sind noch 1 von 2 zurückzugeben, nicht 3"),
    ("no order O-1", "Bestellung O-1 gibt es nicht"),
    ("no org unit U1", "Organisationseinheit U1 gibt es nicht"),
    ("no such file or folder", "Datei oder Ordner nicht gefunden"),
    ("returns of 30.00 EUR exceed order O-1's 20.00 EUR",
     "Rückgaben von 30.00 EUR übersteigen die 20.00 EUR der Bestellung O-1"),
    ("W1: two list prices are valid on the same day (since 2020-01-01 and always)",
     "W1: zwei Werte für Listenpreis gelten am selben Tag (seit 2020-01-01 und immer)"),
    ('"O-1" is already an order or a return', '"O-1" ist schon eine Bestellung oder eine Rückgabe'),
    ("a subject is required", "ein Betreff ist erforderlich"),
    ("choose a score", "wählen Sie eine Bewertung"),
    ("a password needs at least 12 characters", "ein Passwort braucht mindestens 12 Zeichen"),
    ("the role finance may not change org units",
     "die Rolle finance darf nicht: Organisationseinheiten ändern"),
    ("ending ABC also changes 3 stakes, and the role finance may not change entities and stakes",
     "das Beenden von ABC ändert auch 3 Beteiligungen, und die Rolle finance darf nicht: "
     "Gesellschaften und Beteiligungen ändern"),
    # a field and its reason (an error of a form, as text)
    ("file: the file has no name; its ending tells its kind",
     "file: die Datei hat keinen Namen; ihre Endung bestimmt ihre Art"),
]  # fmt: skip


@pytest.mark.parametrize(("english", "expected"), EXAMPLES)
def test_reasons_have_this_german(english: str, expected: str) -> None:
    assert german(english) == expected
    assert matches(english)


def test_an_unknown_reason_stays_as_it_is() -> None:
    assert german("something else entirely happened") == "something else entirely happened"
    assert not matches("something else entirely happened")


def test_english_pages_keep_the_english() -> None:
    assert translate("required field is empty", "en") == "required field is empty"
    assert translate("required field is empty", "de") == "Pflichtfeld ist leer"


# --------------------------------------------------------------------------- completeness

SRC = Path(reasons.__file__).resolve().parents[1]
MODULES = sorted(
    [
        *SRC.glob("dataset/*.py"),
        *SRC.glob("orders/*.py"),
        *SRC.glob("care/*.py"),
        *SRC.glob("identity/*.py"),
        *SRC.glob("groups/*.py"),
        *SRC.glob("pricing/*.py"),
        *SRC.glob("incentives/*.py"),
        *SRC.glob("benefits/*.py"),
        SRC / "dates.py",
        SRC / "money.py",
        *SRC.glob("web/pages/*.py"),
    ]
)
"""The modules whose reasons reach the import page and the forms of the pages."""

# Calls that carry a reason: the reason is the last positional argument ...
LAST = {"Problem", "problem", "FieldProblem", "_bad", "fail", "_Finding"}
# ... or the first (exceptions whose message a page shows).
FIRST = {"ValueError", "InvalidRequest", "UnknownParty", "NotFound", "NotAllowed",
         "SurveyClosed", "TooLarge"}  # fmt: skip

# A value for an expression whose own pattern is narrower than any text.
SAMPLES = {"where": " for DE"}

ALLOWED = {
    # appended to "unknown … (expected one of …)", tested with it in EXAMPLES
    "; did you mean X1?",
    # evidence sentences of points (held in a variable named ``reason``): their German is
    # in inhouse/web/evidence.py, tested in test_web_evidence.py and test_evidence_german.py
    "X1 from X1: X1 per X1 on X1 spent at X1 on X1 (order X1), rounded down",
    "X1 from X1: first internal purchase of X1 (order X1 at X1 on X1)",
    "X1 from X1: X1 referred X1, whose first internal purchase is order X1 on X1",
    "; capped at X1 of X1: all its budget had left",
    "; only X1 could be taken back: the balance was X1, the rest had been redeemed",
}


def _sample(node: ast.expr, constants: dict[str, str]) -> str | None:
    """The reason a string literal or f-string gives, each ``{expression}`` a sample."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(SAMPLES.get(ast.unparse(value.value), "X1"))
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left, constants), _sample(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def _reasons(path: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        statement.targets[0].id: statement.value.value
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    }
    where = path.relative_to(SRC)
    for node in ast.walk(tree):
        argument: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            argument = node.args[-1] if name in LAST else node.args[0] if name in FIRST else None
        elif isinstance(node, ast.Assign | ast.AugAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id == "reason":
                argument = node.value
        if argument is not None:
            sample = _sample(argument, constants)
            if sample is not None:
                yield f"{where}:{getattr(node, 'lineno', 0)}", sample


def test_every_reason_in_the_source_has_german() -> None:
    found = [(where, sample) for path in MODULES for where, sample in _reasons(path)]
    assert len(found) > 150  # the collector still finds the reasons
    missing = [
        f"{where}: {sample}"
        for where, sample in found
        if sample not in ALLOWED and not matches(sample)
    ]
    assert not missing, "reasons without German in inhouse/web/reasons.py:\n" + "\n".join(missing)


def test_every_rule_is_reached() -> None:
    """A rule shadowed by an earlier, wider one would never give its German."""
    for index, (english, _german) in enumerate(reasons.RULES):
        sample = english.replace("{", "").replace("}", "")
        for pattern, _template in reasons.REASONS.compiled[:index]:
            assert not pattern.fullmatch(sample) or index == len(reasons.RULES) - 1, english


def test_every_permission_a_refusal_names_has_german() -> None:
    untranslated = [p.value for p in Permission if german(f"the role employee may not {p.value}")
                    .endswith(p.value)]  # fmt: skip
    assert untranslated == []
