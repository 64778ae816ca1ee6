"""Generate the demo dataset: the JKL group of the founding text, with a year of sales.

``python -m inhouse.demo.generate [OUT_DIR]`` (default: :data:`inhouse.demo.DATA_DIR`)
rewrites the CSV files. The output depends on nothing but this file and the groups
domain: a seeded ``random.Random``, no clock, money as ``Decimal``.

Every sale's price follows from how the buyer classifies on the sale's day (the groups
domain is asked, so prices and relations never disagree):

============== ==============================================================
relation       price paid
============== ==============================================================
same_entity    the unit cost (department charge without mark-up)
intercompany   the seller's transfer price (cost plus, or resale minus for ABC)
employee       list price less the seller's staff discount
group_employee list price less the seller's group staff discount
related_party  list price (arm's length)
external       list price
============== ==============================================================

Items ``for_employees_only`` are sold only to the seller's own staff, at list price.
A few story lines set their own price (a UK staff clearance below cost).
"""

from __future__ import annotations

import csv
import random
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from stdnum.iso7064 import mod_11_10, mod_97_10

from inhouse import demo
from inhouse.dates import Period
from inhouse.groups.domain import (
    Control,
    Employment,
    EmploymentKind,
    Entity,
    OrgUnit,
    Person,
    Register,
    Relation,
    Share,
    Stake,
)

SEED = 20260302
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Table = list[list[str]]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _vat_de(base: str) -> str:
    """A German VAT ID with a valid check digit (ISO 7064 MOD 11,10) for eight digits."""
    return f"DE{base}{mod_11_10.calc_check_digit(base)}"


def _lei(entity_part: str) -> str:
    """An LEI (ISO 17442): LOU prefix, ``00``, twelve characters, two MOD 97-10 check digits."""
    body = f"529900{entity_part}"
    return body + mod_97_10.calc_check_digits(body)


# --------------------------------------------------------------------------- entities

# fmt: off
ENTITIES: tuple[Entity, ...] = (
    # the JKL group
    Entity("JKL", "JKL Holding AG", "DE", "EUR", _lei("JKLHOLDING00"), _vat_de("21450017"), "holding"),
    Entity("ABC", "ABC Handel GmbH", "DE", "EUR", _lei("ABCHANDEL000"), _vat_de("21450025"), "retail"),
    Entity("XYZ", "XYZ Widgets GmbH", "DE", "EUR", _lei("XYZWIDGETS00"), _vat_de("21450033"), "manufacturing"),
    Entity("TEL", "JKL Telecom GmbH", "DE", "EUR", None, _vat_de("21450041"), "telecommunications"),
    Entity("INS", "JKL Versicherungsagentur GmbH", "DE", "EUR", None, _vat_de("21450058"), "insurance agency"),
    Entity("PRT", "Präzisionsteile Rhein GmbH", "DE", "EUR", None, _vat_de("21450066"), "manufacturing"),
    Entity("LOG", "Lorenz Logistik GmbH", "DE", "EUR", None, _vat_de("21450074"), "logistics"),
    Entity("JKL-US", "JKL Widgets Inc.", "US", "USD", _lei("JKLWIDGETSUS"), None, "retail"),
    Entity("JKL-UK", "JKL Widgets Ltd", "GB", "GBP", _lei("JKLWIDGETSUK"), None, "retail"),
    # related parties
    Entity("MNO", "MNO Komponenten GmbH", "DE", "EUR", None, _vat_de("31760012"), "manufacturing"),
    Entity("GHI", "GHI Antriebstechnik GmbH", "DE", "EUR", None, None, "engineering"),
    Entity("DEF", "DEF Beteiligungs GmbH", "DE", "EUR", None, None, "investment"),
    # external companies
    Entity("UVW", "UVW Energie AG", "DE", "EUR", None, None, "utilities"),
    Entity("HANSA", "Hansa Baumarkt GmbH", "DE", "EUR", None, _vat_de("41280019"), "retail"),
    Entity("STADTW", "Stadtwerke Musterstadt GmbH", "DE", "EUR", None, None, "utilities"),
    Entity("ACME", "Acme Hardware Inc.", "US", "USD", None, None, "retail"),
    Entity("BRITWID", "Brit Widgets Ltd", "GB", "GBP", None, None, "wholesale"),
)
# fmt: on


def _stake(
    holder: str,
    entity: str,
    share: str,
    valid_from: str | None,
    valid_to: str | None = None,
    control: Control = Control.DERIVED,
) -> Stake:
    return Stake(
        holder,
        entity,
        Share.parse(share),
        Share.parse(share),
        Period(_d(valid_from) if valid_from else None, _d(valid_to) if valid_to else None),
        control,
    )


STAKES: tuple[Stake, ...] = (
    _stake("P090", "DEF", "100", "2010-05-01"),
    _stake("DEF", "JKL", "35", "2015-01-01"),
    _stake("JKL", "ABC", "100", "2019-01-01"),
    _stake("JKL", "XYZ", "100", "2020-07-01"),
    _stake("JKL", "TEL", "100", "2021-01-01"),
    _stake("JKL", "MNO", "30", "2021-06-01"),
    _stake("JKL", "JKL-US", "80", "2022-01-01"),
    _stake("JKL", "INS", "100", "2022-04-01"),
    _stake("P091", "PRT", "100", "2008-03-01", "2023-01-01"),
    _stake("P091", "PRT", "40", "2023-01-01"),
    _stake("XYZ", "PRT", "60", "2023-01-01"),
    _stake("JKL", "JKL-UK", "(75,100]", "2023-07-01"),
    _stake("JKL", "LOG", "45", "2024-01-01", "2026-04-01"),
    _stake("JKL", "LOG", "45", "2026-04-01", None, Control.YES),
    _stake("JKL", "GHI", "50", "2024-07-01"),
    _stake("UVW", "GHI", "50", "2024-07-01"),
)

# --------------------------------------------------------------------------- org units

UNITS: tuple[OrgUnit, ...] = (
    OrgUnit("JKL-BOARD", "JKL", "Executive board", None, "1000"),
    OrgUnit("JKL-FIN", "JKL", "Group finance", "JKL-BOARD", "1100"),
    OrgUnit("JKL-HR", "JKL", "Group HR", "JKL-BOARD", "1200"),
    OrgUnit("JKL-IT", "JKL", "Group IT", "JKL-BOARD", "1300"),
    OrgUnit("XYZ-MGMT", "XYZ", "Management", None, "2000"),
    OrgUnit("XYZ-ADMIN", "XYZ", "Administration", "XYZ-MGMT", "2010"),
    OrgUnit("XYZ-PROD", "XYZ", "Production", "XYZ-MGMT", "2100"),
    OrgUnit("XYZ-FOUNDRY", "XYZ", "Foundry", "XYZ-PROD", "2110"),
    OrgUnit("XYZ-MACH", "XYZ", "Machining", "XYZ-PROD", "2120"),
    OrgUnit("XYZ-ASSY", "XYZ", "Assembly", "XYZ-PROD", "2130"),
    OrgUnit("XYZ-SHIP", "XYZ", "Shipping", "XYZ-PROD", "2140"),
    OrgUnit("ABC-MGMT", "ABC", "Management", None, "3000"),
    OrgUnit("ABC-PURCH", "ABC", "Purchasing", "ABC-MGMT", "3100"),
    OrgUnit("ABC-STORES", "ABC", "Stores", "ABC-MGMT", "3200"),
    OrgUnit("ABC-WORKSHOP", "ABC", "Kit assembly workshop", "ABC-MGMT", "3300"),
    OrgUnit("ABC-SALES", "ABC", "Sales", "ABC-MGMT", "3400"),
    OrgUnit("ABC-SHOP-CGN", "ABC", "Store Cologne", "ABC-SALES", "3410"),
    OrgUnit("ABC-WEB", "ABC", "Online shop", "ABC-SALES", "3420"),
    OrgUnit("TEL-MGMT", "TEL", "Management", None, "4000"),
    OrgUnit("TEL-NET", "TEL", "Network operations", "TEL-MGMT", "4100"),
    OrgUnit("TEL-DSL", "TEL", "DSL products", "TEL-MGMT", "4200"),
    OrgUnit("TEL-CONF", "TEL", "Audio conferencing", "TEL-MGMT", "4300"),
    OrgUnit("TEL-CARE", "TEL", "Customer care", "TEL-MGMT", "4400"),
    OrgUnit("INS-MGMT", "INS", "Management", None, "5000"),
    OrgUnit("INS-AGENTS", "INS", "Agents", "INS-MGMT", "5100"),
    OrgUnit("INS-BACK", "INS", "Back office", "INS-MGMT", "5200"),
    OrgUnit("US-MGMT", "JKL-US", "Management", None, "6000"),
    OrgUnit("US-SALES", "JKL-US", "Sales", "US-MGMT", "6100"),
    OrgUnit("US-SERVICE", "JKL-US", "Installation service", "US-MGMT", "6200"),
    OrgUnit("UK-MGMT", "JKL-UK", "Management", None, "7000"),
    OrgUnit("UK-SALES", "JKL-UK", "Sales", "UK-MGMT", "7100"),
    OrgUnit("PRT-PROD", "PRT", "Production", None, "8000"),
    OrgUnit("LOG-FLEET", "LOG", "Fleet", None, "9000"),
)

