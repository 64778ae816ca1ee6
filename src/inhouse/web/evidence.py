"""German for the evidence sentences that the domain writes in English.

The domain explains itself in English sentences (``XYZ is controlled by JKL on
2026-03-02``); the API returns them as they are. The web pages show them in the page's
language: each sentence shape the domain writes has a row in :data:`RULES`, an English
pattern (the domain's f-string, with ``{name}`` for each value) and its German. The
values are data (ids, names, amounts, dates) and are carried over; the few values that
are words themselves (a relation, a period, a share band, a programme's kind, a sentence
inside a sentence) are translated by the converter of their name in :data:`_PARTS`.

A new sentence in the domain needs a row here; ``tests/integration/test_evidence_german.py``
fails on every sentence of the demo that no row matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

# --------------------------------------------------------------------------- words in values

_ID = r"\S+?"
_DAY = r"\d{4}-\d{2}-\d{2}"
_NUMBER = r"[-+]?[\d,.]+"
_TIMESTAMP = r"\S+"


def _table(pairs: dict[str, str]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        return pairs.get(text, text)

    return convert


def _alternatives(pairs: dict[str, str]) -> str:
    return "|".join(re.escape(key) for key in sorted(pairs, key=len, reverse=True))


_BUYER_IS = {
    "a unit of the seller's own legal entity": "Einheit der eigenen Gesellschaft des Verkäufers",
    "another company of the seller's group": "andere Gesellschaft des Konzerns des Verkäufers",
    "an employee of the seller": "Beschäftigte(r) des Verkäufers",
    "an employee of another company of the seller's group": (
        "Beschäftigte(r) einer anderen Gesellschaft des Konzerns des Verkäufers"
    ),
    "a related party of the seller's group": "nahestehende Partei des Konzerns des Verkäufers",
    "an external customer": "externer Kunde",
}
_PROGRAMME_IS_FOR = {
    "units of the seller's own legal entity": "Einheiten der eigenen Gesellschaft des Verkäufers",
    "other companies of the seller's group": "andere Gesellschaften des Konzerns des Verkäufers",
    "employees of the seller": "Beschäftigte des Verkäufers",
    "employees of other companies of the seller's group": (
        "Beschäftigte anderer Gesellschaften des Konzerns des Verkäufers"
    ),
}
_PROGRAMME_KINDS = {
    "group staff discount": "Konzern-Personalrabatt",
    "staff discount": "Personalrabatt",
    "department charge": "Leistungsverrechnung zwischen Abteilungen",
    "transfer price": "Verrechnungspreis",
}
_LABEL = re.compile(rf"({_alternatives(_PROGRAMME_KINDS)}) (.+)")
_MONTHS = dict(
    zip(
        ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"),
        ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
         "September", "Oktober", "November", "Dezember"),
        strict=True,
    )
)  # fmt: skip
_WEEKDAYS = {"Mon": "Mo", "Tue": "Di", "Wed": "Mi", "Thu": "Do", "Fri": "Fr", "Sat": "Sa",
             "Sun": "So"}  # fmt: skip
_SCHEMES = {
    "§ 8 (3) EStG": "§ 8 Abs. 3 EStG",
    "§ 8 (2) EStG": "§ 8 Abs. 2 EStG",
    "IRC § 132(c)": "IRC § 132(c)",
    "HMRC EIM21704": "HMRC EIM21704",
}
_CLOCKS = {"first response": "Erste Antwort", "resolution": "Lösung",
           "next response": "Nächste Antwort"}  # fmt: skip
_MEDIANS = {"median first response": "Median der ersten Antwort",
            "median resolution": "Median der Lösung"}  # fmt: skip
_MEASURES = {"mark-up on cost": "Der Kostenaufschlag", "gross margin": "Die Bruttomarge",
             "price": "Der Preis"}  # fmt: skip
_MEASURES_PLURAL = {"mark-ups on cost": "Kostenaufschlägen", "gross margins": "Bruttomargen",
                    "prices": "Preisen"}  # fmt: skip
_METHODS = {"cost plus": "Kostenaufschlagsmethode", "resale minus": "Wiederverkaufspreismethode",
            "cup": "Preisvergleichsmethode"}  # fmt: skip


def _label(text: str) -> str:
    """``staff discount S1 (Staff purchases)`` → ``Personalrabatt S1 (Staff purchases)``."""
    found = _LABEL.fullmatch(text)
    if found is None:
        return text
    return f"{_PROGRAMME_KINDS[found.group(1)]} {found.group(2)}"


def period_in_german(text: str) -> str:
    """A validity period: ``always``, ``since 2019-01-01``, ``until …``, ``since …, until …``."""
    if text == "always":
        return "immer"
    text = re.sub(r"^since ", "seit ", text)
    text = re.sub(r"^until ", "bis ", text)
    return text.replace(", until ", ", bis ")


def _when(text: str) -> str:
    """`` (since 2019-01-01)`` after a stake or employment, or nothing."""
    return f" ({period_in_german(text[2:-1])})" if text else ""


def _share(text: str) -> str:
    """``100%``, ``more than 50% up to 75%``, ``between 50% and 65%``."""
    for english, german in (("more than ", "mehr als "), ("at least ", "mindestens "),
                            (" less than ", " bis unter "), (" up to ", " bis "),
                            ("between ", "zwischen "), (" and ", " und ")):  # fmt: skip
        text = text.replace(english, german)
    return text


def _tax_period(text: str) -> str:
    """``2026``, ``March 2026``, ``tax year 2025-26 (6 April 2025 to 5 April 2026)``."""
    found = re.fullmatch(r"tax year (\S+) \(6 April (\d+) to 5 April (\d+)\)", text)
    if found:
        return f"Steuerjahr {found[1]} (6. April {found[2]} bis 5. April {found[3]})"
    found = re.fullmatch(r"(\w+) (\d{4})", text)
    if found and found[1] in _MONTHS:
        return f"{_MONTHS[found[1]]} {found[2]}"
    return text


def _units(text: str) -> str:
    """``1 unit``, ``3 units``."""
    return re.sub(r"^(\S+) units?$", r"\1 Stück", text)


def _lines(text: str) -> str:
    return "1 Position" if text == "1 line" else re.sub(r"^(\S+) lines$", r"\1 Positionen", text)


def _points(text: str) -> str:
    """``1 point``, ``1,250 points``."""
    return "1 Punkt" if text == "1 point" else re.sub(r"^(\S+) points$", r"\1 Punkte", text)


def _points_dative(text: str) -> str:
    """``of 5 points``: von 5 Punkten."""
    return "1 Punkt" if text == "1 point" else re.sub(r"^(\S+) points$", r"\1 Punkten", text)


_DAYS = re.compile(
    rf"(?P<first>{_DAY}) to (?P<last>{_DAY}): (?P<n>\d+) business days?"
    r"(?: of (?P<each>\d+:\d{2}) each)? \((?P<m>\d+) min\)"
    r"(?:, not counting (?P<holidays>\d+) holidays?)?"
)


def _span(text: str) -> str:
    """``Fri 2026-03-06 16:00–17:00 CET (60 min)``: the weekdays in German; whole days summed
    (``2026-03-02 to 2026-06-30: 87 business days of 08:00 each (41760 min)``) in German."""
    days = _DAYS.fullmatch(text)
    if days is None:
        return re.sub(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b", lambda m: _WEEKDAYS[m[1]], text)
    n = int(days["n"])
    german = f"{days['first']} bis {days['last']}: {n} Geschäftstag{'e' if n != 1 else ''}"
    if days["each"]:
        german += f" zu je {days['each']} Stunden"
    german += f" ({days['m']} min)"
    if days["holidays"]:
        holidays = int(days["holidays"])
        german += f", ohne {holidays} Feiertag{'e' if holidays != 1 else ''}"
    return german


def _product(text: str) -> str:
    """``Widget (W1, category widgets)``."""
    return re.sub(r", category (\S+)\)$", r", Kategorie \1)", text)


def _expression(text: str) -> str:
    """``(end price 10.00 − 5.00 paid) × 2``: the words of a benefit's sum."""
    for english, german in (("end price ", "Endpreis "), ("market price ", "Marktpreis "),
                            ("cost ", "Kosten "), (" paid", " gezahlt")):  # fmt: skip
        text = text.replace(english, german)
    return text


