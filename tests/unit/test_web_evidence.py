"""The German of the domain's evidence sentences (``inhouse.web.evidence``): given an
English sentence as the domain writes it, when translated, then this exact German."""

from __future__ import annotations

import re

import pytest

from inhouse.web.evidence import RULES, german, matches, translate

EXAMPLES = [
    # groups: control and classification
    ("JKL holds 100% of the votes in ABC (since 2019-01-01)",
     "JKL hält 100% der Stimmrechte an ABC (seit 2019-01-01)"),
    ("JKL holds 45% of the votes in LOG (since 2024-01-01, until 2026-04-01)",
     "JKL hält 45% der Stimmrechte an LOG (seit 2024-01-01, bis 2026-04-01)"),
    ("JKL holds more than 75% up to 100% of the votes in JKL-UK (since 2023-07-01)",
     "JKL hält mehr als 75% bis 100% der Stimmrechte an JKL-UK (seit 2023-07-01)"),
    ("JKL controls LOG by agreement (since 2026-04-01)",
     "JKL beherrscht LOG durch Vereinbarung (seit 2026-04-01)"),
    ("P037 is employed by ABC (since 2021-03-01, until 2026-06-01)",
     "P037 ist bei ABC beschäftigt (seit 2021-03-01, bis 2026-06-01)"),
    ("P020 is a retiree of XYZ (since 2024-01-01)",
     "P020 ist Ruheständler(in) von XYZ (seit 2024-01-01)"),
    ("Together JKL and the entities it controls (XYZ) hold between 50% and 65% of the votes in PRT",
     "Zusammen halten JKL und die von ihm beherrschten Gesellschaften (XYZ) zwischen 50% und 65% "
     "der Stimmrechte an PRT"),
    ("Control of PRT by JKL is uncertain: together they hold more than 40% up to 60% of the votes "
     "(stakes XYZ→PRT (40,60]); it is not assumed",
     "Die Beherrschung von PRT durch JKL ist unsicher: zusammen halten sie mehr als 40% bis 60% "
     "der Stimmrechte (Beteiligungen XYZ→PRT (40,60]); sie wird nicht angenommen"),
    ("ABC and XYZ are both controlled by JKL on 2026-03-02",
     "ABC und XYZ werden am 2026-03-02 beide von JKL beherrscht"),
    ("ABC is controlled by JKL on 2026-03-02", "ABC wird am 2026-03-02 von JKL beherrscht"),
    ("ABC-MGMT is an org unit of ABC, the seller's own legal entity",
     "ABC-MGMT ist eine Organisationseinheit von ABC, der eigenen Gesellschaft des Verkäufers"),
    ("WALKIN-0271 is not a known party", "WALKIN-0271 ist keine bekannte Partei"),
    ("JKL-US belongs to the JKL group and HANSA to the HANSA group on 2026-07-01",
     "JKL-US gehört am 2026-07-01 zum Konzern JKL und HANSA zum Konzern HANSA"),
    ("P012 has no employment in the ACME group on 2025-12-01",
     "P012 ist am 2025-12-01 in keiner Gesellschaft des Konzerns ACME beschäftigt"),
    ("The DEF group holds 35% of the votes in JKL of the JKL group: significant influence "
     "(IAS 28.5)",
     "Der Konzern DEF hält 35% der Stimmrechte an JKL im Konzern JKL: maßgeblicher Einfluss "
     "(IAS 28.5)"),
    ("P090 holds 100% of the votes in DEF of the DEF group (IAS 24 related party)",
     "P090 hält 100% der Stimmrechte an DEF im Konzern DEF (nahestehende Person nach IAS 24)"),
    ("The effective interest in JKL-UK uses the midpoint of a share band",
     "Der durchgerechnete Anteil an JKL-UK verwendet die Mitte einer Anteilsspanne"),
    # orders and prices
    ("ABC buys from XYZ on 2026-03-02 as another company of the seller's group (intercompany)",
     "ABC kauft am 2026-03-02 bei XYZ als andere Gesellschaft des Konzerns des Verkäufers "
     "(intercompany)"),
    ("Line 1: 1 × DSL 50, monthly (TEL-DSL50, category dsl) from TEL-DSL on 2026-02-08 at a list "
     "price of 34.99 EUR",
     "Position 1: 1 × DSL 50, monthly (TEL-DSL50, Kategorie dsl) von TEL-DSL am 2026-02-08 zum "
     "Listenpreis von 34.99 EUR"),
    ("staff discount ABC-STAFF (Staff purchases at ABC) applies to an employee of the seller: "
     "20% off the list price",
     "Personalrabatt ABC-STAFF (Staff purchases at ABC) gilt für Beschäftigte(r) des Verkäufers: "
     "20% Rabatt auf den Listenpreis"),
    ("transfer price ABC-TP (Transfer prices of ABC: resale minus 25 %) applies to another "
     "company of the seller's group: list price 129.00 EUR minus a gross margin of 25% (resale "
     "minus method)",
     "Verrechnungspreis ABC-TP (Transfer prices of ABC: resale minus 25 %) gilt für andere "
     "Gesellschaft des Konzerns des Verkäufers: Listenpreis 129.00 EUR abzüglich einer "
     "Bruttomarge von 25% (Wiederverkaufspreismethode)"),
    ("group staff discount ABC-GROUP (Group staff discount at ABC) does not apply: seller out of "
     "scope: it covers the seller ABC, the seller is XYZ",
     "Konzern-Personalrabatt ABC-GROUP (Group staff discount at ABC) gilt nicht: Verkäufer nicht "
     "erfasst: es umfasst den Verkäufer ABC, der Verkäufer ist XYZ"),
    ("staff discount ABC-STAFF (Staff purchases at ABC) does not apply: wrong relation: it is for "
     "employees of the seller (employee), the buyer is an external customer (external)",
     "Personalrabatt ABC-STAFF (Staff purchases at ABC) gilt nicht: falsche Beziehung: es ist für "
     "Beschäftigte des Verkäufers (employee), der Käufer ist externer Kunde (external)"),
    ("staff discount TEL-STAFF (Staff purchases at TEL) also applies, but TEL-STAFF-DSL has the "
     "higher priority (10 against 0); programmes do not stack",
     "Personalrabatt TEL-STAFF (Staff purchases at TEL) gilt auch, aber TEL-STAFF-DSL hat die "
     "höhere Priorität (10 gegenüber 0); Programme werden nicht kombiniert"),
    ("Discount: 10% of 104.85 EUR = 10.485 EUR, rounded half up to 10.49 EUR",
     "Rabatt: 10% von 104.85 EUR = 10.485 EUR, kaufmännisch gerundet auf 10.49 EUR"),
    ("Annual cap of ABC-STAFF: 2,000.00 EUR; 0.00 EUR received this year before this line, "
     "1.00 EUR on this line, 1,999.00 EUR left",
     "Jahresgrenze von ABC-STAFF: 2,000.00 EUR; 0.00 EUR in diesem Jahr vor dieser Position "
     "erhalten, 1.00 EUR auf dieser Position, 1,999.00 EUR übrig"),
    ("No programme applies: 1 × 11.50 GBP = 11.50 GBP at list price",
     "Kein Programm gilt: 1 × 11.50 GBP = 11.50 GBP zum Listenpreis"),
    ("Return of 1 of 1 × ABC-DRILL (line 1, priced on 2026-02-02): 129.00 EUR refunded",
     "Rückgabe von 1 von 1 × ABC-DRILL (Position 1, bepreist am 2026-02-02): 129.00 EUR "
     "erstattet"),
    ("Recorded from sales.csv row 1035: a return of sale S01019",
     "Erfasst aus sales.csv Zeile 1035: eine Rückgabe des Verkaufs S01019"),
    # benefits
    ("S00010/1, 2025-12-01, 2 units of ABC-LAMP from ABC: § 8 (3) EStG: the employer ABC sells "
     "it to end customers",
     "S00010/1, 2025-12-01, 2 Stück ABC-LAMP von ABC: § 8 Abs. 3 EStG: der Arbeitgeber ABC "
     "verkauft es an Endkunden"),
    ("96 % of the end price 12.50 = 12.00; (12.00 − 8.75 paid) × 2 = 6.50 benefit",
     "96 % des Endpreises 12.50 = 12.00; (12.00 − 8.75 gezahlt) × 2 = 6.50 Vorteil"),
    ("§ 8 (2) EStG, May 2026, P004 at JKL: 9.33 benefit (2 lines), at most the monthly "
     "Freigrenze of 50.00: nothing taxable; taxable 0.00 EUR",
     "§ 8 Abs. 2 EStG, Mai 2026, P004 bei JKL: 9.33 Vorteil (2 Positionen), höchstens die "
     "monatliche Freigrenze von 50.00: nichts steuerpflichtig; steuerpflichtig 0.00 EUR"),
    ("§ 8 (3) EStG, 2026, P001 at ABC: 61.92 benefit (1 line); allowance 61.92 used of 1,080.00, "
     "1,018.08 left; taxable 0.00 EUR",
     "§ 8 Abs. 3 EStG, 2026, P001 bei ABC: 61.92 Vorteil (1 Position); Rabattfreibetrag 61.92 "
     "von 1,080.00 genutzt, 1,018.08 übrig; steuerpflichtig 0.00 EUR"),
    ("HMRC EIM21704, tax year 2025-26 (6 April 2025 to 5 April 2026), P075 at JKL-UK: 5 lines; "
     "taxable benefit 0.00 GBP",
     "HMRC EIM21704, Steuerjahr 2025-26 (6. April 2025 bis 5. April 2026), P075 bei JKL-UK: 5 "
     "Positionen; steuerpflichtiger Vorteil 0.00 GBP"),
    ("S01168/1, 2026-04-15: return of 1 unit of line S01023/1 (bought 2026-03-28, 1 unit); it "
     "counts in March 2026, the period of the purchase; it changes the statement of March 2026 "
     "after that period ended",
     "S01168/1, 2026-04-15: Rückgabe von 1 Stück der Position S01023/1 (gekauft 2026-03-28, 1 "
     "Stück); sie zählt in März 2026, dem Zeitraum des Kaufs; sie ändert die Abrechnung für "
     "März 2026 nach dessen Ende"),
    ("BMF 16.05.2013: at the proven market price 112.00, § 8 (2) EStG values it at 26.40, lower "
     "than the § 8 (3) valuation 61.92 by 35.52; § 8 (3) applies unless § 8 (2) is chosen",
     "BMF 16.05.2013: zum nachgewiesenen Marktpreis 112.00 bewertet § 8 Abs. 2 EStG es mit "
     "26.40, um 35.52 niedriger als die Bewertung nach § 8 Abs. 3 mit 61.92; § 8 Abs. 3 gilt, "
     "sofern nicht § 8 Abs. 2 gewählt wird"),
    ("S00023/1: § 8 (2) EStG: the seller XYZ is a group company, not the employer PRT (group "
     "discount, BFH VI R 39/16)",
     "S00023/1: § 8 Abs. 2 EStG: der Verkäufer XYZ ist eine Konzerngesellschaft, nicht der "
     "Arbeitgeber PRT (Konzernrabatt, BFH VI R 39/16)"),
    # care
    ("SLA policy URGENT (position 1) does not apply: the priority low is not one of urgent",
     "SLA-Richtlinie URGENT (Position 1) gilt nicht: die Priorität low ist keine von urgent"),
    ("SLA policy STANDARD (position 9) applies: the fallback (no conditions)",
     "SLA-Richtlinie STANDARD (Position 9) gilt: die Rückfallrichtlinie (ohne Bedingungen)"),
    ("first response: target 240 business minutes", "Erste Antwort: Ziel 240 Geschäftsminuten"),
    ("counted Thu 2025-12-04 13:00–15:50 CET (170 min)",
     "gezählt Do 2025-12-04 13:00–15:50 CET (170 min)"),
    ("not counted (paused) Sun 2026-03-29 00:00–Mon 2026-03-30 09:00 CET/CEST (1980 min)",
     "nicht gezählt (pausiert) So 2026-03-29 00:00–Mo 2026-03-30 09:00 CET/CEST (1980 min)"),
    ("counted 2026-03-02 to 2026-06-30: 84 business days of 08:00 each (40320 min), not "
     "counting 3 holidays",
     "gezählt 2026-03-02 bis 2026-06-30: 84 Geschäftstage zu je 08:00 Stunden (40320 min), "
     "ohne 3 Feiertage"),
    ("not counted (paused) 2026-03-02 to 2026-04-29: 59 business days (84900 min)",
     "nicht gezählt (pausiert) 2026-03-02 bis 2026-04-29: 59 Geschäftstage (84900 min)"),
    ("counted 2026-03-07 to 2026-03-15: 1 business day of 04:00 each (240 min), not counting "
     "1 holiday",
     "gezählt 2026-03-07 bis 2026-03-15: 1 Geschäftstag zu je 04:00 Stunden (240 min), ohne 1 "
     "Feiertag"),
    ("elapsed 100 business minutes: breached by 40 minutes",
     "100 Geschäftsminuten vergangen: um 40 Minuten überschritten"),
    ("no business minutes in between (outside working hours)",
     "keine Geschäftsminuten dazwischen (außerhalb der Geschäftszeiten)"),
    ("due 2026-06-22T10:00:00+00:00", "fällig 2026-06-22T10:00:00+00:00"),
    ("too few tickets to compare (0 internal, 0 external; at least 10 on each side)",
     "zu wenige Tickets für einen Vergleich (0 intern, 0 extern; mindestens 10 je Seite)"),
    ("the median resolution of internal customers is 1440 business minutes against 420 for "
     "external ones (alert above 462.0); 12 internal tickets took longer than 420",
     "Median der Lösung interner Kunden 1440 Geschäftsminuten gegenüber 420 bei externen (Alarm "
     "über 462.0); 12 interne Tickets dauerten länger als 420"),
    # incentives
    ("83 points from JKL-POINTS: 1 per EUR on 83.30 EUR spent at TEL on 2026-02-26 (order "
     "S00753), rounded down",
     "83 Punkte aus JKL-POINTS: 1 je EUR auf 83.30 EUR Umsatz bei TEL am 2026-02-26 (Bestellung "
     "S00753), abgerundet"),
    ("1 point of 5 points earned of JKL-POINTS (entry 12) unused by 2026-12-01: they expire on "
     "2026-12-02",
     "1 Punkt von 5 Punkten, verdient aus JKL-POINTS (Buchung 12), bis 2026-12-01 nicht "
     "eingelöst: sie verfallen am 2026-12-02"),
    ("2 points of JKL-POINTS taken back: the return of 20.00 EUR leaves 30.00 EUR paid for order "
     "S00753 (50.00 EUR), which keeps 3 points of the 5 points earned",
     "2 Punkte aus JKL-POINTS zurückgenommen: nach der Rückgabe von 20.00 EUR bleiben 30.00 EUR "
     "für die Bestellung S00753 (50.00 EUR) bezahlt; damit bleibt es bei 3 Punkten der verdienten "
     "5 Punkte"),
    ("40 points from JKL-POINTS: 1 per EUR on 50.00 EUR spent at TEL on 2026-02-26 (order "
     "S00753), rounded down; capped at 40 points of 50 points: all its budget had left",
     "40 Punkte aus JKL-POINTS: 1 je EUR auf 50.00 EUR Umsatz bei TEL am 2026-02-26 (Bestellung "
     "S00753), abgerundet; begrenzt auf 40 Punkte von 50 Punkten: mehr war vom Budget nicht "
     "übrig"),
    ("participation fell from 64.58% in 2025-12 to 59.62% in 2026-11 (-4.96 percentage points)",
     "die Teilnahme sank von 64.58% in 2025-12 auf 59.62% in 2026-11 (-4.96 Prozentpunkte)"),
]  # fmt: skip


@pytest.mark.parametrize(("english", "expected"), EXAMPLES)
def test_a_domain_sentence_reads_in_german(english: str, expected: str) -> None:
    assert german(english) == expected


def test_a_sentence_that_no_pattern_knows_stays_as_it_is() -> None:
    assert german("The moon is made of cheese") == "The moon is made of cheese"
    assert not matches("The moon is made of cheese")


def test_a_sentence_like_a_known_one_but_longer_stays_as_it_is() -> None:
    assert (
        german("due 2026-06-22T10:00:00+00:00 or later") == "due 2026-06-22T10:00:00+00:00 or later"
    )


def test_english_pages_show_the_sentence_as_the_domain_wrote_it() -> None:
    sentence = "ABC is controlled by JKL on 2026-03-02"
    assert translate(sentence, "en") == sentence
    assert translate(sentence, "de") == "ABC wird am 2026-03-02 von JKL beherrscht"


def test_each_german_template_uses_only_the_values_of_its_english_pattern() -> None:
    for english, german_text in RULES:
        names = set(re.findall(r"\{(\w+)\}", english))
        used = set(re.findall(r"\{(\w+)\}", german_text))
        assert used <= names, english