# --------------------------------------------------------------------------- people

_DOMAINS = {
    "JKL": "jkl-group.example",
    "ABC": "abc.jkl-group.example",
    "XYZ": "xyz.jkl-group.example",
    "TEL": "tel.jkl-group.example",
    "INS": "ins.jkl-group.example",
    "PRT": "prt.jkl-group.example",
    "LOG": "lorenz-logistik.example",
    "JKL-US": "us.jkl-group.example",
    "JKL-UK": "uk.jkl-group.example",
}

# person, name, entity, unit, valid_from, valid_to: one row per employment
_STAFF: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("P001", "Katrin Vogel", "JKL", "JKL-BOARD", "2015-01-01", None),
    ("P002", "Thomas Berger", "JKL", "JKL-FIN", "2016-09-01", None),
    ("P003", "Aylin Demir", "JKL", "JKL-HR", "2019-02-01", None),
    ("P004", "Jonas Richter", "JKL", "JKL-IT", "2020-01-15", None),
    ("P005", "Mia Hoffmann", "JKL", "JKL-FIN", "2026-03-01", None),
    ("P010", "Stefan Wagner", "XYZ", "XYZ-MGMT", "2012-04-01", None),
    ("P011", "Markus Schmitt", "XYZ", "XYZ-FOUNDRY", "2005-08-01", None),
    ("P012", "Ivana Petrović", "XYZ", "XYZ-FOUNDRY", "2017-03-01", None),
    ("P013", "Lukas Becker", "XYZ", "XYZ-MACH", "2014-10-01", None),
    ("P014", "Sabine Krüger", "XYZ", "XYZ-MACH", "2019-06-01", None),
    ("P015", "Andreas Wolf", "XYZ", "XYZ-ASSY", "2011-01-01", None),
    ("P016", "Fatma Yılmaz", "XYZ", "XYZ-ASSY", "2021-09-01", None),
    ("P017", "Daniel Schulz", "XYZ", "XYZ-SHIP", "2016-05-01", None),
    ("P018", "Nicole Braun", "XYZ", "XYZ-ADMIN", "2018-02-01", None),
    ("P019", "Piotr Nowak", "XYZ", "XYZ-MACH", "2026-01-12", None),
    ("P020", "Heinz Lehmann", "XYZ", "XYZ-FOUNDRY", "1989-09-01", "2024-01-01"),
    ("P021", "Julia Neumann", "XYZ", "XYZ-ASSY", "2020-11-01", None),
    ("P022", "Kevin Hartmann", "XYZ", "XYZ-SHIP", "2022-03-15", None),
    ("P023", "Olga Smirnova", "XYZ", "XYZ-FOUNDRY", "2023-08-01", None),
    ("P030", "Claudia Fischer", "ABC", "ABC-MGMT", "2013-01-01", None),
    ("P031", "Michael Weber", "ABC", "ABC-PURCH", "2015-04-01", None),
    ("P032", "Laura Meyer", "ABC", "ABC-STORES", "2018-09-01", None),
    ("P033", "Emre Kaya", "ABC", "ABC-WORKSHOP", "2020-02-01", None),
    ("P034", "Anna Schneider", "ABC", "ABC-SHOP-CGN", "2016-03-01", None),
    ("P035", "Tim Zimmermann", "ABC", "ABC-SHOP-CGN", "2019-08-01", None),
    ("P036", "Lea Koch", "ABC", "ABC-WEB", "2021-05-01", None),
    ("P037", "Jan Schröder", "ABC", "ABC-PURCH", "2021-03-01", "2026-06-01"),
    ("P037", "Jan Schröder", "XYZ", "XYZ-SHIP", "2026-06-01", None),
    ("P038", "Sophie Lange", "ABC", "ABC-SHOP-CGN", "2022-05-01", None),
    ("P038", "Sophie Lange", "INS", "INS-AGENTS", "2024-09-01", None),
    ("P039", "Niklas Krause", "ABC", "ABC-SHOP-CGN", "2026-04-15", None),
    ("P040", "Marie Schwarz", "ABC", "ABC-STORES", "2017-07-01", None),
    ("P041", "Hannah Wolff", "ABC", "ABC-WEB", "2023-02-01", None),
    ("P045", "Ralf Werner", "TEL", "TEL-MGMT", "2021-01-01", None),
    ("P046", "Nadine Schmitz", "TEL", "TEL-NET", "2017-04-01", None),
    ("P047", "Yusuf Arslan", "TEL", "TEL-NET", "2020-09-01", None),
    ("P048", "Carina Roth", "TEL", "TEL-DSL", "2019-01-01", None),
    ("P049", "Oliver Frank", "TEL", "TEL-CONF", "2018-06-01", None),
    ("P050", "Melanie Baumann", "TEL", "TEL-CARE", "2018-03-01", "2026-08-01"),
    ("P051", "Patrick Albrecht", "TEL", "TEL-CARE", "2026-09-01", None),
    ("P052", "Selin Öztürk", "TEL", "TEL-CARE", "2022-10-01", None),
    ("P055", "Gerhard Pohl", "INS", "INS-MGMT", "2022-04-01", None),
    ("P056", "Elena Schuster", "INS", "INS-AGENTS", "2022-04-01", None),
    ("P057", "Dennis Vogt", "INS", "INS-AGENTS", "2023-01-01", None),
    ("P058", "Tanja Keller", "INS", "INS-BACK", "2022-07-01", None),
    ("P060", "Bernd Kuhn", "PRT", "PRT-PROD", "2009-05-01", None),
    ("P061", "Sandra Ludwig", "PRT", "PRT-PROD", "2015-11-01", None),
    ("P063", "Uwe Lorenz", "LOG", "LOG-FLEET", "2010-01-01", None),
    ("P064", "Kai Busch", "LOG", "LOG-FLEET", "2019-04-01", None),
    ("P070", "Jennifer Miller", "JKL-US", "US-MGMT", "2022-01-01", None),
    ("P071", "Robert Johnson", "JKL-US", "US-SALES", "2022-03-01", None),
    ("P072", "Ashley Davis", "JKL-US", "US-SERVICE", "2023-05-15", None),
    ("P073", "Carlos Garcia", "JKL-US", "US-SALES", "2026-05-04", None),
    ("P075", "James Wilson", "JKL-UK", "UK-MGMT", "2023-07-01", None),
    ("P076", "Emma Taylor", "JKL-UK", "UK-SALES", "2023-09-01", None),
    ("P077", "Priya Patel", "JKL-UK", "UK-SALES", "2024-02-01", None),
)