def _rounding(text: str) -> str:
    """``4.4955 EUR, rounded half up to 4.50 EUR``."""
    return text.replace(", rounded half up to ", ", kaufmännisch gerundet auf ")


def _rule(text: str) -> str:
    """How a programme prices a line, after ``applies to …:``."""
    for pattern, german in (
        (rf"unit cost (.+) plus ({_NUMBER}%)", r"Stückkosten \1 zuzüglich \2"),
        (r"unit cost (.+)", r"Stückkosten \1"),
        (rf"list price (.+) minus a gross margin of ({_NUMBER}%)",
         r"Listenpreis \1 abzüglich einer Bruttomarge von \2"),
        (r"the list price (.+) as comparable uncontrolled price",
         r"der Listenpreis \1 als Fremdvergleichspreis"),
        (rf"({_NUMBER}%) off the list price", r"\1 Rabatt auf den Listenpreis"),
    ):  # fmt: skip
        if re.fullmatch(pattern, text):
            return re.sub(pattern, german, text)
    return text


def _method(text: str) -> str:
    """`` (cost plus method)`` or nothing."""
    if not text:
        return ""
    name = text[2 : -len(" method)")]
    return f" ({_METHODS.get(name, name)})"


def _scope(text: str) -> str:
    """What a programme covers: ``the seller X``, ``sellers of the X group``, ``every seller``."""
    if text == "every seller":
        return "jeden Verkäufer"
    if text.startswith("the seller "):
        return "den Verkäufer " + text.removeprefix("the seller ")
    found = re.fullmatch(r"sellers of the (\S+) group", text)
    return f"Verkäufer des Konzerns {found[1]}" if found else text


def _seller(text: str) -> str:
    found = re.fullmatch(r"(\S+) of the (\S+) group", text)
    return f"{found[1]} des Konzerns {found[2]}" if found else text


def _limit(text: str) -> str:
    """A quantity limit: ``at most 2 a year of product P`` / ``… in category C``."""
    found = re.fullmatch(r"at most (\S+) a year of product (\S+)", text)
    if found:
        return f"höchstens {found[1]} im Jahr vom Produkt {found[2]}"
    found = re.fullmatch(r"at most (\S+) a year in category (\S+)", text)
    return f"höchstens {found[1]} im Jahr in Kategorie {found[2]}" if found else text


def _where(text: str) -> str:
    if text == "in no category":
        return "in keiner Kategorie"
    return re.sub(r"^in category ", "in Kategorie ", text)


def _whose(text: str) -> str:
    """Whose goods or services a US discount is on."""
    if text.startswith("the employer "):
        return "des Arbeitgebers " + text.removeprefix("the employer ")
    found = re.fullmatch(
        r"(\S+), one employer with (\S+) in the controlled group \(IRC § 414\), "
        r"in the same line of business",
        text,
    )
    if found:
        return (
            f"von {found[1]}, mit {found[2]} ein Arbeitgeber in der kontrollierten Gruppe "
            "(IRC § 414), im selben Geschäftszweig"
        )
    return text


def _basis(text: str) -> str:
    if text == "services":
        return "Dienstleistungen"
    found = re.fullmatch(r"gross profit percentage of (\S+) in (\d+)", text)
    return f"Rohgewinnsatz von {found[1]} im Jahr {found[2]}" if found else text


def _comparison(text: str) -> str:
    found = re.fullmatch(r"(lower|higher) than the § 8 \(3\) valuation (.+) by (.+)", text)
    if found:
        how = "niedriger" if found[1] == "lower" else "höher"
        return f"um {found[3]} {how} als die Bewertung nach § 8 Abs. 3 mit {found[2]}"
    found = re.fullmatch(r"equal to the § 8 \(3\) valuation (.+)", text)
    return f"gleich der Bewertung nach § 8 Abs. 3 mit {found[1]}" if found else text


def _choice(text: str) -> str:
    return {
        "§ 8 (2) was chosen: the line counts towards the monthly Freigrenze, not the § 8 (3) "
        "allowance": "§ 8 Abs. 2 wurde gewählt: die Position zählt zur monatlichen 44-Euro-"
        "Freigrenze, nicht zum Rabattfreibetrag nach § 8 Abs. 3",
        "§ 8 (3) applies unless § 8 (2) is chosen": (
            "§ 8 Abs. 3 gilt, sofern nicht § 8 Abs. 2 gewählt wird"
        ),
    }.get(text, text)


