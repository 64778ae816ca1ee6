"""The demo dataset shipped with the package: the JKL group of the founding text.

The CSV files in :data:`DATA_DIR` are written by ``python -m inhouse.demo.generate``
(deterministic; see :mod:`inhouse.demo.generate`). The constants below name the cast
and the days on which the story's turns happen, so that the CLI's ``demo`` command,
tests and documentation can point at them without repeating literals.

The story: JKL Holding AG owns ABC (a retailer and assembler) and XYZ (the widget
maker). ABC buys widgets from XYZ: because both belong to JKL, the purchase is
internal (intercompany). Around them: a telecom company (DSL, audio conferencing)
and an insurance agency whose staff buy at a discount, a parts maker held through
XYZ, a logistics company that JKL controls by a management agreement from
2026-04-01, subsidiaries in the US and the UK, an associate, a joint venture, a
shareholder's holding company, external companies, private customers and walk-ins.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

DATA_DIR: Path = Path(__file__).resolve().parent / "data"
"""The folder of the generated CSV files (a dataset folder as in design/interfaces.md)."""

FILES: tuple[str, ...] = (
    "entities.csv",
    "stakes.csv",
    "units.csv",
    "people.csv",
    "employments.csv",
    "products.csv",
    "sales.csv",
    "gross_profit.csv",
    "programmes.toml",
    "tickets.csv",
    "ticket_events.csv",
)

# --------------------------------------------------------------------- the year of sales

START: date = date(2025, 12, 1)
"""First day with sales."""
END: date = date(2026, 11, 25)
"""Last day with sales (inclusive)."""

# --------------------------------------------------------------------- the founding text

GROUP = "JKL"
"""JKL Holding AG, the ultimate parent."""
SEED_SELLER = "XYZ"
"""XYZ Widgets GmbH, makes the widgets."""
SEED_BUYER = "ABC"
"""ABC Handel GmbH, buys widgets from XYZ."""
SEED_DATE: date = date(2026, 3, 2)
"""A Monday on which ABC buys widgets from XYZ (there is a sale in sales.csv)."""
SEED_PRODUCT = "XYZ-W100"

# --------------------------------------------------------------------- group members

TELECOM = "TEL"
"""JKL Telecom GmbH: DSL and audio conferencing."""
INSURANCE = "INS"
"""JKL Versicherungsagentur GmbH: an insurance agency."""
PARTS = "PRT"
"""Präzisionsteile Rhein GmbH: 60 % held by XYZ (indirect member), 40 % by its founder."""
LOGISTICS = "LOG"
"""Lorenz Logistik GmbH: JKL holds 45 %; controlled by agreement from LOGISTICS_CONTROL_FROM."""
LOGISTICS_CONTROL_FROM: date = date(2026, 4, 1)
US_SUBSIDIARY = "JKL-US"
"""JKL Widgets Inc. (US, USD): 80 % held by JKL."""
UK_SUBSIDIARY = "JKL-UK"
"""JKL Widgets Ltd (GB, GBP): JKL holds a band of (75,100] as the UK PSC register shows it."""

# --------------------------------------------------------------------- related parties

ASSOCIATE = "MNO"
"""MNO Komponenten GmbH: JKL holds 30 % (significant influence, not control)."""
JOINT_VENTURE = "GHI"
"""GHI Antriebstechnik GmbH: 50/50 between JKL and UVW; nobody controls it."""
JV_PARTNER = "UVW"
"""UVW Energie AG: the other venturer; external to JKL."""
SHAREHOLDER = "P090"
"""Dora Feldmann: holds 100 % of DEF, which holds 35 % of JKL."""
SHAREHOLDER_COMPANY = "DEF"
"""DEF Beteiligungs GmbH: Dora Feldmann's company, 35 % shareholder of JKL."""
PARTS_FOUNDER = "P091"
"""Rolf Brenner: founded PRT, still holds 40 % of it."""

# --------------------------------------------------------------------- external customers

EXTERNAL_COMPANIES: tuple[str, ...] = ("HANSA", "STADTW", "ACME", "BRITWID")
PRIVATE_CUSTOMERS: tuple[str, ...] = tuple(f"C{n:03d}" for n in range(1, 13))
WALK_IN_PREFIX = "WALKIN-"
"""Buyer ids of walk-in customers: not in the dataset, classified external."""

# --------------------------------------------------------------------- staff with a story

RETIREE = "P020"
"""Heinz Lehmann: worked at XYZ's foundry, retiree of XYZ since 2024-01-01."""
MOVER = "P037"
"""Jan Schröder: employed by ABC until 2026-05-31, by XYZ from MOVE_DATE."""
MOVE_DATE: date = date(2026, 6, 1)
LEAVER = "P050"
"""Melanie Baumann: left TEL; her last day is 2026-07-31."""
LEAVE_DATE: date = date(2026, 8, 1)
"""The first day on which the leaver is no longer employed (valid_to, exclusive)."""
PART_TIMER = "P038"
"""Sophie Lange: part-time at ABC (shop) and at INS (agent) at the same time."""
BIG_SPENDER = "P035"
"""Tim Zimmermann (ABC): two e-bikes at the staff price push him past the 1,080 EUR allowance."""
JOINERS: tuple[str, ...] = ("P005", "P019", "P039", "P051", "P073")
"""Staff who join during the demo year."""

# --------------------------------------------------------------------- customer care

CARE_CALENDARS: tuple[dict[str, object], ...] = (
    {"id": "DE-OFFICE", "name": "German office hours", "tz": "Europe/Berlin",
     "hours": {"mon-fri": [["08:00", "12:00"], ["13:00", "17:00"]]},
     "holidays": [date.fromisoformat(d) for d in (
         "2025-12-25", "2025-12-26", "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01",
         "2026-05-14", "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26")]},
    {"id": "ALWAYS", "name": "Around the clock", "tz": "Europe/Berlin",
     "hours": {"mon-sun": [["00:00", "24:00"]]}, "holidays": []},
)  # fmt: skip
"""The demo's business calendars (office hours with a lunch break, and 24/7)."""
CARE_POLICIES: tuple[dict[str, object], ...] = (
    {"id": "URGENT", "name": "Urgent, any customer", "position": 1, "calendar": "ALWAYS",
     "priorities": ["urgent"], "first_response": 60, "resolution": 480},
    {"id": "STANDARD", "name": "Everyone else", "position": 9, "calendar": "DE-OFFICE",
     "first_response": 240, "resolution": 1440, "next_response": 480},
)  # fmt: skip
"""The demo's SLA policies: the same targets for internal and external customers."""
PARITY_LAGGARD = "TEL"
"""JKL Telecom answers its internal customers (group staff, sister companies) much later
than its external ones: the parity problem the monitor finds in every quarter."""
TICKETS_SEED = 4