# Retirees: person, entity, valid_from (the employment before it is in _STAFF).
_RETIREES: tuple[tuple[str, str, str], ...] = (("P020", "XYZ", "2024-01-01"),)

# Email domain of people whose address is not that of their first employer.
_EMAIL_DOMAIN_OVERRIDES = {"P020": "mail.example", "P037": _DOMAINS["XYZ"]}

# People without employment: shareholders and private customers (id, name, email domain).
_OTHERS: tuple[tuple[str, str, str | None], ...] = (
    ("P090", "Dora Feldmann", "def-beteiligungs.example"),
    ("P091", "Rolf Brenner", None),
    ("C001", "Sarah Klein", "mail.example"),
    ("C002", "Peter Jung", None),
    ("C003", "Monika Hahn", "mail.example"),
    ("C004", "Farid Haddad", "mail.example"),
    ("C005", "Greta Lindner", None),
    ("C006", "Matthias Seidel", "mail.example"),
    ("C007", "Ingrid Pfeiffer", None),
    ("C008", "Luca Romano", "mail.example"),
    ("C009", "Birgit Engel", None),
    ("C010", "Kemal Aydın", "mail.example"),
    ("C011", "Ulrike Sommer", None),
    # An ABC employee's private web-shop account, not linked to her (see groups.md, Identity).
    ("C012", "Laura Meyer", "mail.example"),
)


def _slug(name: str) -> str:
    """``Jan Schröder`` → ``jan.schroeder`` (for email addresses)."""
    text = name.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ı", "i")):
        text = text.replace(umlaut, spelled)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ascii_text.replace(" ", ".")


def _people() -> tuple[Person, ...]:
    people: dict[str, Person] = {}
    for pid, name, entity, *_ in _STAFF:
        if pid in people:
            continue
        domain = _EMAIL_DOMAIN_OVERRIDES.get(pid, _DOMAINS[entity])
        people[pid] = Person(pid, name, f"{_slug(name)}@{domain}", f"E{10000 + int(pid[1:])}")
    for pid, name, other_domain in _OTHERS:
        email = f"{_slug(name)}@{other_domain}" if other_domain else None
        people[pid] = Person(pid, name, email, None)
    return tuple(people.values())


def _employments() -> tuple[Employment, ...]:
    rows = [
        Employment(
            pid,
            entity,
            unit,
            EmploymentKind.EMPLOYEE,
            Period(_d(start), _d(end) if end else None),
        )
        for pid, _, entity, unit, start, end in _STAFF
    ]
    rows.extend(
        Employment(pid, entity, None, EmploymentKind.RETIREE, Period(_d(start), None))
        for pid, entity, start in _RETIREES
    )
    return tuple(sorted(rows, key=lambda e: (e.person, e.period.valid_from or date.min)))


PEOPLE: tuple[Person, ...] = _people()
EMPLOYMENTS: tuple[Employment, ...] = _employments()

# --------------------------------------------------------------------------- products


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    seller: str
    name: str
    list_price: Decimal
    currency: str
    kind: str
    category: str
    unit_cost: Decimal
    for_employees_only: bool = False


def _product(
    pid: str,
    seller: str,
    name: str,
    list_price: str,
    currency: str,
    kind: str,
    category: str,
    unit_cost: str,
    for_employees_only: bool = False,
) -> Product:
    return Product(
        pid,
        seller,
        name,
        Decimal(list_price),
        currency,
        kind,
        category,
        Decimal(unit_cost),
        for_employees_only,
    )


# fmt: off
PRODUCTS: tuple[Product, ...] = (
    _product("XYZ-W100", "XYZ", "Widget W100 standard", "12.50", "EUR", "goods", "widgets", "7.80"),
    _product("XYZ-W200", "XYZ", "Widget W200 heavy duty", "24.90", "EUR", "goods", "widgets", "14.20"),
    _product("XYZ-W300", "XYZ", "Widget W300 stainless", "39.00", "EUR", "goods", "widgets", "23.50"),
    _product("XYZ-CAST", "XYZ", "Cast housing blank", "4.20", "EUR", "goods", "parts", "2.90"),
    _product("XYZ-SHAFT", "XYZ", "Machined shaft", "6.80", "EUR", "goods", "parts", "4.10"),
    _product("XYZ-SECONDS", "XYZ", "Box of factory seconds (10 widgets)", "15.00", "EUR", "goods", "widgets", "9.00", True),
    _product("ABC-KIT", "ABC", "Widget starter kit", "49.90", "EUR", "goods", "kits", "31.00"),
    _product("ABC-DRILL", "ABC", "Cordless drill 18 V", "129.00", "EUR", "goods", "tools", "84.00"),
    _product("ABC-TOOLBOX", "ABC", "Tool box, 60 pieces", "79.90", "EUR", "goods", "tools", "46.00"),
    _product("ABC-HOSE", "ABC", "Garden hose set", "34.95", "EUR", "goods", "garden", "19.50"),
    _product("ABC-LAMP", "ABC", "LED work lamp", "24.99", "EUR", "goods", "electrical", "13.10"),
    _product("ABC-EBIKE", "ABC", "E-bike City 500 Wh", "3499.00", "EUR", "goods", "bikes", "2420.00"),
    _product("ABC-ASSEMBLY", "ABC", "Kit assembly, per kit", "35.00", "EUR", "service", "services", "22.00"),
    _product("ABC-TOTE", "ABC", "Staff tote bag", "5.00", "EUR", "goods", "merchandise", "4.50", True),
    _product("TEL-DSL50", "TEL", "DSL 50, monthly", "34.99", "EUR", "service", "dsl", "17.00"),
    _product("TEL-DSL250", "TEL", "DSL 250, monthly", "49.99", "EUR", "service", "dsl", "24.00"),
    _product("TEL-ROUTER", "TEL", "DSL router", "119.00", "EUR", "goods", "hardware", "78.00"),
    _product("TEL-CONF", "TEL", "Audio conferencing, per 100 minutes", "9.90", "EUR", "service", "conferencing", "3.20"),
    _product("TEL-CONFPRO", "TEL", "Audio conferencing Pro, monthly licence", "29.00", "EUR", "service", "conferencing", "8.50"),
    _product("INS-HOME", "INS", "Home contents insurance, annual premium", "189.00", "EUR", "service", "insurance", "142.00"),
    _product("INS-CAR", "INS", "Car insurance, annual premium", "640.00", "EUR", "service", "insurance", "560.00"),
    _product("INS-LIAB", "INS", "Personal liability insurance, annual premium", "69.00", "EUR", "service", "insurance", "48.00"),
    _product("INS-TRAVEL", "INS", "Travel insurance, annual premium", "39.00", "EUR", "service", "insurance", "25.00"),
    _product("PRT-SPRING", "PRT", "Precision spring set", "2.40", "EUR", "goods", "parts", "1.30"),
    _product("PRT-BEARING", "PRT", "Ball bearing 608", "1.90", "EUR", "goods", "parts", "1.05"),
    _product("LOG-PALLET", "LOG", "Pallet transport", "48.00", "EUR", "service", "logistics", "36.00"),
    _product("LOG-PARCEL", "LOG", "Parcel delivery", "6.90", "EUR", "service", "logistics", "4.80"),
    _product("JKL-SERVICES", "JKL", "Group services (finance, HR, IT), monthly", "2520.00", "EUR", "service", "management", "2400.00"),
    _product("US-W100", "JKL-US", "Widget W100", "14.99", "USD", "goods", "widgets", "10.20"),
    _product("US-W200", "JKL-US", "Widget W200 heavy duty", "29.99", "USD", "goods", "widgets", "19.50"),
    _product("US-KIT", "JKL-US", "Widget starter kit", "59.00", "USD", "goods", "kits", "38.00"),
    _product("US-INSTALL", "JKL-US", "Installation service, per visit", "120.00", "USD", "service", "services", "70.00"),
    _product("UK-W100", "JKL-UK", "Widget W100", "11.50", "GBP", "goods", "widgets", "7.90"),
    _product("UK-W200", "JKL-UK", "Widget W200 heavy duty", "22.00", "GBP", "goods", "widgets", "15.10"),
    _product("UK-KIT", "JKL-UK", "Widget starter kit", "45.00", "GBP", "goods", "kits", "30.00"),
)
# fmt: on