def _verdict(text: str) -> str:
    found = re.fullmatch(r"(at most|more than) the monthly Freigrenze of (.+): (.+)", text)
    if found is None:
        return text
    if found[1] == "at most":
        return f"höchstens die monatliche Freigrenze von {found[2]}: nichts steuerpflichtig"
    return f"mehr als die monatliche Freigrenze von {found[2]}: alles steuerpflichtig"


def _share_of_line(text: str) -> str:
    """``the line's share of 1 of 3 units`` [`` less its share of the 1 returned before``]."""
    found = re.fullmatch(
        r"the line's share of (\S+) of (\S+) units(?: less its share of the (\S+) returned before)?",
        text,
    )
    if found is None:
        return text
    words = f"der Anteil der Position an {found[1]} von {found[2]} Stück"
    if found[3]:
        words += f" abzüglich ihres Anteils an den {found[3]} zuvor zurückgegebenen"
    return words


def _why(text: str) -> str:
    """Why one programme won over another."""
    found = re.fullmatch(r"(\S+) has the higher priority \((\S+) against (\S+)\)", text)
    if found:
        return f"{found[1]} hat die höhere Priorität ({found[2]} gegenüber {found[3]})"
    found = re.fullmatch(
        r"at the same priority \((\S+)\) (\S+) gives the lower price \((.+) against (.+)\)", text
    )
    if found:
        return (
            f"bei gleicher Priorität ({found[1]}) ergibt {found[2]} den niedrigeren Preis "
            f"({found[3]} gegenüber {found[4]})"
        )
    found = re.fullmatch(
        r"at the same priority \((\S+)\) and price \((.+)\) (\S+) comes first by id", text
    )
    if found:
        return (
            f"bei gleicher Priorität ({found[1]}) und gleichem Preis ({found[2]}) kommt "
            f"{found[3]} nach der Id zuerst"
        )
    return text


def _sentence(text: str) -> str:
    """A sentence inside a sentence."""
    return german(text)


_PARTS: dict[str, tuple[str, Callable[[str], str]]] = {
    # name: (its pattern, its German)
    "day": (_DAY, str),
    "day2": (_DAY, str),
    "n": (_NUMBER, str),
    "m": (_NUMBER, str),
    "count": (_NUMBER, str),
    "when": (r"(?: \((?:since|until) [^()]+\))?", _when),
    "period": (r"(?:since|until) .+?", period_in_german),
    "votes": (
        r"(?:more than |at least |between )?\d[\d.]*%(?: (?:up to|less than|and) [\d.]+%)?",
        _share,
    ),
    "buyer_is": (_alternatives(_BUYER_IS), _table(_BUYER_IS)),
    "programme_for": (_alternatives(_PROGRAMME_IS_FOR), _table(_PROGRAMME_IS_FOR)),
    "label": (rf"(?:{_alternatives(_PROGRAMME_KINDS)}) .+?", _label),
    "lost": (rf"(?:{_alternatives(_PROGRAMME_KINDS)}) .+?", _label),
    "tax_period": (r".+?", _tax_period),
    "scheme": (_alternatives(_SCHEMES), _table(_SCHEMES)),
    "units": (r"\S+ units?", _units),
    "punits": (r"\S+ units?", _units),
    "lines": (r"\S+ lines?", _lines),
    "points": (r"\S+ points?", _points),
    "points2": (r"\S+ points?", _points_dative),
    "points3": (r"\S+ points?", _points),
    "span": (r".+", _span),
    "product": (r".+?", _product),
    "expr": (r".+?", _expression),
    "rounding": (r".+?", _rounding),
    "rule": (r".+?", _rule),
    "method": (r"(?: \([a-z ]+ method\))?", _method),
    "scope": (r".+?", _scope),
    "seller_desc": (r".+?", _seller),
    "limit": (r"at most .+?", _limit),
    "where": (r"in (?:no )?category\S*(?: \S+)?", _where),
    "whose": (r".+?", _whose),
    "basis": (r".+?", _basis),
    "comparison": (r"(?:lower|higher|equal) .+?", _comparison),
    "choice": (r"§ 8 .+", _choice),
    "verdict": (r"(?:at most|more than) the monthly Freigrenze of .+?", _verdict),
    "share": (r"the line's share .+?", _share_of_line),
    "why": (r".+?", _why),
    "reason": (r".+", _sentence),
    "rest": (r"(?:§ 8|IRC|HMRC) .+", _sentence),
    "pid": (r"\S+/\S+", str),
    "clock": (_alternatives(_CLOCKS), _table(_CLOCKS)),
    "median": (_alternatives(_MEDIANS), _table(_MEDIANS)),
    "measure": (_alternatives(_MEASURES), _table(_MEASURES)),
    "measures": (_alternatives(_MEASURES_PLURAL), _table(_MEASURES_PLURAL)),
    "ts": (_TIMESTAMP, str),
    "ts2": (_TIMESTAMP, str),
    "law": (r"[^()]+", str),
}
"""Values that are words: their pattern and German. Any other ``{name}`` is an id when
its name is in :data:`_IDS`, else any text, and is carried over as it is."""

_IDS = frozenset({"holder", "entity", "seller", "buyer", "person", "a", "b", "parent",
                  "group", "target", "holders", "candidate", "candidate2", "controller", "id",
                  "programme", "order", "policy", "referrer", "employer", "won",
                  "se", "sg", "be", "bg", "relation", "r1", "r2", "unit", "entry"})  # fmt: skip

_ABBREVIATION = re.compile(r"\{(\w+)\}")

# --------------------------------------------------------------------------- the sentences