# --------------------------------------------------------------------------- price rules

# Staff discount in percent at the employer (TEL: DSL at half price, everything else 30 %).
STAFF_DISCOUNT_PCT: dict[str, Decimal] = {
    "ABC": Decimal(20),
    "XYZ": Decimal(30),
    "TEL": Decimal(30),
    "INS": Decimal(15),
    "PRT": Decimal(10),
    "LOG": Decimal(10),
    "JKL-US": Decimal(20),
    "JKL-UK": Decimal(15),
}
TEL_DSL_STAFF_DISCOUNT_PCT = Decimal(50)
# Discount for staff of sister companies (Konzernrabatt); sellers not named give none.
GROUP_STAFF_DISCOUNT_PCT: dict[str, Decimal] = {
    "ABC": Decimal(10),
    "XYZ": Decimal(15),
    "TEL": Decimal(25),
    "INS": Decimal(10),
}
# Transfer prices: mark-up on unit cost in percent (ABC: resale minus 25 % of list).
COST_PLUS_PCT: dict[str, Decimal] = {
    "JKL": Decimal(5),
    "XYZ": Decimal(10),
    "PRT": Decimal(8),
    "TEL": Decimal(15),
    "LOG": Decimal(10),
}
RESALE_MINUS_PCT: dict[str, Decimal] = {"ABC": Decimal(25)}
# Proven lowest market prices (BMF 16.05.2013) quoted on some purchases by own staff.
MARKET_PRICES: dict[str, Decimal] = {
    "ABC-DRILL": Decimal("112.00"),
    "ABC-EBIKE": Decimal("3199.00"),
    "TEL-ROUTER": Decimal("99.00"),
}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _less(price: Decimal, pct: Decimal) -> Decimal:
    return _money(price * (HUNDRED - pct) / HUNDRED)


# --------------------------------------------------------------------------- sales


@dataclass(frozen=True, slots=True)
class Line:
    """One generated sale line (before ids are given)."""

    day: date
    seller: str
    buyer: str
    product: str
    quantity: int
    price_paid: Decimal
    market_price: Decimal | None
    relation: Relation

    def sort_key(self) -> tuple[date, str, str, str, int, Decimal]:
        return (self.day, self.seller, self.buyer, self.product, self.quantity, self.price_paid)


class _Book:
    """Prices and records sale lines, asking the register how each buyer classifies."""

    def __init__(self, register: Register, rng: random.Random) -> None:
        self.register = register
        self.rng = rng
        self.products = {p.id: p for p in PRODUCTS}
        self.lines: list[Line] = []

    def relation(self, seller: str, buyer: str, day: date) -> Relation:
        return self.register.classify(seller, buyer, day).relation

    def price(self, product: Product, seller_entity: str, relation: Relation) -> Decimal:
        if product.for_employees_only:
            if relation is not Relation.EMPLOYEE:
                raise ValueError(f"{product.id} is for the seller's employees only")
            return product.list_price
        if relation is Relation.SAME_ENTITY:
            return product.unit_cost
        if relation is Relation.INTERCOMPANY:
            if seller_entity in RESALE_MINUS_PCT:
                return _less(product.list_price, RESALE_MINUS_PCT[seller_entity])
            return _money(product.unit_cost * (HUNDRED + COST_PLUS_PCT[seller_entity]) / HUNDRED)
        if relation is Relation.EMPLOYEE:
            pct = STAFF_DISCOUNT_PCT[seller_entity]
            if seller_entity == "TEL" and product.category == "dsl":
                pct = TEL_DSL_STAFF_DISCOUNT_PCT
            return _less(product.list_price, pct)
        if relation is Relation.GROUP_EMPLOYEE:
            return _less(
                product.list_price, GROUP_STAFF_DISCOUNT_PCT.get(seller_entity, Decimal(0))
            )
        return product.list_price

    def sell(
        self,
        day: date,
        seller: str,
        buyer: str,
        product_id: str,
        quantity: int = 1,
        *,
        price: Decimal | None = None,
        market_chance: float = 0.0,
    ) -> Line:
        product = self.products[product_id]
        seller_entity = self.register.structure_on(day).entity_of(seller)
        if product.seller != seller_entity:
            raise ValueError(f"{seller} ({seller_entity}) does not sell {product_id}")
        relation = self.relation(seller, buyer, day)
        paid = price if price is not None else self.price(product, seller_entity, relation)
        market = None
        own_staff = relation is Relation.EMPLOYEE  # the § 8 (3) lines where the option matters
        if own_staff and product_id in MARKET_PRICES and self.rng.random() < market_chance:
            market = MARKET_PRICES[product_id]
        line = Line(day, seller, buyer, product_id, quantity, paid, market, relation)
        self.lines.append(line)
        return line


def _days(start: date = demo.START, end: date = demo.END) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Public holidays in North Rhine-Westphalia (Cologne) during the demo year: no trading.
HOLIDAYS: frozenset[date] = frozenset(
    _d(text)
    for text in (
        "2025-12-25",
        "2025-12-26",
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-01",
        "2026-05-14",
        "2026-05-25",
        "2026-06-04",
        "2026-10-03",
    )
)


def _open(day: date, *, saturday: bool = False) -> bool:
    """A trading day: Monday to Friday (or Saturday for shops), not a public holiday."""
    return day.weekday() < (6 if saturday else 5) and day not in HOLIDAYS


def _weekly(weekday: int, every: int = 1) -> list[date]:
    days = [d for d in _days() if d.weekday() == weekday]
    return [d for d in days[::every] if _open(d)]


def _monthly(day_of_month: int, *, weekday_only: bool = False) -> list[date]:
    """That day in every month of the demo year (moved to Monday if ``weekday_only``)."""
    result = []
    year, month = demo.START.year, demo.START.month
    while True:
        day = date(year, month, day_of_month)
        if weekday_only:
            while not _open(day):
                day += timedelta(days=1)
        if day > demo.END:
            break
        if day >= demo.START:
            result.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _business(book: _Book) -> None:
    """Between companies: intercompany supply, related parties, external customers."""
    rng = book.rng
    for day in _weekly(0):  # Mondays: ABC buys widgets from XYZ (the founding text)
        book.sell(day, "XYZ", "ABC", "XYZ-W100", rng.randrange(400, 1250, 50))
        book.sell(day, "XYZ", "ABC", "XYZ-W200", rng.randrange(100, 550, 50))
    for day in _weekly(0, every=2):
        book.sell(day, "XYZ", "ABC", "XYZ-W300", rng.randrange(50, 250, 10))
    for day in _monthly(10, weekday_only=True):
        book.sell(day, "XYZ", "JKL-US", "XYZ-W100", rng.randrange(1500, 3000, 100))
        book.sell(day, "XYZ", "JKL-US", "XYZ-W200", rng.randrange(500, 1200, 100))
        book.sell(day, "XYZ", "JKL-UK", "XYZ-W100", rng.randrange(800, 2000, 100))
        book.sell(day, "XYZ", "JKL-UK", "XYZ-W200", rng.randrange(200, 800, 100))
    for day in _weekly(1):  # parts from PRT into XYZ's assembly
        book.sell(day, "PRT", "XYZ-ASSY", "PRT-SPRING", rng.randrange(2000, 5200, 200))
        book.sell(day, "PRT", "XYZ-ASSY", "PRT-BEARING", rng.randrange(2000, 6200, 200))
    for day in _weekly(2):  # LOG carries XYZ's pallets (related party, then controlled)
        book.sell(day, "LOG", "XYZ-SHIP", "LOG-PALLET", rng.randint(8, 30))
    for day in _weekly(3):
        book.sell(day, "LOG", "ABC-STORES", "LOG-PALLET", rng.randint(3, 12))
    for day in _monthly(15, weekday_only=True):
        book.sell(day, "LOG", "HANSA", "LOG-PALLET", rng.randint(5, 20))
        book.sell(day, "LOG", "STADTW", "LOG-PARCEL", rng.randint(10, 60))
    for day in _monthly(1, weekday_only=True):  # group services from the holding
        for member in ("ABC", "XYZ", "TEL", "INS", "PRT"):
            book.sell(day, "JKL-FIN", member, "JKL-SERVICES")
        if day >= demo.LOGISTICS_CONTROL_FROM:
            book.sell(day, "JKL-FIN", "LOG", "JKL-SERVICES")
    for day in _monthly(20, weekday_only=True)[::3]:  # tools for XYZ's workshop
        book.sell(day, "ABC-WEB", "XYZ-ADMIN", "ABC-DRILL", rng.randint(2, 6))
        book.sell(day, "ABC-WEB", "XYZ-ADMIN", "ABC-TOOLBOX", rng.randint(1, 4))
    for day in _weekly(4, every=2):  # a DIY chain buys widgets and kits at list price
        book.sell(day, "XYZ", "HANSA", "XYZ-W100", rng.randrange(200, 800, 50))
        book.sell(day, "XYZ", "HANSA", "XYZ-W200", rng.randrange(100, 400, 50))
    for day in _monthly(5, weekday_only=True):
        book.sell(day, "XYZ", "UVW", "XYZ-W300", rng.randrange(40, 160, 10))
        book.sell(day, "XYZ", "MNO", "XYZ-W200", rng.randrange(100, 500, 50))
        book.sell(day, "XYZ", "GHI", "XYZ-W300", rng.randrange(30, 120, 10))
        book.sell(day, "PRT", "GHI", "PRT-BEARING", rng.randrange(500, 2000, 100))
        book.sell(day, "ABC-WEB", "HANSA", "ABC-KIT", rng.randrange(20, 80, 5))
    for day in _monthly(12, weekday_only=True):
        book.sell(day, "US-SALES", "ACME", "US-W100", rng.randrange(200, 700, 50))
        book.sell(day, "US-SALES", "ACME", "US-KIT", rng.randrange(40, 140, 10))
        book.sell(day, "UK-SALES", "BRITWID", "UK-W100", rng.randrange(150, 500, 50))


def _departments(book: _Book) -> None:
    """Department to department along the production chain (same legal entity)."""
    rng = book.rng
    for weekday in (0, 3):
        for day in _weekly(weekday):
            book.sell(day, "XYZ-FOUNDRY", "XYZ-MACH", "XYZ-CAST", rng.randrange(500, 1550, 50))
    for weekday in (1, 4):
        for day in _weekly(weekday):
            book.sell(day, "XYZ-MACH", "XYZ-ASSY", "XYZ-SHAFT", rng.randrange(400, 1450, 50))
    for day in _weekly(2):
        book.sell(day, "ABC-WORKSHOP", "ABC-SHOP-CGN", "ABC-ASSEMBLY", rng.randint(20, 60))
    for day in _monthly(28):
        book.sell(day, "TEL-CONF", "TEL-CARE", "TEL-CONF", rng.randint(5, 20))


# Subscriptions: buyer, product, quantity, (minutes of conferencing per month: low, high).
_SUBSCRIPTIONS: tuple[tuple[str, str, int, tuple[int, int] | None], ...] = (
    # TEL's own staff (half price DSL); the leaver keeps hers at list price after leaving
    ("P045", "TEL-DSL250", 1, None),
    ("P046", "TEL-DSL250", 1, None),
    ("P047", "TEL-DSL50", 1, None),
    ("P048", "TEL-DSL250", 1, None),
    ("P049", "TEL-DSL50", 1, None),
    ("P050", "TEL-DSL250", 1, None),
    ("P051", "TEL-DSL50", 1, None),
    ("P052", "TEL-DSL50", 1, None),
    # staff of sister companies, a retiree, LOG staff (group staff from 2026-04-01)
    ("P002", "TEL-DSL250", 1, None),
    ("P013", "TEL-DSL50", 1, None),
    ("P015", "TEL-DSL250", 1, None),
    ("P020", "TEL-DSL50", 1, None),
    ("P031", "TEL-DSL50", 1, None),
    ("P034", "TEL-DSL250", 1, None),
    ("P037", "TEL-DSL250", 1, None),
    ("P038", "TEL-DSL50", 1, None),
    ("P056", "TEL-DSL50", 1, None),
    ("P060", "TEL-DSL250", 1, None),
    ("P063", "TEL-DSL50", 1, None),
    # the shareholder and private customers
    ("P090", "TEL-DSL250", 1, None),
    ("C001", "TEL-DSL50", 1, None),
    ("C002", "TEL-DSL250", 1, None),
    ("C004", "TEL-DSL50", 1, None),
    ("C006", "TEL-DSL250", 1, None),
    ("C009", "TEL-DSL50", 1, None),
    # companies: conferencing licences and minutes
    ("JKL-IT", "TEL-CONFPRO", 5, (10, 40)),
    ("ABC", "TEL-CONFPRO", 8, (20, 60)),
    ("XYZ-ADMIN", "TEL-CONFPRO", 6, (15, 50)),
    ("INS", "TEL-CONFPRO", 4, (10, 30)),
    ("PRT", "TEL-CONFPRO", 2, (5, 15)),
    ("LOG", "TEL-CONFPRO", 3, (5, 20)),
    ("DEF", "TEL-DSL250", 1, None),
    ("DEF", "TEL-CONFPRO", 2, (2, 8)),
    ("MNO", "TEL-CONFPRO", 3, (8, 25)),
    ("STADTW", "TEL-CONFPRO", 20, (60, 180)),
    ("HANSA", "TEL-DSL250", 4, None),
)


def _subscriptions(book: _Book) -> None:
    """Monthly DSL and conferencing bills, on a fixed day per subscriber."""
    rng = book.rng
    for buyer, product, quantity, minutes in _SUBSCRIPTIONS:
        day_of_month = rng.randint(1, 28)
        start = _joined(buyer)
        for day in _monthly(day_of_month):
            if start is not None and day < start:
                continue
            book.sell(
                day,
                "TEL-DSL" if product.startswith("TEL-DSL") else "TEL-CONF",
                buyer,
                product,
                quantity,
            )
            if minutes is not None:
                book.sell(day, "TEL-CONF", buyer, "TEL-CONF", rng.randint(*minutes))