RULES: tuple[tuple[str, str], ...] = (
    # ---------------------------------------------------------------- groups: control
    ("{holder} controls {entity} by agreement{when}",
     "{holder} beherrscht {entity} durch Vereinbarung{when}"),
    ("{person} holds {votes} of the votes in {entity} of the {group} group (IAS 24 related party)",
     "{person} hält {votes} der Stimmrechte an {entity} im Konzern {group} "
     "(nahestehende Person nach IAS 24)"),
    ("{holder} holds {votes} of the votes in {entity}{when}",
     "{holder} hält {votes} der Stimmrechte an {entity}{when}"),
    ("{person} is a retiree of {entity}{when}",
     "{person} ist Ruheständler(in) von {entity}{when}"),
    ("{person} is employed by {entity}{when}", "{person} ist bei {entity} beschäftigt{when}"),
    ("Together {controller} and the entities it controls ({others}) hold {votes} of the votes "
     "in {entity}",
     "Zusammen halten {controller} und die von ihm beherrschten Gesellschaften ({others}) "
     "{votes} der Stimmrechte an {entity}"),
    ("Control of {entity} by {candidate} is uncertain: together they hold {votes} of the votes "
     "(stakes {stakes}), counting {through}, which {candidate2} may or may not control "
     "(stakes {through_stakes}); it is not assumed",
     "Die Beherrschung von {entity} durch {candidate} ist unsicher: zusammen halten sie {votes} "
     "der Stimmrechte (Beteiligungen {stakes}), mitgezählt {through}, die {candidate2} "
     "vielleicht beherrscht (Beteiligungen {through_stakes}); sie wird nicht angenommen"),
    ("Control of {entity} by {candidate} is uncertain: together they hold {votes} of the votes "
     "(stakes {stakes}); it is not assumed",
     "Die Beherrschung von {entity} durch {candidate} ist unsicher: zusammen halten sie {votes} "
     "der Stimmrechte (Beteiligungen {stakes}); sie wird nicht angenommen"),
    ("The effective interest in {entity} uses the midpoint of a share band",
     "Der durchgerechnete Anteil an {entity} verwendet die Mitte einer Anteilsspanne"),
    # ---------------------------------------------------------------- groups: classification
    ("{a} and {b} are both controlled by {person}, a natural person",
     "{a} und {b} werden beide von {person} beherrscht, einer natürlichen Person"),
    ("The {holders} group holds {votes} of the votes in {entity} of the {target} group: "
     "significant influence (IAS 28.5)",
     "Der Konzern {holders} hält {votes} der Stimmrechte an {entity} im Konzern {target}: "
     "maßgeblicher Einfluss (IAS 28.5)"),
    ("{person} controls {entity} of the {group} group (IAS 24 related party)",
     "{person} beherrscht {entity} im Konzern {group} (nahestehende Person nach IAS 24)"),
    ("{a} and {b} are both controlled by {parent} on {day}",
     "{a} und {b} werden am {day} beide von {parent} beherrscht"),
    ("{b} is controlled by {parent} on {day}", "{b} wird am {day} von {parent} beherrscht"),
    ("{unit} is an org unit of {entity}, the seller's own legal entity",
     "{unit} ist eine Organisationseinheit von {entity}, der eigenen Gesellschaft des "
     "Verkäufers"),
    ("{unit} is an org unit of {entity}", "{unit} ist eine Organisationseinheit von {entity}"),
    ("{buyer} is not a known party", "{buyer} ist keine bekannte Partei"),
    ("{se} belongs to the {sg} group and {be} to the {bg} group on {day}",
     "{se} gehört am {day} zum Konzern {sg} und {be} zum Konzern {bg}"),
    ("{person} has no employment in the {group} group on {day}",
     "{person} ist am {day} in keiner Gesellschaft des Konzerns {group} beschäftigt"),
    # ---------------------------------------------------------------- orders: the quote
    ("{buyer} buys from {seller} on {day} as {buyer_is} ({relation})",
     "{buyer} kauft am {day} bei {seller} als {buyer_is} ({relation})"),
    ("Line {n}: {m} × {product} from {seller} on {day} at a list price of {price}",
     "Position {n}: {m} × {product} von {seller} am {day} zum Listenpreis von {price}"),
    ("{label} does not apply: {reason}", "{label} gilt nicht: {reason}"),
    ("wrong relation: it is for {programme_for} ({r1}), the buyer is {buyer_is} ({r2})",
     "falsche Beziehung: es ist für {programme_for} ({r1}), der Käufer ist {buyer_is} ({r2})"),
    ("outside its validity: it is valid {period}, the purchase is on {day}",
     "außerhalb der Gültigkeit: es gilt {period}, der Kauf ist am {day}"),
    ("seller out of scope: it covers {scope}, the seller is {seller_desc}",
     "Verkäufer nicht erfasst: es umfasst {scope}, der Verkäufer ist {seller_desc}"),
    ("category not included: {id} is {where}, the programme covers {covered}",
     "Kategorie nicht enthalten: {id} ist {where}, das Programm umfasst {covered}"),
    ("category excluded: {id} is in category {category}",
     "Kategorie ausgeschlossen: {id} ist in Kategorie {category}"),
    ("{id} has no unit cost on {day}", "{id} hat am {day} keine Stückkosten"),
    ("retirees are not included, and {buyer} is a retiree",
     "Ruheständler sind nicht einbezogen, und {buyer} ist Ruheständler(in)"),
    ("waiting period: the start of employment is not known ({n} days required)",
     "Wartezeit: der Beginn der Beschäftigung ist nicht bekannt ({n} Tage erforderlich)"),
    ("waiting period: {n} of {m} days", "Wartezeit: {n} von {m} Tagen"),
    ("its annual cap is in {c1}, {id} is priced in {c2}",
     "seine Jahresgrenze ist in {c1}, {id} ist in {c2} bepreist"),
    ("quantity limit: {n} bought this year, {limit}; {m} more would pass it",
     "Mengengrenze: {n} in diesem Jahr gekauft, {limit}; {m} weitere würden sie überschreiten"),
    ("cap used up: {used} of the annual cap of {cap} received this year",
     "Jahresgrenze ausgeschöpft: {used} der Jahresgrenze von {cap} in diesem Jahr erhalten"),
    ("{label} applies to {buyer_is}: {rule}{method}",
     "{label} gilt für {buyer_is}: {rule}{method}"),
    ("Price: {list} − {discount} = {amount} (a unit: {unit_price}, {unit_off} off; the line is "
     "rounded once and is what is charged)",
     "Preis: {list} − {discount} = {amount} (je Stück: {unit_price}, {unit_off} Rabatt; die "
     "Position wird einmal gerundet und so berechnet)"),
    ("Price: {n} × {unit_price} = {rounding}", "Preis: {n} × {unit_price} = {rounding}"),
    ("At the median the line comes to {n} × {unit_price} = {at_median} instead of {amount}: "
     "an adjustment of {adjustment}",
     "Zum Median ergibt die Position {n} × {unit_price} = {at_median} statt {amount}: eine "
     "Anpassung um {adjustment}"),
    ("Discount: {pct} of {amount} = {rounding}", "Rabatt: {pct} von {amount} = {rounding}"),
    ("The discount of {full} would pass the annual cap of {cap} ({used} received this year "
     "before this line): the discount is {left}, up to the cap, and the rest is at list price",
     "Der Rabatt von {full} würde die Jahresgrenze von {cap} überschreiten ({used} in diesem "
     "Jahr vor dieser Position erhalten): der Rabatt beträgt {left}, bis zur Grenze, der Rest "
     "gilt zum Listenpreis"),
    ("Annual cap of {programme}: {cap}; {used} received this year before this line, {discount} "
     "on this line, {left} left",
     "Jahresgrenze von {programme}: {cap}; {used} in diesem Jahr vor dieser Position erhalten, "
     "{discount} auf dieser Position, {left} übrig"),
    ("Quantity limit {limit}: {n} bought this year before this line, {m} on this line",
     "Mengengrenze {limit}: {n} in diesem Jahr vor dieser Position gekauft, {m} auf dieser "
     "Position"),
    ("No programme applies: {n} × {price} = {amount} at list price",
     "Kein Programm gilt: {n} × {price} = {amount} zum Listenpreis"),
    ("{lost} also applies, but {why}; programmes do not stack",
     "{lost} gilt auch, aber {why}; Programme werden nicht kombiniert"),
    ("Arm's-length range of {count} comparable {measures}: {low} to {high}, median {median_} "
     "(interquartile range; the quartiles are the medians of the lower and upper halves, the "
     "median itself left out of both halves, as the count is odd)",
     "Fremdvergleichsbandbreite aus {count} vergleichbaren {measures}: {low} bis {high}, Median "
     "{median_} (Interquartilsbereich; die Quartile sind die Mediane der unteren und oberen "
     "Hälfte, der Median selbst zählt zu keiner Hälfte, da die Anzahl ungerade ist)"),
    ("Arm's-length range of {count} comparable {measures}: {low} to {high}, median {median_} "
     "(interquartile range; the quartiles are the medians of the lower and upper halves, {n} "
     "values in each half)",
     "Fremdvergleichsbandbreite aus {count} vergleichbaren {measures}: {low} bis {high}, Median "
     "{median_} (Interquartilsbereich; die Quartile sind die Mediane der unteren und oberen "
     "Hälfte, {n} Werte je Hälfte)"),
    ("The {measure} of {tested} lies within the range: no adjustment ({law})",
     "{measure} von {tested} liegt innerhalb der Bandbreite: keine Anpassung ({law})"),
    ("The {measure} of {tested} lies below the range: flagged, to be adjusted to the median of "
     "{median_} ({law})",
     "{measure} von {tested} liegt unterhalb der Bandbreite: markiert, anzupassen auf den Median "
     "von {median_} ({law})"),
    ("The {measure} of {tested} lies above the range: flagged, to be adjusted to the median of "
     "{median_} ({law})",
     "{measure} von {tested} liegt oberhalb der Bandbreite: markiert, anzupassen auf den Median "
     "von {median_} ({law})"),
    ("Low value-adding services are charged at own costs plus a {pct} mark-up, pass-through "
     "costs at cost ({law})",
     "Dienstleistungen mit geringer Wertschöpfung werden zu eigenen Kosten zuzüglich {pct} "
     "Aufschlag berechnet, durchlaufende Kosten zu Kosten ({law})"),
    ("Own costs {own} plus {pct} = {total} (mark-up {markup})",
     "Eigene Kosten {own} zuzüglich {pct} = {total} (Aufschlag {markup})"),
    ("Pass-through costs {passed} at cost, without mark-up",
     "Durchlaufende Kosten {passed} zu Kosten, ohne Aufschlag"),
    ("Charge: {total} + {passed} = {charge}", "Verrechnung: {total} + {passed} = {charge}"),
    # ---------------------------------------------------------------- orders: returns, imports
    ("Return of {n} of {m} × {product} (line {line}, priced on {day}): {amount} refunded",
     "Rückgabe von {n} von {m} × {product} (Position {line}, bepreist am {day}): {amount} "
     "erstattet"),
    ("{discount} of discount goes back to the annual cap of {programme} for {year}, and {n} to "
     "its quantity limits",
     "{discount} Rabatt gehen an die Jahresgrenze von {programme} für {year} zurück und {n} an "
     "ihre Mengengrenzen"),
    ("Amounts are {share}, rounded half up, so that returns of the whole quantity give back "
     "exactly the line ({amount})",
     "Die Beträge sind {share}, kaufmännisch gerundet, sodass Rückgaben der ganzen Menge genau "
     "die Position ergeben ({amount})"),
    ("Recorded from {file} row {n}: paid {paid} ({unit_price} a unit); the programmes in force "
     "price it at {amount}",
     "Erfasst aus {file} Zeile {n}: gezahlt {paid} ({unit_price} je Stück); die geltenden "
     "Programme bepreisen sie mit {amount}"),
    ("Recorded from {file} row {n}: paid {paid} ({unit_price} a unit)",
     "Erfasst aus {file} Zeile {n}: gezahlt {paid} ({unit_price} je Stück)"),
    ("Recorded from {file} row {n}: a return of sale {id}",
     "Erfasst aus {file} Zeile {n}: eine Rückgabe des Verkaufs {id}"),
    # ---------------------------------------------------------------- benefits: why the rule
    ("§ 8 (3) EStG: the employer {seller} sells it to end customers; as a retiree of {employer} "
     "the buyer qualifies like an employee",
     "§ 8 Abs. 3 EStG: der Arbeitgeber {seller} verkauft es an Endkunden; als Ruheständler(in) "
     "von {employer} ist der Käufer wie Beschäftigte berechtigt"),
    ("§ 8 (3) EStG: the employer {seller} sells it to end customers",
     "§ 8 Abs. 3 EStG: der Arbeitgeber {seller} verkauft es an Endkunden"),
    ("§ 8 (2) EStG: {seller} sells it to employees only, not to end customers",
     "§ 8 Abs. 2 EStG: {seller} verkauft es nur an Beschäftigte, nicht an Endkunden"),
    ("§ 8 (2) EStG: the seller {seller} is a group company, not the employer {employer} "
     "(group discount, BFH VI R 39/16)",
     "§ 8 Abs. 2 EStG: der Verkäufer {seller} ist eine Konzerngesellschaft, nicht der "
     "Arbeitgeber {employer} (Konzernrabatt, BFH VI R 39/16)"),
    ("HMRC EIM21704: the benefit is the employer's cost less the price paid",
     "HMRC EIM21704: der Vorteil sind die Kosten des Arbeitgebers abzüglich des gezahlten "
     "Preises"),
    ("IRC § 132(c)(4): real estate and investment property are not qualified property",
     "IRC § 132(c)(4): Immobilien und Kapitalanlagen sind keine begünstigten Waren"),
    ("IRC § 132(c)(4): {seller} does not sell it in the line of business in which the employee "
     "works",
     "IRC § 132(c)(4): {seller} verkauft es nicht in dem Geschäftszweig, in dem die oder der "
     "Beschäftigte arbeitet"),
    ("IRC § 132(c): qualified employee discount on services of {whose}",
     "IRC § 132(c): begünstigter Mitarbeiterrabatt auf Dienstleistungen {whose}"),
    ("IRC § 132(c): qualified employee discount on goods of {whose}",
     "IRC § 132(c): begünstigter Mitarbeiterrabatt auf Waren {whose}"),
    # ---------------------------------------------------------------- benefits: lines
    ("{id}, {day}: return of {units} of line {pid} (bought {day2}, {punits}); it counts in "
     "{tax_period}, the period of the purchase; it changes the statement of {tax_period2} after "
     "that period ended",
     "{id}, {day}: Rückgabe von {units} der Position {pid} (gekauft {day2}, {punits}); sie "
     "zählt in {tax_period}, dem Zeitraum des Kaufs; sie ändert die Abrechnung für "
     "{tax_period2} nach dessen Ende"),
    ("{id}, {day}: return of {units} of line {pid} (bought {day2}, {punits}); it counts in "
     "{tax_period}, the period of the purchase",
     "{id}, {day}: Rückgabe von {units} der Position {pid} (gekauft {day2}, {punits}); sie "
     "zählt in {tax_period}, dem Zeitraum des Kaufs"),
    ("{id}, {day}, {units} of {product} from {seller}: {reason}",
     "{id}, {day}, {units} {product} von {seller}: {reason}"),
    ("{pid}: {rest}", "{pid}: {rest}"),
    ("96 % of the end price {list} = {end} is not above the {paid} paid: no benefit",
     "96 % des Endpreises {list} = {end} liegt nicht über den gezahlten {paid}: kein Vorteil"),
    ("96 % of the end price {list} = {end}; {expr} = {benefit} benefit",
     "96 % des Endpreises {list} = {end}; {expr} = {benefit} Vorteil"),
    ("the {paid} paid is not below the end price {list}: no benefit",
     "die gezahlten {paid} liegen nicht unter dem Endpreis {list}: kein Vorteil"),
    ("the {paid} paid covers the cost {cost}: nothing taxable",
     "die gezahlten {paid} decken die Kosten {cost}: nichts steuerpflichtig"),
    ("discount {expr} = {discount}, all of it taxable wages",
     "Rabatt {expr} = {discount}, vollständig steuerpflichtiger Arbeitslohn"),
    ("discount {expr} = {discount}; limit {pct} ({basis}) × {list} = {limit_}; tax-free "
     "{tax_free}, taxable {taxable}",
     "Rabatt {expr} = {discount}; Grenze {pct} ({basis}) × {list} = {limit_}; steuerfrei "
     "{tax_free}, steuerpflichtig {taxable}"),
    ("{expr} = {benefit} benefit", "{expr} = {benefit} Vorteil"),
    ("{expr} = {benefit} taxable", "{expr} = {benefit} steuerpflichtig"),
    ("BMF 16.05.2013: at the proven market price {market}, § 8 (2) EStG values it at {value}, "
     "{comparison}; {choice}",
     "BMF 16.05.2013: zum nachgewiesenen Marktpreis {market} bewertet § 8 Abs. 2 EStG es mit "
     "{value}, {comparison}; {choice}"),
    ("the purchase now counts for {units} instead of {n}",
     "der Kauf zählt jetzt für {units} statt {n}"),
    ("the return changes the discount by {a_}, the tax-free part by {b_} and the taxable part "
     "by {c_}",
     "die Rückgabe ändert den Rabatt um {a_}, den steuerfreien Teil um {b_} und den "
     "steuerpflichtigen Teil um {c_}"),
    ("the return changes the benefit by {a_}", "die Rückgabe ändert den Vorteil um {a_}"),
    # ---------------------------------------------------------------- benefits: statements
    ("{scheme}, {tax_period}, {person} at {employer}: {benefit} benefit ({lines}); allowance "
     "{used} used of {allowance}, {left} left; taxable {taxable}",
     "{scheme}, {tax_period}, {person} bei {employer}: {benefit} Vorteil ({lines}); "
     "Rabattfreibetrag {used} von {allowance} genutzt, {left} übrig; steuerpflichtig {taxable}"),
    ("{scheme}, {tax_period}, {person} at {employer}: {benefit} benefit ({lines}), {verdict}; "
     "taxable {taxable}",
     "{scheme}, {tax_period}, {person} bei {employer}: {benefit} Vorteil ({lines}), {verdict}; "
     "steuerpflichtig {taxable}"),
    ("{scheme}, {tax_period}, {person} at {employer}: discounts {benefit} ({lines}); tax-free "
     "{tax_free}; taxable wages {taxable}",
     "{scheme}, {tax_period}, {person} bei {employer}: Rabatte {benefit} ({lines}); steuerfrei "
     "{tax_free}; steuerpflichtiger Arbeitslohn {taxable}"),
    ("{scheme}, {tax_period}, {person} at {employer}: {lines}; taxable benefit {taxable}",
     "{scheme}, {tax_period}, {person} bei {employer}: {lines}; steuerpflichtiger Vorteil "
     "{taxable}"),
    ("the allowance is a yearly amount per employment and is not reduced for a part year",
     "der Rabattfreibetrag ist ein Jahresbetrag je Beschäftigungsverhältnis und wird für ein "
     "Teiljahr nicht gekürzt"),
    ("the Freigrenze does not carry over between months, and other benefits in kind of the "
     "month under § 8 (2) that inhouse does not record share it",
     "die Freigrenze wird nicht in andere Monate übertragen, und andere Sachbezüge des Monats "
     "nach § 8 Abs. 2, die inhouse nicht erfasst, teilen sie sich"),
    ("returns after {tax_period} ended (the last on {day}) changed this statement; payroll "
     "corrects that period",
     "Rückgaben nach Ende von {tax_period} (die letzte am {day}) haben diese Abrechnung "
     "geändert; die Lohnabrechnung korrigiert diesen Zeitraum"),
    ("{key}: the employer {employer} has {country}; inhouse has no benefit rules for it",
     "{key}: der Arbeitgeber {employer} hat {country}; inhouse hat dafür keine Regeln für "
     "geldwerte Vorteile"),
    ("{key}: {n} units are not whole units; value it by hand",
     "{key}: {n} Stück sind keine ganzen Stück; bitte von Hand bewerten"),
    # ---------------------------------------------------------------- care: SLA policies, clocks
    ("SLA policy {policy} (position {n}) applies: the fallback (no conditions)",
     "SLA-Richtlinie {policy} (Position {n}) gilt: die Rückfallrichtlinie (ohne Bedingungen)"),
    ("SLA policy {policy} (position {n}) applies: the first that matches",
     "SLA-Richtlinie {policy} (Position {n}) gilt: die erste, die passt"),
    ("SLA policy {policy} (position {n}) does not apply: the relation {relation} is not in its "
     "segments ({wanted})",
     "SLA-Richtlinie {policy} (Position {n}) gilt nicht: die Beziehung {relation} ist nicht in "
     "ihren Segmenten ({wanted})"),
    ("SLA policy {policy} (position {n}) does not apply: the priority {priority} is not one of "
     "{wanted}",
     "SLA-Richtlinie {policy} (Position {n}) gilt nicht: die Priorität {priority} ist keine von "
     "{wanted}"),
    ("no SLA policy applies: the ticket has no SLA targets",
     "keine SLA-Richtlinie gilt: das Ticket hat keine SLA-Ziele"),
    ("SLA policy {policy} was set on the ticket",
     "SLA-Richtlinie {policy} wurde am Ticket festgelegt"),
    ("{clock}: target {n} business minutes", "{clock}: Ziel {n} Geschäftsminuten"),
    ("started {ts}, still running", "begonnen {ts}, läuft noch"),
    ("from {ts} to {ts2}", "von {ts} bis {ts2}"),
    ("counted {span}", "gezählt {span}"),
    ("no business minutes in between (outside working hours)",
     "keine Geschäftsminuten dazwischen (außerhalb der Geschäftszeiten)"),
    ("not counted (paused) {span}", "nicht gezählt (pausiert) {span}"),
    ("elapsed {n} business minutes: breached by {m} minutes",
     "{n} Geschäftsminuten vergangen: um {m} Minuten überschritten"),
    ("elapsed {n} business minutes: within target",
     "{n} Geschäftsminuten vergangen: innerhalb des Ziels"),
    ("due {ts}", "fällig {ts}"),
    ("no due time while the ticket waits in a paused status",
     "keine Fälligkeit, solange das Ticket in einem pausierenden Status wartet"),
    # ---------------------------------------------------------------- care: service parity
    ("too few tickets to compare ({n} internal, {m} external; at least {count} on each side)",
     "zu wenige Tickets für einen Vergleich ({n} intern, {m} extern; mindestens {count} je "
     "Seite)"),
    ("too few CSAT responses to compare ({n} internal, {m} external; at least {count} on each "
     "side)",
     "zu wenige CSAT-Antworten für einen Vergleich ({n} intern, {m} extern; mindestens {count} "
     "je Seite)"),
    ("{median}: no figures on one side", "{median}: keine Zahlen auf einer Seite"),
    ("SLA attainment of internal customers is {mine}% against {theirs}% for external ones "
     "(alert below {floor}%); {n} internal tickets breached",
     "SLA-Erfüllung interner Kunden {mine}% gegenüber {theirs}% bei externen (Alarm unter "
     "{floor}%); {n} interne Tickets mit verletztem SLA"),
    ("the {median} of internal customers is {mine} business minutes against {theirs} for "
     "external ones (alert above {ceiling}); {n} internal tickets took longer than {longer}",
     "{median} interner Kunden {mine} Geschäftsminuten gegenüber {theirs} bei externen (Alarm "
     "über {ceiling}); {n} interne Tickets dauerten länger als {longer}"),
    ("CSAT of internal customers is {mine} against {theirs} for external ones (alert below "
     "{floor}); {n} internal tickets rated below {below}",
     "CSAT interner Kunden {mine} gegenüber {theirs} bei externen (Alarm unter {floor}); {n} "
     "interne Tickets unter {below} bewertet"),
    # ---------------------------------------------------------------- incentives: points
    ("{reason}; capped at {points} of {points2}: all its budget had left",
     "{reason}; begrenzt auf {points} von {points2}: mehr war vom Budget nicht übrig"),
    ("{reason}; only {n} could be taken back: the balance was {m}, the rest had been redeemed",
     "{reason}; nur {n} konnten zurückgenommen werden: der Kontostand war {m}, der Rest war "
     "eingelöst"),
    ("{points} from {programme}: {rate} per {currency} on {amount} spent at {seller} on {day} "
     "(order {order}), rounded down",
     "{points} aus {programme}: {rate} je {currency} auf {amount} Umsatz bei {seller} am {day} "
     "(Bestellung {order}), abgerundet"),
    ("{points} from {programme}: first internal purchase of {person} (order {order} at "
     "{seller} on {day})",
     "{points} aus {programme}: erster interner Kauf von {person} (Bestellung {order} bei "
     "{seller} am {day})"),
    ("{points} from {programme}: {referrer} referred {person}, whose first internal purchase "
     "is order {order} on {day}",
     "{points} aus {programme}: {referrer} hat {person} empfohlen, deren oder dessen erster "
     "interner Kauf die Bestellung {order} am {day} ist"),
    ("{programme}: a bonus is not taken back", "{programme}: ein Bonus wird nicht zurückgenommen"),
    ("{points} of {programme} taken back: the return of {returned} leaves {paid} paid for "
     "order {order} ({amount}), which keeps {points2} of the {points3} earned",
     "{points} aus {programme} zurückgenommen: nach der Rückgabe von {returned} bleiben {paid} "
     "für die Bestellung {order} ({amount}) bezahlt; damit bleibt es bei {points2} der "
     "verdienten {points3}"),
    ("{points} of {points2} earned of {programme} (entry {entry}) unused by {day}: they expire "
     "on {day2}",
     "{points} von {points2}, verdient aus {programme} (Buchung {entry}), bis {day} nicht "
     "eingelöst: sie verfallen am {day2}"),
    ("{points} of {points2} earned (entry {entry}) unused by {day}: they expire on {day2}",
     "{points} von {points2}, verdient (Buchung {entry}), bis {day} nicht eingelöst: sie "
     "verfallen am {day2}"),
    ("order {order} was booked before: nothing is booked again",
     "die Bestellung {order} wurde schon gebucht: nichts wird erneut gebucht"),
    ("order {order} was not booked for points",
     "die Bestellung {order} wurde nicht für Punkte gebucht"),
    ("return {id} was booked before: nothing is booked again",
     "die Rückgabe {id} wurde schon gebucht: nichts wird erneut gebucht"),
    ("{programme} does not apply: {reason}", "{programme} gilt nicht: {reason}"),
    ("only purchases by a person earn points", "nur Käufe von Personen bringen Punkte"),
    ("the purchase is not internal ({relation})", "der Kauf ist nicht intern ({relation})"),
    ("it is not valid on {day} ({period})", "es gilt nicht am {day} ({period})"),
    ("it counts spending in {c1}, the purchase was in {c2}",
     "es zählt Umsätze in {c1}, der Kauf war in {c2}"),
    ("{amount} earns less than 1 point", "{amount} bringt weniger als 1 Punkt"),
    ("{person} has bought internally before", "{person} hat schon intern gekauft"),
    ("nobody referred {person}", "niemand hat {person} empfohlen"),
    ("its budget is used up ({n} points awarded)",
     "sein Budget ist aufgebraucht ({n} Punkte vergeben)"),
    ("it counts only sales of the {group} group, and {seller} belongs to {sg}",
     "es zählt nur Verkäufe des Konzerns {group}, und {seller} gehört zu {sg}"),
    ("it counts only sales of {entity}, and {seller} sold",
     "es zählt nur Verkäufe von {entity}, und {seller} hat verkauft"),
    # ---------------------------------------------------------------- incentives: participation
    ("one month or less with eligible employees: no trend",
     "höchstens ein Monat mit teilnahmeberechtigten Beschäftigten: kein Trend"),
    ("participation stayed at {pct}% from {first} to {last}",
     "die Teilnahme blieb von {first} bis {last} bei {pct}%"),
    ("participation rose from {a_}% in {first} to {b_}% in {last} ({change} percentage points)",
     "die Teilnahme stieg von {a_}% in {first} auf {b_}% in {last} ({change} Prozentpunkte)"),
    ("participation fell from {a_}% in {first} to {b_}% in {last} ({change} percentage points)",
     "die Teilnahme sank von {a_}% in {first} auf {b_}% in {last} ({change} Prozentpunkte)"),
)  # fmt: skip
"""(English pattern, German) of each sentence shape; the first that matches wins."""