def _joined(person: str) -> date | None:
    """The first day of a person's first employment, if they join during the demo year."""
    starts = [e.period.valid_from for e in EMPLOYMENTS if e.person == person]
    first = min((d for d in starts if d is not None), default=None)
    return first if first is not None and first > demo.START else None


# Annual insurance policies: buyer and products.
_POLICIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("P055", ("INS-HOME", "INS-CAR")),
    ("P056", ("INS-CAR", "INS-LIAB")),
    ("P057", ("INS-HOME",)),
    ("P058", ("INS-LIAB", "INS-TRAVEL")),
    ("P038", ("INS-HOME",)),
    ("P001", ("INS-CAR",)),
    ("P010", ("INS-HOME",)),
    ("P011", ("INS-LIAB",)),
    ("P020", ("INS-HOME",)),
    ("P030", ("INS-CAR",)),
    ("P034", ("INS-HOME",)),
    ("P046", ("INS-TRAVEL",)),
    ("P063", ("INS-CAR",)),
    ("P090", ("INS-HOME",)),
    ("P091", ("INS-CAR", "INS-HOME")),
    ("C003", ("INS-CAR",)),
    ("C005", ("INS-HOME",)),
    ("C007", ("INS-LIAB",)),
    ("C010", ("INS-TRAVEL",)),
    ("C011", ("INS-CAR",)),
)


def _insurance(book: _Book) -> None:
    weekdays = [d for d in _days() if _open(d)]
    for buyer, products in _POLICIES:
        for product in products:
            book.sell(book.rng.choice(weekdays), "INS-AGENTS", buyer, product)


# What staff buy ad hoc from each retail seller: product → weight.
_CATALOGUE: dict[str, dict[str, int]] = {
    "XYZ": {"XYZ-W100": 4, "XYZ-W200": 3, "XYZ-W300": 2, "XYZ-SECONDS": 3},
    "ABC": {
        "ABC-KIT": 3,
        "ABC-DRILL": 2,
        "ABC-TOOLBOX": 2,
        "ABC-HOSE": 3,
        "ABC-LAMP": 4,
        "ABC-TOTE": 2,
    },
    "TEL": {"TEL-ROUTER": 1},
    "JKL-US": {"US-W100": 3, "US-W200": 2, "US-KIT": 2, "US-INSTALL": 1},
    "JKL-UK": {"UK-W100": 3, "UK-W200": 2, "UK-KIT": 2},
}
_SELLER_UNIT = {"XYZ": "XYZ", "TEL": "TEL-DSL", "JKL-UK": "UK-SALES"}


def _seller_unit(rng: random.Random, entity: str, product: str) -> str:
    if entity == "ABC":
        return "ABC-SHOP-CGN" if rng.random() < 0.7 else "ABC-WEB"
    if entity == "JKL-US":
        return "US-SERVICE" if product == "US-INSTALL" else "US-SALES"
    return _SELLER_UNIT[entity]


def _quantity(rng: random.Random, product: str) -> int:
    if product.endswith(("W100", "W200", "W300")):
        return rng.randint(1, 6)
    return rng.choices((1, 2, 3), weights=(80, 15, 5))[0]


def _staff_shopping(book: _Book) -> None:
    """Employees, retirees and group staff buying goods for themselves."""
    rng = book.rng
    days = [d for d in _days() if _open(d, saturday=True)]
    persons = sorted({e.person for e in EMPLOYMENTS})
    routers: set[str] = set()  # one router per person is plenty
    for person in persons:
        active = [d for d in days if book.register.employments_of(person, d)]
        if not active:
            continue
        for day in sorted(rng.sample(active, min(len(active), rng.randint(4, 14)))):
            employers = [e.entity for e in book.register.employments_of(person, day)]
            if employers[0] in ("JKL-US", "JKL-UK"):
                seller_entity = employers[0]
            else:
                weights = {"ABC": 5, "XYZ": 4, "TEL": 0 if person in routers else 1}
                for own in employers:
                    if own in ("ABC", "XYZ"):
                        weights[own] += 8
                seller_entity = _pick(rng, weights)
                if seller_entity == "TEL":
                    routers.add(person)
            catalogue = dict(_CATALOGUE[seller_entity])
            if seller_entity not in employers:
                catalogue = {
                    p: w for p, w in catalogue.items() if not book.products[p].for_employees_only
                }
            product = _pick(rng, catalogue)
            seller = _seller_unit(rng, seller_entity, product)
            book.sell(day, seller, person, product, _quantity(rng, product), market_chance=0.4)


_RETAIL: dict[str, int] = {
    "ABC-KIT": 3,
    "ABC-DRILL": 2,
    "ABC-TOOLBOX": 2,
    "ABC-HOSE": 4,
    "ABC-LAMP": 5,
}
_UK_RETAIL: dict[str, int] = {"UK-W100": 3, "UK-W200": 2, "UK-KIT": 1}
WALK_INS = 450


def _retail(book: _Book) -> None:
    """Private customers (web shop and store) and walk-in customers nobody knows."""
    rng = book.rng
    days = [d for d in _days() if _open(d, saturday=True)]
    for customer in demo.PRIVATE_CUSTOMERS:
        for day in sorted(rng.sample(days, rng.randint(5, 14))):
            product = _pick(rng, _RETAIL)
            seller = "ABC-WEB" if rng.random() < 0.6 else "ABC-SHOP-CGN"
            book.sell(day, seller, customer, product, _quantity(rng, product))
    for n in range(1, WALK_INS + 1):
        buyer = f"{demo.WALK_IN_PREFIX}{n:04d}"
        uk = rng.random() < 0.12
        for day in sorted(rng.sample(days, rng.choice((1, 1, 1, 2, 2, 3, 4)))):
            if uk:
                product = _pick(rng, _UK_RETAIL)
                book.sell(day, "UK-SALES", buyer, product, _quantity(rng, product))
            else:
                product = _pick(rng, _RETAIL)
                book.sell(day, "ABC-SHOP-CGN", buyer, product, _quantity(rng, product))


def _story(book: _Book) -> None:
    """Lines that tell the cast's story on chosen days."""
    # The big spender: two e-bikes at the staff price (with a proven lower market price).
    book.sell(_d("2026-04-18"), "ABC-SHOP-CGN", demo.BIG_SPENDER, "ABC-EBIKE", market_chance=1.0)
    book.sell(_d("2026-05-09"), "ABC-SHOP-CGN", demo.BIG_SPENDER, "ABC-EBIKE", market_chance=1.0)
    # A machinist buys an e-bike from the sister company (Konzernrabatt, § 8 (2) EStG).
    book.sell(_d("2026-06-13"), "ABC-SHOP-CGN", "P013", "ABC-EBIKE")
    # The mover: the days before and after the move from ABC to XYZ.
    book.sell(_d("2026-05-29"), "XYZ", demo.MOVER, "XYZ-W200", 4)
    book.sell(_d("2026-05-30"), "ABC-SHOP-CGN", demo.MOVER, "ABC-DRILL")
    book.sell(_d("2026-06-03"), "XYZ", demo.MOVER, "XYZ-SECONDS", 2)
    book.sell(_d("2026-06-06"), "ABC-SHOP-CGN", demo.MOVER, "ABC-LAMP")
    # The part-timer at both of her employers and at a sister company.
    book.sell(_d("2026-02-14"), "ABC-SHOP-CGN", demo.PART_TIMER, "ABC-TOTE")
    book.sell(_d("2026-03-20"), "INS-AGENTS", demo.PART_TIMER, "INS-TRAVEL")
    book.sell(_d("2026-03-21"), "XYZ", demo.PART_TIMER, "XYZ-W100", 3)
    # The leaver: a router on her last days, a kit at list price after leaving.
    book.sell(_d("2026-07-24"), "TEL-DSL", demo.LEAVER, "TEL-ROUTER")
    book.sell(_d("2026-08-15"), "ABC-SHOP-CGN", demo.LEAVER, "ABC-KIT")
    # The retiree at his former employer and at the sister retailer.
    book.sell(_d("2026-03-12"), "XYZ", demo.RETIREE, "XYZ-SECONDS", 2)
    book.sell(_d("2026-09-05"), "ABC-SHOP-CGN", demo.RETIREE, "ABC-HOSE")
    # LOG's driver: external before JKL controls LOG, group staff after.
    book.sell(_d("2026-03-14"), "XYZ", "P063", "XYZ-W300", 2)
    book.sell(_d("2026-04-18"), "XYZ", "P063", "XYZ-W300", 2)
    # Related parties pay list price.
    book.sell(_d("2026-05-16"), "ABC-SHOP-CGN", demo.SHAREHOLDER, "ABC-DRILL")
    book.sell(_d("2026-09-19"), "ABC-SHOP-CGN", demo.PARTS_FOUNDER, "ABC-TOOLBOX")
    # The overlooked internal customer: an employee's private web-shop account.
    book.sell(_d("2026-10-17"), "ABC-WEB", "C012", "ABC-DRILL")
    # US staff: goods and a service at the staff discount (IRC § 132(c)).
    book.sell(_d("2026-07-10"), "US-SALES", "P072", "US-KIT", 2)
    book.sell(_d("2026-07-21"), "US-SERVICE", "P071", "US-INSTALL")
    # UK staff clearance below cost: taxable under HMRC EIM21704 (cost 30.00 − 27.00).
    book.sell(_d("2026-10-02"), "UK-SALES", "P076", "UK-KIT", price=Decimal("27.00"))


def _returns(book: _Book) -> None:
    """Some goods come back: negative quantity, same seller, buyer, product and price."""
    rng = book.rng
    for line in sorted(book.lines, key=Line.sort_key):
        product = book.products[line.product]
        if product.kind != "goods" or line.relation is Relation.SAME_ENTITY:
            continue
        is_company = book.register.kind_of(line.buyer) in ("entity", "unit")
        if rng.random() >= (0.02 if is_company else 0.05):
            continue
        day = line.day + timedelta(days=rng.randint(2, 21))
        if day > demo.END or book.relation(line.seller, line.buyer, day) is not line.relation:
            continue
        back = (
            rng.randint(1, max(1, line.quantity // 20))
            if is_company
            else rng.randint(1, line.quantity)
        )
        book.lines.append(
            Line(
                day,
                line.seller,
                line.buyer,
                line.product,
                -back,
                line.price_paid,
                line.market_price,
                line.relation,
            )
        )


# --------------------------------------------------------------------------- tables


def build_register() -> Register:
    """The demo's parties and relations as a :class:`Register` (no sales, no products)."""
    return Register(
        entities=ENTITIES, stakes=STAKES, units=UNITS, persons=PEOPLE, employments=EMPLOYMENTS
    )


def sales_lines() -> list[Line]:
    """The year of sales, sorted by day, seller, buyer and product (ids follow this order)."""
    book = _Book(build_register(), random.Random(SEED))
    _business(book)
    _departments(book)
    _subscriptions(book)
    _insurance(book)
    _staff_shopping(book)
    _retail(book)
    _returns(book)
    _story(book)  # after the returns: nothing of the story comes back
    return sorted(book.lines, key=Line.sort_key)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def tables() -> dict[str, Table]:
    """Every CSV file of the demo as rows of text, the header first."""
    products = {p.id: p for p in PRODUCTS}
    sales: Table = [
        [
            "id",
            "date",
            "seller",
            "buyer",
            "amount",
            "currency",
            "product",
            "quantity",
            "price_paid",
            "market_price",
        ]
    ]
    for n, line in enumerate(sales_lines(), start=1):
        product = products[line.product]
        sales.append(
            [
                f"S{n:05d}",
                line.day.isoformat(),
                line.seller,
                line.buyer,
                _text(_money(line.quantity * line.price_paid)),
                product.currency,
                line.product,
                str(line.quantity),
                _text(line.price_paid),
                _text(line.market_price),
            ]
        )
    return {
        "entities.csv": [
            ["id", "name", "country", "currency", "lei", "vat_id", "line_of_business"],
            *(
                [
                    e.id,
                    e.name,
                    _text(e.country),
                    _text(e.currency),
                    _text(e.lei),
                    _text(e.vat_id),
                    _text(e.line_of_business),
                ]
                for e in ENTITIES
            ),
        ],
        "stakes.csv": [
            ["holder", "entity", "voting", "equity", "valid_from", "valid_to", "control"],
            *(
                [
                    s.holder,
                    s.entity,
                    s.voting.notation(),
                    s.equity.notation(),
                    _text(s.period.valid_from),
                    _text(s.period.valid_to),
                    s.control.value,
                ]
                for s in STAKES
            ),
        ],
        "units.csv": [
            ["id", "entity", "name", "parent", "cost_centre"],
            *([u.id, u.entity, u.name, _text(u.parent), _text(u.cost_centre)] for u in UNITS),
        ],
        "people.csv": [
            ["id", "name", "email", "employee_no"],
            *([p.id, p.name, _text(p.email), _text(p.employee_no)] for p in PEOPLE),
        ],
        "employments.csv": [
            ["person", "entity", "unit", "kind", "valid_from", "valid_to"],
            *(
                [
                    e.person,
                    e.entity,
                    _text(e.unit),
                    e.kind.value,
                    _text(e.period.valid_from),
                    _text(e.period.valid_to),
                ]
                for e in EMPLOYMENTS
            ),
        ],
        "products.csv": [
            [
                "id",
                "seller",
                "name",
                "list_price",
                "currency",
                "kind",
                "category",
                "unit_cost",
                "for_employees_only",
            ],
            *(
                [
                    p.id,
                    p.seller,
                    p.name,
                    _text(p.list_price),
                    p.currency,
                    p.kind,
                    p.category,
                    _text(p.unit_cost),
                    _text(p.for_employees_only),
                ]
                for p in PRODUCTS
            ),
        ],
        "sales.csv": sales,
        **ticket_tables(),
    }


# US IRC § 132(c): gross profit percentages of JKL-US's retail line of business.
GROSS_PROFIT_PCT: dict[tuple[str, int], Decimal] = {
    ("JKL-US", 2025): Decimal("32.5"),
    ("JKL-US", 2026): Decimal("31.8"),
}
ABC_STAFF_CAP = "2000.00"  # EUR of discount per employee and calendar year


def programmes_toml() -> str:
    """The price rules above as ``programmes.toml`` (the fields of POST /api/v1/programmes)."""
    blocks: list[list[tuple[str, object]]] = []
    for entity, pct in STAFF_DISCOUNT_PCT.items():
        block: list[tuple[str, object]] = [
            ("id", f"{entity}-STAFF"), ("name", f"Staff purchases at {entity}"),
            ("kind", "staff_discount"), ("scope_kind", "entity"), ("scope_id", entity),
            ("discount_pct", str(pct)), ("include_retirees", True),
        ]  # fmt: skip
        if entity == "ABC":
            block += [("annual_cap", ABC_STAFF_CAP), ("annual_cap_currency", "EUR")]
        blocks.append(block)
    blocks.append([
        ("id", "TEL-STAFF-DSL"), ("name", "DSL at half price for TEL staff"),
        ("kind", "staff_discount"), ("scope_kind", "entity"), ("scope_id", "TEL"),
        ("categories_included", ["dsl"]), ("discount_pct", str(TEL_DSL_STAFF_DISCOUNT_PCT)),
        ("priority", 10), ("include_retirees", True),
    ])  # fmt: skip
    for entity, pct in GROUP_STAFF_DISCOUNT_PCT.items():
        blocks.append([
            ("id", f"{entity}-GROUP"), ("name", f"Group staff discount at {entity}"),
            ("kind", "group_staff_discount"), ("scope_kind", "entity"), ("scope_id", entity),
            ("discount_pct", str(pct)),
        ])  # fmt: skip
    blocks.append([("id", "DEPT-AT-COST"), ("name", "Internal charges at cost"),
                   ("kind", "department_charge")])  # fmt: skip
    for entity, pct in COST_PLUS_PCT.items():
        blocks.append([
            ("id", f"{entity}-TP"), ("name", f"Transfer prices of {entity}: cost plus {pct} %"),
            ("kind", "transfer_price"), ("scope_kind", "entity"), ("scope_id", entity),
            ("method", "cost_plus"), ("markup_pct", str(pct)),
        ])  # fmt: skip
    for entity, pct in RESALE_MINUS_PCT.items():
        blocks.append([
            ("id", f"{entity}-TP"),
            ("name", f"Transfer prices of {entity}: resale minus {pct} %"),
            ("kind", "transfer_price"), ("scope_kind", "entity"), ("scope_id", entity),
            ("method", "resale_minus"), ("margin_pct", str(pct)),
        ])  # fmt: skip
    lines = [
        "# Pricing programmes of the JKL demo: the rules inhouse.demo.generate prices sales by.",
        "# Fields as in POST /api/v1/programmes; percentages and amounts are text.",
    ]
    for block in blocks:
        lines += ["", "[[programme]]", *(f"{key} = {_toml(value)}" for key, value in block)]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out_dir: Path) -> dict[str, int]:
    """Write every demo file into ``out_dir`` (created if missing); return data rows per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    gross_profit = [["entity", "year", "percent"]] + [
        [entity, str(year), str(pct)] for (entity, year), pct in GROSS_PROFIT_PCT.items()
    ]
    for name, rows in {**tables(), "gross_profit.csv": gross_profit}.items():
        with (out_dir / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        counts[name] = len(rows) - 1
    (out_dir / "programmes.toml").write_text(programmes_toml(), encoding="utf-8")
    counts["programmes.toml"] = programmes_toml().count("[[programme]]")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m inhouse.demo.generate [OUT_DIR]``: 0 on success, 2 on bad usage."""
    args = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m inhouse.demo.generate [OUT_DIR]"
    if args and args[0] in ("-h", "--help"):
        print(usage)
        return 0
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(usage, file=sys.stderr)
        return 2
    out_dir = Path(args[0]) if args else demo.DATA_DIR
    counts = write(out_dir)
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"wrote {out_dir}: {summary}")
    return 0