_PARTS["tax_period2"] = _PARTS["tax_period"]


class Translator:
    """German for one table of English sentence shapes.

    ``rules`` are (English pattern, German template) pairs, the first that matches wins; a
    ``{name}`` in a pattern matches the pattern of its entry in ``parts`` and is put into
    the German through that entry's converter, or, without an entry, matches an id (a name
    in ``ids``) or any text and is carried over as it is.
    """

    def __init__(
        self,
        rules: Iterable[tuple[str, str]],
        parts: Mapping[str, tuple[str, Callable[[str], str]]],
        ids: Iterable[str] = (),
    ) -> None:
        self.parts = parts
        self.ids = frozenset(ids)
        self.compiled: tuple[tuple[re.Pattern[str], str], ...] = tuple(
            (self.compile(english), german) for english, german in rules
        )
        self.german = lru_cache(maxsize=8192)(self._german)

    def compile(self, english: str) -> re.Pattern[str]:
        """The regular expression of one English pattern."""
        pattern: list[str] = []
        position = 0
        for found in _ABBREVIATION.finditer(english):
            pattern.append(re.escape(english[position : found.start()]))
            name = found.group(1)
            if name in self.parts:
                part = self.parts[name][0]
            elif name in self.ids:
                part = _ID
            else:
                part = r".+?"
            pattern.append(f"(?P<{name}>{part})")
            position = found.end()
        pattern.append(re.escape(english[position:]))
        return re.compile("".join(pattern))

    def _german(self, sentence: str) -> str:
        for pattern, template in self.compiled:
            found = pattern.fullmatch(sentence)
            if found is None:
                continue
            values = {
                name: self.parts[name][1](value) if name in self.parts else value
                for name, value in found.groupdict().items()
            }
            return template.format_map(values)
        return sentence

    def translate(self, sentence: str, language: str) -> str:
        """The sentence in ``language`` (``"en"``: as the code wrote it)."""
        return self.german(sentence) if language == "de" else sentence

    def matches(self, sentence: str) -> bool:
        """Whether a pattern knows the sentence (for tests that every sentence has German)."""
        return any(pattern.fullmatch(sentence) for pattern, _template in self.compiled)


EVIDENCE = Translator(RULES, _PARTS, _IDS)
"""The translator of the evidence sentences."""


def german(sentence: str) -> str:
    """The German of one evidence sentence; unchanged when no pattern matches it."""
    return EVIDENCE.german(sentence)


def translate(sentence: str, language: str) -> str:
    """The sentence in ``language`` (``"en"``: as the domain wrote it)."""
    return EVIDENCE.translate(sentence, language)


def matches(sentence: str) -> bool:
    """Whether a pattern knows the sentence (for the test that every sentence has German)."""
    return EVIDENCE.matches(sentence)