# --------------------------------------------------------------------------- tickets

_SUBJECTS = (
    "Invoice question", "Delivery late", "Login does not work", "Wrong item delivered",
    "Contract change", "DSL line drops", "Audio conference dial-in fails", "Claim status",
    "Widget batch defective", "Price list request", "Address change", "Return label",
)  # fmt: skip
_SERVING = ("XYZ", "TEL", "ABC", "INS")
_BERLIN = "Europe/Berlin"


def _ticket_requesters(register: Register) -> list[str]:
    staff = sorted({e.person for e in EMPLOYMENTS})
    groupies = ["ABC", "XYZ", "TEL", "INS", "PRT", "JKL-US"]
    outsiders = [*demo.EXTERNAL_COMPANIES, *demo.PRIVATE_CUSTOMERS,
                 *(f"ACCT-{n:04d}" for n in range(1, 41))]  # fmt: skip
    return staff + groupies + outsiders * 3


def ticket_tables() -> dict[str, Table]:
    """A year of support tickets at XYZ, TEL, ABC and INS, with their events.

    About one in two tickets comes from an internal customer (group staff, sister
    companies). Response times are drawn alike for everyone, except at
    :data:`inhouse.demo.PARITY_LAGGARD`, whose internal customers wait hours or days.
    Some tickets wait for the customer, a few are reopened, urgent ones are rarer.
    """
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(_BERLIN)
    register = build_register()
    rng = random.Random(demo.TICKETS_SEED)
    requesters = _ticket_requesters(register)
    tickets: Table = [["id", "created", "requester", "serving_entity", "subject", "channel",
                       "priority"]]  # fmt: skip
    events: Table = [["ticket", "at", "kind", "status", "author", "visibility", "body"]]
    number = 0
    for day in _days():
        if day.weekday() >= 5 and rng.random() < 0.7:
            continue
        for _ in range(rng.randint(2, 6)):
            serving = rng.choice(_SERVING)
            requester = rng.choice(requesters)
            try:
                relation = register.classify(serving, requester, day).relation
            except Exception:  # a party cannot ask itself for help
                continue
            number += 1
            ticket = f"TK{number:05d}"
            start = datetime.combine(day, time(rng.randint(7, 18), rng.choice((0, 15, 30, 45))),
                                     tzinfo=zone)  # fmt: skip
            priority = rng.choices(("low", "normal", "high", "urgent"), (2, 6, 2, 1))[0]
            tickets.append([ticket, start.isoformat(), requester, serving, rng.choice(_SUBJECTS),
                            rng.choice(("email", "phone", "web", "chat")), priority])  # fmt: skip
            slow = serving == demo.PARITY_LAGGARD and relation.internal
            wait = rng.randint(600, 4000) if slow else int(rng.expovariate(1 / 120)) + 5
            reply = start + timedelta(minutes=wait)
            at = reply
            rows = [[ticket, start.isoformat(), "article", "", "requester", "public",
                     "Please help."]]  # fmt: skip
            if rng.random() < 0.2:
                note = start + timedelta(minutes=max(1, wait // 2))
                rows.append([ticket, note.isoformat(), "article", "", "agent", "internal",
                             "Checking with the back office."])  # fmt: skip
            rows.append([ticket, reply.isoformat(), "status", "open", "", "", ""])
            rows.append([ticket, reply.isoformat(), "article", "", "agent", "public",
                         "We are on it."])  # fmt: skip
            if rng.random() < 0.3:
                pause = at + timedelta(minutes=rng.randint(10, 120))
                back = pause + timedelta(minutes=rng.randint(60, 3000))
                rows.append([ticket, pause.isoformat(), "status", "pending_customer", "", "", ""])
                rows.append([ticket, back.isoformat(), "article", "", "requester", "public",
                             "Here is the information."])  # fmt: skip
                rows.append([ticket, back.isoformat(), "status", "open", "", "", ""])
                at = back
            work = rng.randint(30, 2400) * (3 if slow else 1)
            done = at + timedelta(minutes=work)
            if done.date() > demo.END:
                events.extend(rows)
                continue
            rows.append([ticket, done.isoformat(), "status", "resolved", "", "", ""])
            if rng.random() < 0.08:
                again = done + timedelta(minutes=rng.randint(60, 2000))
                rows.append([ticket, again.isoformat(), "status", "open", "", "", ""])
                done = again + timedelta(minutes=rng.randint(30, 600))
                rows.append([ticket, done.isoformat(), "status", "resolved", "", "", ""])
            closed = done + timedelta(days=3)
            if closed.date() <= demo.END:
                rows.append([ticket, closed.isoformat(), "status", "closed", "", "", ""])
            events.extend(rows)
    return {"tickets.csv": tickets, "ticket_events.csv": events}


if __name__ == "__main__":
    raise SystemExit(main())
