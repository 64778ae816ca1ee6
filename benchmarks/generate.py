"""Deterministic generator of large dataset folders for the benchmarks.

Writes the dataset folder format of ``design/interfaces.md``: ``entities.csv``,
``stakes.csv``, ``units.csv``, ``people.csv``, ``employments.csv`` and ``sales.csv``,
plus a ``params.json`` marker. The same parameters and seed always give the same bytes.

The ownership structure (entities, stakes, units) is built in Python with
``random.Random(seed)``; the big tables (people, employments, sales) are produced by
DuckDB from ``range(n)`` with a seeded integer hash, so ten million sales take seconds,
not a Python loop.

Two shapes of ownership structure (``--shape``; see ``benchmarks/README.md``):

* ``realistic`` (the default), as real registers are: besides the groups below, six
  large groups (1–5 % of the entities each, 2–6 levels deep), investment funds holding
  1–5 % of thousands of companies and chains of 5–15 % cross-holdings, so that one
  weakly connected component holds nearly all entities; control cycles; stakes that
  start, end or change share on nearly every day of the two sales years (fund trades,
  acquisitions of subsidiaries by other groups, mergers of whole groups into large
  ones); a few dates typed far into the future (``2199-12-31``, ``2099-…``) and
  misspelt names. ``generate`` prints (and ``params.json`` keeps) a summary of the shape,
  computed from the stakes written: largest component, change days, counts per kind;
* ``clusters``: only the groups below, arranged in *clusters* of a few groups, every
  stake between groups staying inside one cluster, so the stake graph has no giant
  component (the shape of the earlier benchmarks).

Common to both:

* entities form groups, mostly trees (holding → subsidiaries → sub-subsidiaries) of
  1–60 members, many small and some large, with associates, joint ventures, disposals
  and acquisitions between groups of a cluster;
* shares are mostly ``100`` or exact majorities, some bands (``(50,75]``, ``(75,100]``,
  ``[25,50)``), a few ``control = yes`` / ``no`` stakes, a few uncertain pairs
  (``[25,50]`` + ``[25,50]``), and persons (founders) holding stakes;
* stakes change between 2006-01-01 and 2025-12-31: successive periods of one
  holder → entity pair, disposals to another group, acquisitions from a person or an
  investment company;
* employments over the same 20 years (retirees, job changes, second jobs, people who
  left, people never employed); org units ~1 per 2 entities, as trees;
* sales from 2024-01-01 to 2025-12-31, in date order: sellers are entities (sometimes
  one of their units); buyers ≈ 45 % persons (mostly staff of the seller's group),
  35 % entities (many of the seller's own group), 5 % units, 15 % unknown ids.

Usage::

    python benchmarks/generate.py                  # default size (10 M sales)
    python benchmarks/generate.py --small          # 1 % of the default size
    python benchmarks/generate.py --shape clusters # the older shape
    python benchmarks/generate.py --scale 0.1 --out /tmp/ds
    python benchmarks/generate.py --check DIR      # validate a generated folder
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import sys
import tempfile
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

import duckdb

VERSION = 1
BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
FILES = ("entities", "stakes", "units", "people", "employments", "sales")
MARKER = "params.json"

EPOCH = date(2006, 1, 1)
HORIZON = (date(2026, 1, 1) - EPOCH).days  # day numbers 0 … 7304 = 2006-01-01 … 2025-12-31
SALES_FROM = date(2024, 1, 1)
SALES_DAYS = (date(2026, 1, 1) - SALES_FROM).days  # 731
SALES_FIRST_DAY = (SALES_FROM - EPOCH).days
FAR_END = (date(2199, 12, 31) - EPOCH).days  # "valid_to 2199-12-31": open, typed by mistake
OPEN = (date(9999, 12, 31) - EPOCH).days  # an open period's end, for overlap tests
DAYS = [(EPOCH + timedelta(days=d)).isoformat() for d in range(HORIZON + 1)]
FULL = 1000  # shares are kept in tenths of a percent: 1000 = 100 %
MASK32 = 0xFFFFFFFF


REALISTIC = "realistic"
CLUSTERS = "clusters"
SHAPES = (REALISTIC, CLUSTERS)


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many rows to make (employments follow from people: ≈ 1.2 per person).

    ``shape`` is how the ownership structure looks: ``realistic`` (one giant connected
    component, stakes changing on most days) or ``clusters`` (the older shape: clusters
    of at most 200 entities, no giant component).
    """

    entities: int
    stakes: int
    people: int
    sales: int
    shape: str = REALISTIC

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r} (expected one of {', '.join(SHAPES)})")

    def scaled(self, factor: float) -> Sizes:
        def times(n: int) -> int:
            return max(0, round(n * factor))

        return Sizes(
            times(self.entities), times(self.stakes), times(self.people), times(self.sales),
            self.shape,
        )  # fmt: skip

    def label(self, seed: int) -> str:
        prefix = "bulk" if self.shape == CLUSTERS else "real"
        return f"{prefix}-e{self.entities}-s{self.stakes}-p{self.people}-n{self.sales}" + (
            "" if seed == 1 else f"-seed{seed}"
        )


# Realistic registers carry about three stake rows per entity (funds, cross-holdings).
DEFAULT_SIZES = Sizes(
    entities=100_000, stakes=300_000, people=1_000_000, sales=10_000_000, shape=REALISTIC
)
CLUSTERS_SIZES = Sizes(
    entities=100_000, stakes=150_000, people=1_000_000, sales=10_000_000, shape=CLUSTERS
)
SMALL_SCALE = 0.01


def default_sizes(shape: str) -> Sizes:
    return DEFAULT_SIZES if shape == REALISTIC else CLUSTERS_SIZES


# ------------------------------------------------------------------------- vocabulary

# (country, currency, legal forms, weight); sales use EUR, USD and GBP only.
COUNTRIES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("DE", "EUR", ("GmbH", "AG", "GmbH & Co. KG"), 0.28),
    ("FR", "EUR", ("SAS", "SA"), 0.09),
    ("NL", "EUR", ("B.V.", "N.V."), 0.07),
    ("AT", "EUR", ("GmbH", "AG"), 0.05),
    ("IT", "EUR", ("S.r.l.", "S.p.A."), 0.06),
    ("ES", "EUR", ("S.L.", "S.A."), 0.05),
    ("IE", "EUR", ("Ltd",), 0.03),
    ("GB", "GBP", ("Ltd", "plc"), 0.17),
    ("US", "USD", ("Inc.", "LLC", "Corp."), 0.20),
)
SYLLABLES = (
    "al", "ber", "can", "dor", "el", "fal", "gar", "hel", "in", "jor", "kes", "lin", "mar",
    "nor", "ol", "pen", "quin", "ros", "sel", "tor", "ul", "ven", "wal", "xan", "yor", "zet",
    "ar", "bel", "cor", "dan", "ex", "fin", "gro", "hal", "ka", "lu", "mo", "ni", "pra", "ri",
    "sa", "te", "vi", "wo",
)  # fmt: skip
ACTIVITIES = (
    "Logistics", "Retail", "Services", "Manufacturing", "Software", "Insurance", "Finance",
    "Energy", "Foods", "Telecom", "Real Estate", "Trading", "Consulting", "Media", "Pharma",
    "Components", "Engineering", "Leasing", "Facilities", "Digital",
)  # fmt: skip
DEPARTMENTS = (
    "Management", "Sales", "Production", "Purchasing", "Logistics", "Finance", "HR", "IT",
    "Marketing", "R&D", "Customer Service", "Quality", "Plant", "Warehouse", "Legal",
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Karin",
    "Lukas", "Maria", "Noah", "Olivia", "Paul", "Rosa", "Simon", "Tanja", "Uwe", "Vera",
    "Walter", "Yara", "Zoe", "Jürgen", "Chloé", "François", "José", "Renée", "Mia", "Leon",
    "Sophie", "Elias", "Hannah", "Finn", "Lea", "Oliver", "Amelia", "George", "Isla", "Harry",
    "Ava", "Jack", "Emily", "James", "Grace", "William", "Lily", "Thomas", "Chen", "Ali",
    "Fatma", "Mehmet", "Aisha", "Priya", "Raj", "Olga", "Ivan", "Giulia", "Marco", "Lucía",
    "Pablo", "Sven", "Ingrid", "Niamh", "Liam", "Camille", "Louis", "Sara", "Omar",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Smith", "Jones",
    "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Walker", "Wright", "Robinson", "Martin", "Bernard", "Dubois", "Durand", "Lefèvre",
    "Moreau", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "García", "Fernández",
    "López", "Martínez", "de Vries", "Jansen", "van Dijk", "Bakker", "Murphy", "Kelly",
    "O'Brien", "Nguyen", "Kowalski", "Nowak", "Yilmaz", "Kaya", "Khan", "Patel", "Singh",
    "Garcia", "Miller", "Davis", "Anderson",
)  # fmt: skip
FUND_WORDS = (
    "Capital Partners", "Investment Fund", "Asset Management", "Equity Fund", "Invest",
    "Pension Fund", "Growth Fund", "Index Fund",
)  # fmt: skip
LARGE_GROUPS = 6  # realistic shape: groups of 1–5 % of the entities each
MISSPELT = 0.02  # realistic shape: entity names with a typo
MAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
COUNTRY_CUM = list(accumulate(c[3] for c in COUNTRIES))


# ------------------------------------------------------------------------- shares


@dataclass(frozen=True, slots=True)
class Pct:
    """A share in tenths of a percent, with its dataset notation."""

    low: int
    high: int
    text: str


def exact(tenths: int) -> Pct:
    text = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return Pct(tenths, tenths, text)


BAND_50_75 = Pct(500, 750, "(50,75]")
BAND_75_100 = Pct(750, 1000, "(75,100]")
BAND_25_50_OPEN = Pct(250, 500, "[25,50)")
BAND_25_50 = Pct(250, 500, "[25,50]")
HUNDRED = exact(FULL)
HALF = exact(500)
MAJORITIES = (510, 550, 600, 650, 700, 749, 750, 800, 850, 900, 949, 950, 990)
FUND_SHARES = (10, 12, 15, 20, 25, 28, 30, 35, 40, 45, 49, 50)  # a fund: 1–5 %
CROSS_SHARES = (50, 75, 80, 100, 120, 150)  # a cross-holding: 5–15 %


@dataclass(slots=True)
class Period:
    start: int | None  # day number, None = since always
    end: int | None  # day number (exclusive), None = until further notice
    voting: Pct
    equity: str = ""
    control: str = ""

    def span(self) -> tuple[int, int]:
        """The days to pick change days from (an open end counts as the horizon)."""
        return (0 if self.start is None else self.start, HORIZON if self.end is None else self.end)

    def reach(self) -> tuple[int, int]:
        """The days the stake is in force, for overlap tests (also beyond the horizon)."""
        return (0 if self.start is None else self.start, OPEN if self.end is None else self.end)


@dataclass(slots=True)
class History:
    """The successive stakes of one holder in one entity (one row per period)."""

    holder: str
    entity: int  # position
    # tree, buy, pred, founder, family, assoc, jv, doubt, agree; realistic: fund, cross, cycle, merge
    role: str
    periods: list[Period]
    splittable: bool = True


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# ------------------------------------------------------------------------- structure


@dataclass(slots=True)
class Structure:
    """Everything decided in Python; the SQL part reads it from a temporary table."""

    n: int
    a_e: int  # entity id number of position p: (p * a_e + b_e) % n + 1
    b_e: int
    group_of: list[int] = field(default_factory=list)
    group_start: list[int] = field(default_factory=list)
    group_size: list[int] = field(default_factory=list)
    cluster_of_group: list[int] = field(default_factory=list)
    cluster_start: list[int] = field(default_factory=list)
    cluster_size: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)  # -1 for a root
    country: list[int] = field(default_factory=list)  # index into COUNTRIES
    name: list[str] = field(default_factory=list)
    emp_start: list[int] = field(default_factory=list)
    emp_count: list[int] = field(default_factory=list)
    unit_start: list[int] = field(default_factory=list)
    unit_count: list[int] = field(default_factory=list)
    slot_start: list[int] = field(default_factory=list)
    slot_count: list[int] = field(default_factory=list)
    employed: int = 0
    units: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    shape: str = CLUSTERS
    funds: list[int] = field(default_factory=list)  # positions of investment funds
    fund_set: set[int] = field(default_factory=set)
    depth: dict[int, int] = field(default_factory=dict)  # large group → levels below its root
    misspelt: int = 0  # entity names with a typo

    def eid(self, pos: int) -> str:
        return f"E{(pos * self.a_e + self.b_e) % self.n + 1:06d}"


def coprime_multiplier(n: int, rng: random.Random) -> int:
    """A multiplier that makes ``k → (k * a + b) % n`` a permutation that looks shuffled."""
    if n <= 2:
        return 1
    a = int(n * 0.6180339887) + rng.randrange(max(1, n // 10))
    while math.gcd(a % n, n) != 1 or a % n in (0, 1):
        a += 1
    return a % n


def group_sizes(n: int, rng: random.Random) -> list[int]:
    """Skewed sizes 1–60 summing to ``n``: 40 % stand-alone companies, then ∝ s⁻²."""
    sizes_2_60 = list(range(2, 61))
    cum: list[float] = []
    total = 0.0
    for s in sizes_2_60:
        total += s**-2.0
        cum.append(total)
    sizes: list[int] = []
    left = n
    while left > 0:
        size = 1 if rng.random() < 0.40 else sizes_2_60[bisect_right(cum, rng.random() * total)]
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def brand(rng: random.Random) -> str:
    parts = rng.randint(2, 3)
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def build_structure(sizes: Sizes, rng: random.Random) -> Structure:
    n = sizes.entities
    st = Structure(n=n, a_e=coprime_multiplier(n, rng), b_e=rng.randrange(max(1, n)))

    st.shape = sizes.shape
    realistic = sizes.shape == REALISTIC
    # Realistic: a few large groups (1–5 % of the entities each, 2–6 levels deep) and
    # investment funds (stand-alone entities) besides the many small groups.
    large: list[tuple[int, int]] = []  # (size, depth)
    funds = 0
    if realistic:
        funds = min(n // 10, max(3, round(n / 400)))
        if n >= 300:
            for _ in range(LARGE_GROUPS):
                large.append((max(10, round(n * rng.uniform(0.01, 0.05))), rng.randint(2, 6)))
    small_n = n - funds - sum(size for size, _depth in large)

    # Groups, capped so that tree edges stay below 55 % of the stake budget.
    gsizes = group_sizes(small_n, rng)
    cap = int(0.55 * sizes.stakes)
    edges = sum(s - 1 for s in gsizes)
    if edges > cap:
        order = list(range(len(gsizes)))
        rng.shuffle(order)
        for g in order:
            if edges <= cap:
                break
            if gsizes[g] > 1:
                edges -= gsizes[g] - 1
                gsizes[g] = 1
        gsizes.extend([1] * (small_n - sum(gsizes)))  # the broken-up groups' other members
        rng.shuffle(gsizes)

    # Clusters of 1–5 groups (at most 200 entities): the only place for cross-group stakes.
    order = list(range(len(gsizes)))
    rng.shuffle(order)
    clusters: list[list[int]] = []
    i = 0
    while i < len(order):
        want = rng.choices((1, 2, 3, 4, 5), weights=(35, 25, 20, 12, 8))[0]
        members = [order[i]]
        total = gsizes[order[i]]
        i += 1
        while len(members) < want and i < len(order) and total + gsizes[order[i]] <= 200:
            members.append(order[i])
            total += gsizes[order[i]]
            i += 1
        clusters.append(members)
    # Large groups and funds are clusters of their own, at random places in the order.
    depth_of: dict[int, int] = {}
    fund_groups: set[int] = set()
    for size, depth in large:
        depth_of[len(gsizes)] = depth
        clusters.insert(rng.randrange(len(clusters) + 1), [len(gsizes)])
        gsizes.append(size)
    for _ in range(funds):
        fund_groups.add(len(gsizes))
        clusters.insert(rng.randrange(len(clusters) + 1), [len(gsizes)])
        gsizes.append(1)

    # Positions: cluster by cluster, group by group, each group a tree in creation order.
    countries = range(len(COUNTRIES))
    pos = 0
    for c_index, members in enumerate(clusters):
        c_start = pos
        for g in members:
            size = gsizes[g]
            g_index = len(st.group_start)
            st.group_start.append(pos)
            st.group_size.append(size)
            st.cluster_of_group.append(c_index)
            home = rng.choices(countries, cum_weights=COUNTRY_CUM)[0]
            name = brand(rng)
            depth = depth_of.get(g, 0)
            if depth:
                st.depth[g_index] = depth
            level = {pos: 0}
            open_members = [pos]  # members less than ``depth`` levels below the root
            for k in range(size):
                st.group_of.append(g_index)
                if k == 0:
                    st.parent.append(-1)
                elif depth:  # a chain down to the deepest level first, then anywhere above it
                    parent = pos - 1 if k <= depth else rng.choice(open_members)
                    st.parent.append(parent)
                    level[pos] = level[parent] + 1
                    if level[pos] < depth:
                        open_members.append(pos)
                else:  # biased towards the root and the first members: shallow trees
                    st.parent.append(pos - k + int(k * rng.random() ** 2))
                here = (
                    home
                    if k == 0 or rng.random() < 0.75
                    else rng.choices(countries, cum_weights=COUNTRY_CUM)[0]
                )
                st.country.append(here)
                form = rng.choice(COUNTRIES[here][2])
                if g in fund_groups:
                    st.name.append(f"{name} {rng.choice(FUND_WORDS)} {form}")
                    st.funds.append(pos)
                elif k == 0:
                    st.name.append(f"{name} Holding {form}" if size > 1 else f"{name} {form}")
                else:
                    st.name.append(f"{name} {rng.choice(ACTIVITIES)} {form}")
                pos += 1
        for _ in members:
            st.cluster_start.append(c_start)
            st.cluster_size.append(pos - c_start)
    # cluster_start / cluster_size are per group (indexed like group_start)
    st.fund_set = set(st.funds)
    if realistic:  # names as typed by people: a few typos
        for p in range(n):
            if rng.random() < MISSPELT:
                st.name[p] = misspell(st.name[p], rng)
                st.misspelt += 1
    return st


def misspell(text: str, rng: random.Random) -> str:
    """``text`` with one typo: two letters swapped, one dropped or doubled, or odd case."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text + text[-1]
    i = rng.choice(letters[1:-2])
    kind = rng.randrange(5)
    if kind == 0 and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    if kind == 3:
        changed = text.replace("GmbH", "Gmbh").replace("Ltd", "LTD").replace("Inc.", "Inc")
        if changed != text:
            return changed
    if kind == 4 and " " in text:
        return text.replace(" ", "  ", 1)
    return text[:i] + text[i + 1 :]


def lay_out_people(st: Structure, people: int, rng: random.Random) -> None:
    """Employees per entity (skewed, holdings small) as contiguous person positions."""
    st.employed = round(0.92 * people)
    weights = []
    for p in range(st.n):
        w = rng.lognormvariate(0.0, 1.4)
        if st.parent[p] == -1 and st.group_size[st.group_of[p]] > 1:
            w *= 0.3  # holdings employ few
        if p in st.fund_set:
            w *= 0.05  # funds even fewer
        weights.append(w)
    total = sum(weights) or 1.0
    acc = 0.0
    start = 0
    for w in weights:
        acc += w
        end = round(acc / total * st.employed)
        st.emp_start.append(start)
        st.emp_count.append(end - start)
        start = end
    # Seller weight: ∝ 1 + √employees, about four slots per entity.
    sell = [1.0 + math.sqrt(c) for c in st.emp_count]
    total_sell = sum(sell) or 1.0
    slots = 4 * st.n
    acc = 0.0
    start = 0
    for w in sell:
        acc += w
        end = round(acc / total_sell * slots)
        st.slot_start.append(start)
        st.slot_count.append(end - start)
        start = end


def make_units(st: Structure, count: int, rng: random.Random) -> None:
    """Org units: trees inside the larger entities, numbered in entity id order."""
    st.unit_start = [0] * st.n
    st.unit_count = [0] * st.n
    if count <= 0 or st.n == 0:
        return
    weights = [math.sqrt(c + 1) for c in st.emp_count]
    per_entity = [0] * st.n
    for p in rng.choices(range(st.n), weights=weights, k=count):
        per_entity[p] += 1
    by_id = sorted(range(st.n), key=st.eid)
    index = 0
    for p in by_id:
        k = per_entity[p]
        st.unit_start[p] = index
        st.unit_count[p] = k
        entity = st.eid(p)
        for j in range(k):
            uid = f"U{index + j + 1:06d}"
            if j == 0:
                parent = ""
            elif j < 3 or rng.random() < 0.7:
                parent = f"U{index + 1:06d}"
            else:
                parent = f"U{index + rng.randrange(j) + 1:06d}"
            dept = DEPARTMENTS[0] if j == 0 else rng.choice(DEPARTMENTS[1:])
            name = dept if j < 4 else f"{dept} {j}"
            cost_centre = f"CC{index + j + 1:06d}" if rng.random() < 0.8 else ""
            st.units.append((uid, entity, name, parent, cost_centre))
        index += k


# ------------------------------------------------------------------------- stakes


class StakeMaker:
    """Builds stake histories under a row budget; caps keep every entity at ≤ 100 %."""

    def __init__(
        self,
        st: Structure,
        budget: int,
        rng: random.Random,
        people: int,
        person_id: Callable[[int], str],
    ) -> None:
        self.st = st
        self.budget = budget
        self.rng = rng
        self.people = people
        self.person_id = person_id
        self.rows = 0
        self.incoming: dict[int, list[History]] = defaultdict(list)
        self.children: dict[int, list[int]] = defaultdict(list)
        for p, parent in enumerate(st.parent):
            if parent >= 0:
                self.children[parent].append(p)
        self.tree_edge: dict[int, History] = {}
        self.locked: set[int] = set()  # no further stakes into these
        self.founded: set[int] = set()  # held by a founder
        self.jv: set[int] = set()
        self.buyers: set[int] = set()  # buyer points of disposals
        self.moved: set[int] = set()  # members of disposed subtrees
        self.used_people: set[int] = set()
        self.groups_in_cluster: dict[int, list[int]] = defaultdict(list)
        for g, c in enumerate(st.cluster_of_group):
            self.groups_in_cluster[c].append(g)
        self.by_role: defaultdict[str, list[History]] = defaultdict(list)
        self.members = [p for p in range(st.n) if st.parent[p] >= 0]
        self.fund_cum: list[float] = [1.0]

    # -- helpers
    def room(self, rows: int = 1) -> bool:
        return self.rows + rows <= self.budget

    def add(self, history: History) -> History:
        """Keep a history, unless the same holder already holds the entity at that time.

        Two overlapping stakes of one holder in one entity would be one stake counted
        twice, and an import matches stakes by holder, entity and valid_from.
        """
        spans = [p.reach() for p in history.periods]
        for other in self.incoming.get(history.entity, ()):
            if other.holder == history.holder and any(
                overlaps(a.reach(), b) for a in other.periods for b in spans
            ):
                return history
        self.st.histories.append(history)
        self.incoming[history.entity].append(history)
        self.by_role[history.role].append(history)
        self.rows += len(history.periods)
        return history

    def try_add(self, history: History) -> bool:
        """``add``, saying whether the history was kept."""
        before = self.rows
        self.add(history)
        return self.rows > before

    def cap(self, entity: int, span: tuple[int, int], exclude: History | None = None) -> int:
        """Tenths of a percent still free in ``entity`` over ``span`` (upper bounds)."""
        if span[1] == HORIZON:  # an open end: the stake stays in force after the horizon
            span = (span[0], OPEN)
        taken = 0
        for h in self.incoming.get(entity, ()):
            if h is exclude:
                continue
            highs = [p.voting.high for p in h.periods if overlaps(p.reach(), span)]
            taken += max(highs, default=0)
        return FULL - taken

    def day(self, low: int, high: int) -> int:
        """A day in [low, high], on the first of a month in 60 % of cases."""
        d = self.rng.randint(low, high)
        if self.rng.random() < 0.6:
            first = EPOCH + timedelta(days=d)
            snapped = (first.replace(day=1) - EPOCH).days
            if low <= snapped <= high:
                return snapped
        return d

    def majority(self) -> Pct:
        r = self.rng.random()
        if r < 0.62:
            return HUNDRED
        if r < 0.88:
            return exact(self.rng.choice(MAJORITIES))
        if r < 0.94:
            return BAND_50_75
        return BAND_75_100

    def equity_for(self, voting: Pct) -> str:
        r = self.rng.random()
        if r < 0.92 or voting.low != voting.high:
            return ""
        if r < 0.97:
            return voting.text
        return exact(max(0, voting.low - self.rng.choice((10, 50, 100, 200)))).text

    def person(self, near: int | None = None) -> str | None:
        """An unused person, if possible an employee of entity ``near``."""
        people = self.people
        if people == 0 or len(self.used_people) >= people:
            return None
        if near is not None and self.st.emp_count[near] > 0:
            start, count = self.st.emp_start[near], self.st.emp_count[near]
            for _ in range(3):
                k = start + self.rng.randrange(count)
                if k not in self.used_people:
                    self.used_people.add(k)
                    return self.person_id(k)
        for _ in range(50):
            k = self.rng.randrange(people)
            if k not in self.used_people:
                self.used_people.add(k)
                return self.person_id(k)
        return None

    def other_group_member(self, g: int, ok: Callable[[int], bool], avoid: int = -1) -> int | None:
        """A member of another group (not ``avoid`` either) of ``g``'s cluster satisfying ``ok``."""
        cluster = self.groups_in_cluster[self.st.cluster_of_group[g]]
        others = [x for x in cluster if x not in (g, avoid)]
        if not others:
            return None
        for _ in range(8):
            g2 = self.rng.choice(others)
            start, size = self.st.group_start[g2], self.st.group_size[g2]
            p = start if self.rng.random() < 0.5 else start + self.rng.randrange(size)
            if ok(p):
                return p
        return None

    def subtree(self, p: int) -> list[int]:
        out, todo = [], [p]
        while todo:
            x = todo.pop()
            out.append(x)
            todo.extend(self.children.get(x, ()))
        return out

    # -- the steps, in order
    def tree_edges(self, yes: int, no: int) -> None:
        st, rng = self.st, self.rng
        members = [p for p in range(st.n) if st.parent[p] >= 0]
        for p in members:
            start = None if rng.random() < 0.65 else self.day(1, HORIZON - 400)
            voting = self.majority()
            h = self.add(
                History(
                    st.eid(st.parent[p]),
                    p,
                    "tree",
                    [Period(start, None, voting, self.equity_for(voting))],
                )
            )
            self.tree_edge[p] = h
        flagged = rng.sample(members, min(len(members), yes + no))
        for i, p in enumerate(flagged):
            period = self.tree_edge[p].periods[0]
            if i < yes:  # 40–50 % of the votes plus board appointment rights
                period.voting = exact(rng.choice((400, 450, 490, 500)))
                period.equity = ""
                period.control = "yes"
            else:  # votes that are not substantive: the subsidiary is not controlled
                period.voting = HUNDRED
                period.control = "no"

    def doubts(self, pairs: int) -> None:
        """``[25,50]`` by the parent plus ``[25,50]`` by a sister: control is uncertain."""
        st, rng = self.st, self.rng
        members = [p for p in range(st.n) if st.parent[p] >= 0]
        rng.shuffle(members)
        made = 0
        for x in members:
            if made >= pairs or not self.room():
                break
            g = st.group_of[x]
            below = set(self.subtree(x))
            start, size = st.group_start[g], st.group_size[g]
            candidates = [
                q for q in range(start, start + size) if q not in below and q != st.parent[x]
            ]
            edge = self.tree_edge[x]
            if not candidates or edge.periods[0].control or x in self.locked:
                continue
            q = rng.choice(candidates)
            edge.periods[0].voting = BAND_25_50
            edge.periods[0].equity = ""
            edge.splittable = False
            self.add(
                History(
                    st.eid(q),
                    x,
                    "doubt",
                    [Period(edge.periods[0].start, None, BAND_25_50)],
                    splittable=False,
                )
            )
            self.locked.add(x)
            made += 1

    def founders(self, rows: int) -> None:
        """Persons owning holdings and stand-alone companies; some own two."""
        st, rng = self.st, self.rng
        tops = [st.group_start[g] for g in range(len(st.group_start))]
        rng.shuffle(tops)
        made = 0
        for top in tops:
            if made >= rows or not self.room() or top in self.founded or top in st.fund_set:
                continue
            if rng.random() < 0.07 and self.room(2):  # two family members, 50/50
                a, b = self.person(top), self.person()
                if a is None or b is None:
                    continue
                for holder in (a, b):
                    self.add(History(holder, top, "founder", [Period(None, None, HALF)]))
                made += 2
                self.founded.add(top)
                continue
            who = self.person(top)
            if who is None:
                return
            voting = self.majority()
            self.add(History(who, top, "founder", [Period(None, None, voting)]))
            self.founded.add(top)
            made += 1
            if rng.random() < 0.15 and self.room():  # the same person owns a second company
                g = st.group_of[top]
                second = self.other_group_member(
                    g, lambda p: st.parent[p] == -1 and p not in self.founded
                )
                if second is not None:
                    start = None if rng.random() < 0.6 else self.day(1, HORIZON - 400)
                    self.add(History(who, second, "founder", [Period(start, None, HUNDRED)]))
                    self.founded.add(second)
                    made += 1

    def singletons(self) -> list[int]:
        st = self.st
        return [st.group_start[g] for g in range(len(st.group_start)) if st.group_size[g] == 1]

    def joint_ventures(self, pairs: int) -> None:
        st, rng = self.st, self.rng
        single = self.singletons()
        rng.shuffle(single)
        made = 0
        for j in single:
            if made >= pairs or not self.room(2):
                break
            if j in self.founded or j in self.locked:
                continue
            g = st.group_of[j]
            a = self.other_group_member(g, lambda p: True)
            if a is None:
                continue
            group_a = st.group_of[a]
            b = self.other_group_member(g, lambda p: True, avoid=group_a)
            if b is None:
                continue
            start = None if rng.random() < 0.5 else self.day(1, HORIZON - 400)
            if self.cap(j, Period(start, None, HALF).span()) < FULL:  # funds got there first
                continue
            for holder in (a, b):
                self.add(
                    History(st.eid(holder), j, "jv", [Period(start, None, HALF)], splittable=False)
                )
            self.jv.add(j)
            self.locked.add(j)
            made += 1

    def agreements(self, rows: int) -> None:
        """A holding controls a stand-alone company by agreement with a minority stake."""
        st, rng = self.st, self.rng
        single = self.singletons()
        rng.shuffle(single)
        made = 0
        for s in single:
            if made >= rows or not self.room():
                break
            if s in self.locked:
                continue
            g = st.group_of[s]
            root = self.other_group_member(
                g, lambda p: st.parent[p] == -1 and st.group_size[st.group_of[p]] > 1
            )
            if root is None:
                continue
            voting = exact(rng.choice((200, 250, 300, 350, 400, 490)))
            start = None if rng.random() < 0.5 else self.day(1, HORIZON - 400)
            period = Period(start, None, voting, control="yes")
            if self.cap(s, period.span()) < voting.high:
                continue
            self.add(History(st.eid(root), s, "agree", [period]))
            self.locked.add(s)
            made += 1

    def disposals(self, rows: int) -> None:
        """A subsidiary (with its subtree) is sold to another group of the cluster."""
        st, rng = self.st, self.rng
        members = [p for p in range(st.n) if st.parent[p] >= 0]
        rng.shuffle(members)
        made = 0
        for c in members:
            if made >= rows or not self.room():
                break
            edge = self.tree_edge[c]
            if c in self.locked or c in self.buyers or c in self.moved or not edge.splittable:
                continue
            below = self.subtree(c)
            if any(p in self.buyers for p in below):
                continue
            z = self.other_group_member(
                st.group_of[c], lambda p: p not in self.moved and p not in self.jv
            )
            if z is None:
                continue
            period = edge.periods[0]
            low = (period.start or 0) + 60
            if low > HORIZON - 60:
                continue
            d = self.day(low, HORIZON - 60)
            period.end = d
            voting = self.majority()
            if self.cap(c, (d, HORIZON), exclude=edge) < voting.high:
                voting = exact(self.cap(c, (d, HORIZON), exclude=edge))
                if voting.high <= 500:
                    period.end = None
                    continue
            self.add(History(st.eid(z), c, "buy", [Period(d, None, voting)]))
            self.buyers.add(z)
            self.moved.update(below)
            made += 1

    def predecessors(self, rows: int) -> None:
        """Who held a company before the group acquired it: a person or an investor."""
        st, rng = self.st, self.rng
        acquired = [
            p
            for p, h in self.tree_edge.items()
            if h.periods[0].start is not None and h.periods[0].start >= 400 and h.splittable
        ]
        rng.shuffle(acquired)
        made = 0
        for c in acquired:
            if made >= rows or not self.room():
                break
            if c in self.locked:
                continue
            d = self.tree_edge[c].periods[0].start
            assert d is not None
            holder: str | None
            if rng.random() < 0.35:
                holder = self.person()
            else:
                z = self.other_group_member(
                    st.group_of[c], lambda p: st.group_size[st.group_of[p]] == 1
                )
                holder = None if z is None else st.eid(z)
            if holder is None:
                continue
            start = None if rng.random() < 0.5 else self.day(1, d - 200)
            voting = HUNDRED if rng.random() < 0.7 else exact(rng.choice(MAJORITIES))
            period = Period(start, d, voting)
            if self.cap(c, period.span()) < voting.high:
                continue
            self.add(History(holder, c, "pred", [period]))
            made += 1

    def minorities(self, rows: int, role: str) -> None:
        """Associates (20–49 % from another group of the cluster) or family stakes."""
        st, rng = self.st, self.rng
        made = 0
        attempts = 0
        while made < rows and self.room() and attempts < rows * 20:
            attempts += 1
            target = rng.randrange(st.n)
            if target in self.locked:
                continue
            holder: str | None
            if role == "assoc":
                z = self.other_group_member(st.group_of[target], lambda p: p not in self.jv)
                holder = None if z is None else st.eid(z)
                r = rng.random()
                voting = (
                    BAND_25_50_OPEN
                    if r < 0.12
                    else exact(rng.choice((200, 249, 250, 300, 333, 350, 400, 450, 490)))
                )
            else:
                holder = self.person()
                voting = exact(rng.choice((50, 100, 150, 200, 249, 250, 300, 400, 490)))
            if holder is None:
                continue
            start = None if rng.random() < 0.5 else self.day(1, HORIZON - 400)
            end = None if rng.random() < 0.8 else self.day((start or 0) + 60, HORIZON - 1)
            control = "no" if role == "assoc" and rng.random() < 0.05 else ""
            period = Period(start, end, voting, control=control)
            if self.cap(target, period.span()) < voting.high:
                continue
            self.add(History(holder, target, role, [period]))
            made += 1

    def propose(self, role: str, current: Pct) -> Pct:
        rng = self.rng
        if role == "fund":
            return exact(rng.choice(FUND_SHARES))
        if role == "cross":
            return exact(rng.choice(CROSS_SHARES))
        r = rng.random()
        if role in ("assoc", "family", "agree"):
            low = 200 if role != "family" else 50
            return exact(rng.choice([v for v in (50, 100, 200, 250, 300, 400, 490) if v >= low]))
        if current.low >= FULL:
            if r < 0.80:
                return exact(rng.choice((510, 600, 700, 750, 800, 900)))
            if r < 0.85:
                return BAND_75_100
            return exact(rng.choice((250, 300, 400, 490)))
        if current.low >= 500:
            if r < 0.5:
                return HUNDRED
            if r < 0.85:
                return exact(rng.choice(MAJORITIES))
            return exact(rng.choice((250, 300, 400, 490)))
        if r < 0.7:
            return HUNDRED if r < 0.4 else exact(rng.choice(MAJORITIES))
        return exact(rng.choice((200, 250, 300, 400, 490)))

    # -- the realistic shape's steps
    def pick_fund(self) -> int:
        funds = self.st.funds
        at = bisect_right(self.fund_cum, self.rng.random() * self.fund_cum[-1])
        return funds[min(at, len(funds) - 1)]

    def fund_stake(self, fund: int, target: int, start: int | None = -1) -> bool:
        """A fund buys 1–5 % of ``target`` (from ``start``; -1: a random day or always)."""
        rng = self.rng
        if target in self.st.fund_set or target in self.locked:
            return False
        voting = exact(rng.choice(FUND_SHARES))
        end = None
        if start == -1:
            start = None if rng.random() < 0.4 else self.day(1, HORIZON - 30)
            if rng.random() < 0.12 and (start or 0) + 60 < HORIZON - 1:
                end = self.day((start or 0) + 60, HORIZON - 1)
        period = Period(start, end, voting)
        if self.cap(target, period.span()) < voting.high:
            return False
        return self.try_add(History(self.st.eid(fund), target, "fund", [period]))

    def fund_holdings(self, rows: int) -> None:
        """Funds hold 1–5 % of thousands of companies: nearly every group is reached."""
        st, rng = self.st, self.rng
        if not st.funds:
            return
        weights = [1.0 / (i + 1) ** 0.7 for i in range(len(st.funds))]  # a few big funds
        rng.shuffle(weights)
        self.fund_cum = list(accumulate(weights))
        groups = [g for g in range(len(st.group_start)) if st.group_start[g] not in st.fund_set]
        rng.shuffle(groups)
        made = 0
        for g in groups:  # one stake in 95 % of the groups, in the holding if it has room
            if made >= rows or not self.room():
                break
            if rng.random() >= 0.95:
                continue
            start, size = st.group_start[g], st.group_size[g]
            for attempt in range(4):
                target = start if attempt == 0 else start + rng.randrange(size)
                if self.fund_stake(self.pick_fund(), target):
                    made += 1
                    break
        # The rest of the portfolios: holdings, stand-alone companies and subsidiaries that
        # are not wholly owned.
        targets = [
            p
            for p in range(st.n)
            if p not in st.fund_set
            and (p not in self.tree_edge or self.tree_edge[p].periods[0].voting.high < FULL)
        ]
        attempts = 0
        while made < rows and self.room() and targets and attempts < 4 * rows:
            attempts += 1
            if self.fund_stake(self.pick_fund(), rng.choice(targets)):
                made += 1

    def cross_holdings(self, rows: int) -> None:
        """Chains A → B → C … of 5–15 % stakes across groups; a quarter closed into a cycle."""
        st, rng = self.st, self.rng
        made = tries = 0
        while made < rows and self.room() and tries < 5 * rows:
            tries += 1
            nodes = [rng.randrange(st.n) for _ in range(rng.randint(3, 8))]
            if len({st.group_of[x] for x in nodes}) < len(nodes):
                continue
            pairs = list(pairwise(nodes))
            if rng.random() < 0.25:
                pairs.append((nodes[-1], nodes[0]))
            start = None if rng.random() < 0.5 else self.day(1, HORIZON - 400)
            for a, b in pairs:
                voting = exact(rng.choice(CROSS_SHARES))
                period = Period(start, None, voting)
                if not self.room() or b in self.locked or self.cap(b, period.span()) < voting.high:
                    continue
                if self.try_add(History(st.eid(a), b, "cross", [period])):
                    made += 1

    def control_cycles(self, count: int) -> None:
        """Holdings of two or three groups controlling each other in a ring (A → B → A)."""
        st, rng = self.st, self.rng
        roots = [
            st.group_start[g]
            for g in range(len(st.group_start))
            if st.group_start[g] not in st.fund_set and st.group_start[g] not in self.locked
        ]
        made = 0
        for _ in range(30 * count):
            if made >= count or len(roots) < 3 or not self.room(3):
                break
            ring = rng.sample(roots, 2 if rng.random() < 0.6 else 3)
            start = None if rng.random() < 0.5 else self.day(1, HORIZON - 400)
            periods = [Period(start, None, exact(rng.choice((510, 550, 600, 750)))) for _ in ring]
            if any(
                self.cap(b, period.span()) < period.voting.high
                for b, period in zip(ring, periods, strict=True)
            ):
                continue
            for i, (b, period) in enumerate(zip(ring, periods, strict=True)):
                holder = ring[i - 1]
                self.add(History(st.eid(holder), b, "cycle", [period], splittable=False))
            self.locked.update(ring)
            made += 1

    def split_at(self, h: History, d: int, voting: Pct) -> bool:
        """End ``h``'s period in force on day ``d`` there; a new one with ``voting`` starts."""
        inside = [i for i, p in enumerate(h.periods) if p.reach()[0] < d < p.reach()[1]]
        if not inside:
            return False
        i = inside[0]
        period = h.periods[i]
        if voting == period.voting:
            return False
        second = Period(d, period.end, voting, "", period.control)
        if self.cap(h.entity, second.reach(), exclude=h) < voting.high:
            return False
        first = Period(period.start, d, period.voting, period.equity, period.control)
        h.periods[i : i + 1] = [first, second]
        self.rows += 1
        return True

    def acquisition(self, d: int) -> bool:
        """On ``d`` a subsidiary (with its subtree) moves to another group, often a large one."""
        st, rng = self.st, self.rng
        c = rng.randrange(st.n)
        edge = self.tree_edge.get(c)
        if edge is None or not edge.splittable or c in self.locked:
            return False
        if c in self.moved or c in self.buyers:
            return False
        last = edge.periods[-1]
        if last.end is not None or (last.start or 0) >= d - 30:
            return False
        below = self.subtree(c)
        if any(p in self.buyers for p in below):
            return False
        if st.depth and rng.random() < 0.5:
            g = rng.choice(sorted(st.depth))
            z = st.group_start[g] + rng.randrange(st.group_size[g])
        else:
            z = rng.randrange(st.n)
        if st.group_of[z] == st.group_of[c] or z in st.fund_set or z in self.moved:
            return False
        voting = self.majority()
        free = self.cap(c, (d, HORIZON), exclude=edge)
        if free < voting.high:
            if free <= 500:
                return False
            voting = exact(free)
        last.end = d
        self.add(History(st.eid(z), c, "buy", [Period(d, None, voting, self.equity_for(voting))]))
        self.buyers.add(z)
        self.moved.update(below)
        return True

    def merger(self, d: int) -> bool:
        """On ``d`` a large group buys a whole group (its holding): the chains merge."""
        st, rng = self.st, self.rng
        if not st.depth:
            return False
        g = rng.randrange(len(st.group_start))
        r = st.group_start[g]
        if g in st.depth or r in st.fund_set or r in self.locked or r in self.buyers:
            return False
        ending = [
            p
            for h in self.incoming.get(r, ())
            for p in h.periods
            if p.voting.low > 500 and p.reach()[0] < d - 30 and p.reach()[1] > d
        ]
        if any(p.end is not None for p in ending):
            return False
        for p in ending:
            p.end = d
        free = self.cap(r, (d, HORIZON))
        if free <= 500:
            for p in ending:
                p.end = None
            return False
        big = rng.choice(sorted(st.depth))
        z = st.group_start[big] + rng.randrange(st.group_size[big])
        self.add(History(st.eid(z), r, "merge", [Period(d, None, exact(free))], splittable=False))
        self.buyers.add(z)
        self.moved.update(range(r, r + st.group_size[g]))
        return True

    def window_events(self, extra: int, mergers: int) -> None:
        """Stakes start, end and change on about 97 % of the days of the sales window."""
        rng = self.rng
        chosen = [d for d in range(SALES_FIRST_DAY, HORIZON) if rng.random() < 0.967]
        if not chosen:
            return
        plan = sorted(chosen + [rng.choice(chosen) for _ in range(extra)])
        merged = 0
        for _ in range(20 * mergers):
            if merged >= mergers or not self.room():
                break
            merged += self.merger(rng.choice(chosen))
        kinds = ("change", "start", "end", "cross", "acquire", "tree")
        weights = (50, 15, 10, 8, 7, 10)
        for d in plan:
            for _ in range(12):
                kind = rng.choices(kinds, weights)[0] if self.room() else "end"
                if self.event(kind, d):
                    break

    def event(self, kind: str, d: int) -> bool:
        rng = self.rng
        funds = self.by_role["fund"]
        if kind == "change" and funds:
            return self.split_at(rng.choice(funds), d, exact(rng.choice(FUND_SHARES)))
        if kind == "start" and self.st.funds:
            return self.fund_stake(self.pick_fund(), rng.randrange(self.st.n), start=d)
        if kind == "end" and funds:
            h = rng.choice(funds)
            last = h.periods[-1]
            if last.end is None and (last.start or 0) < d - 30:
                last.end = d
                return True
            return False
        if kind == "cross" and self.by_role["cross"]:
            return self.split_at(
                rng.choice(self.by_role["cross"]), d, exact(rng.choice(CROSS_SHARES))
            )
        if kind == "acquire":
            return self.acquisition(d)
        if kind == "tree" and self.tree_edge:
            h = self.tree_edge[rng.choice(self.members)]
            if not h.splittable or h.periods[-1].control:
                return False
            return self.split_at(h, d, self.propose("tree", h.periods[-1].voting))
        return False

    def far_starts(self, count: int) -> None:
        """Fund stakes from 2099 (typed for 2019): in force then on top of today's stakes."""
        st, rng = self.st, self.rng
        made = 0
        for _ in range(50 * count):
            if made >= count or not self.room() or not st.funds:
                break
            fund, target = self.pick_fund(), rng.randrange(st.n)
            if target in st.fund_set or any(
                h.holder == st.eid(fund) for h in self.incoming.get(target, ())
            ):
                continue
            day = (date(2099, rng.randint(1, 12), rng.randint(1, 28)) - EPOCH).days
            voting = exact(rng.choice(FUND_SHARES))
            if self.cap(target, (day, OPEN)) < voting.high:
                continue
            made += self.try_add(
                History(st.eid(fund), target, "fund", [Period(day, None, voting)], False)
            )

    def far_ends(self, count: int) -> None:
        """Open stakes given ``valid_to 2199-12-31`` (meaning: until further notice)."""
        rng = self.rng
        histories = self.st.histories
        made = 0
        for _ in range(50 * count):
            if made >= count or not histories:
                break
            last = rng.choice(histories).periods[-1]
            if last.end is None and (last.start or 0) < HORIZON:
                last.end = FAR_END
                made += 1

    def split_once(self, candidates: list[History], max_periods: int) -> bool:
        """Cut one period in two at a day inside it; one half gets another share."""
        rng = self.rng
        h = rng.choice(candidates)
        if len(h.periods) >= max_periods:
            return False
        i = rng.randrange(len(h.periods))
        period = h.periods[i]
        lo, hi = period.span()
        if hi - lo < 120:
            return False
        d = self.day(lo + 31, hi - 31)
        first = Period(period.start, d, period.voting, period.equity, period.control)
        second = Period(d, period.end, period.voting, period.equity, period.control)
        changed = second if rng.random() < 0.6 else first
        voting = self.propose(h.role, period.voting)
        if voting == period.voting:
            return False
        if self.cap(h.entity, changed.span(), exclude=h) < voting.high:
            return False
        changed.voting = voting
        changed.equity = self.equity_for(voting) if h.role in ("tree", "buy") else ""
        h.periods[i : i + 1] = [first, second]
        self.rows += 1
        return True

    def splits(self) -> None:
        candidates = [h for h in self.st.histories if h.splittable]
        # At most 5 periods per pair, unless the budget needs more (many stakes per entity).
        needed = math.ceil(2 * (self.budget - self.rows) / max(1, len(candidates)))
        max_periods = max(5, needed + 1)
        failures = 0
        while self.rows < self.budget and candidates and failures < 10_000:
            if self.split_once(candidates, max_periods):
                failures = 0
            else:
                failures += 1


def make_stakes(st: Structure, sizes: Sizes, rng: random.Random, a_p: int, b_p: int) -> None:
    def person_id(k: int) -> str:
        return f"P{(k * a_p + b_p) % sizes.people + 1:07d}"

    maker = StakeMaker(st, sizes.stakes, rng, sizes.people, person_id)
    if sizes.shape == REALISTIC:
        make_realistic_stakes(maker, sizes)
        return
    s = sizes.stakes
    maker.tree_edges(yes=round(0.0015 * s), no=round(0.001 * s))
    rest = s - maker.rows
    maker.doubts(round(0.001 * s))
    maker.founders(round(0.04 * rest))
    maker.joint_ventures(round(0.005 * rest))
    maker.agreements(round(0.002 * s))
    maker.disposals(round(0.06 * rest))
    maker.predecessors(round(0.07 * rest))
    maker.minorities(round(0.12 * rest), "assoc")
    maker.minorities(round(0.01 * rest), "family")
    maker.splits()
    if maker.rows < s:  # tiny or odd sizes: top up with more minority stakes
        maker.minorities(s - maker.rows, "assoc")
    if maker.rows < s:
        maker.minorities(s - maker.rows, "family")
    if maker.rows != s:
        raise ValueError(f"could only place {maker.rows} of {s} stakes for these sizes")


def make_realistic_stakes(maker: StakeMaker, sizes: Sizes) -> None:
    """The realistic shape: the steps of the cluster shape plus funds, cross-holdings,
    control cycles, changes on most days of the sales window and far-future dates."""
    s, n = sizes.stakes, sizes.entities
    maker.tree_edges(yes=round(0.0015 * s), no=round(0.001 * s))
    rest = s - maker.rows
    maker.doubts(round(0.001 * s))
    maker.founders(round(0.03 * rest))
    maker.joint_ventures(round(0.004 * rest))
    maker.agreements(round(0.002 * s))
    maker.fund_holdings(round(0.45 * rest))
    maker.cross_holdings(round(0.03 * rest))
    maker.control_cycles(max(2, n // 5000))
    maker.disposals(round(0.03 * rest))
    maker.predecessors(round(0.04 * rest))
    maker.minorities(round(0.08 * rest), "assoc")
    maker.minorities(round(0.01 * rest), "family")
    maker.window_events(extra=round(0.03 * rest), mergers=max(2, n // 20000))
    maker.far_starts(max(2, n // 20000))
    maker.splits()
    if maker.rows < s:
        maker.minorities(s - maker.rows, "assoc")
    if maker.rows < s:
        maker.minorities(s - maker.rows, "family")
    if maker.rows != s:
        raise ValueError(f"could only place {maker.rows} of {s} stakes for these sizes")
    maker.far_ends(max(3, n // 10000))


# ------------------------------------------------------------------------- summary


def majority_cycles(edges: dict[str, set[str]]) -> int:
    """Back edges found by a depth-first search of ``holder → entity`` majority stakes."""
    state: dict[str, int] = {}
    cycles = 0
    for start_node in list(edges):
        if start_node in state:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(start_node, iter(sorted(edges[start_node])))]
        state[start_node] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(iter(it), None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                cycles += 1
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))
    return cycles


def find_root(parent: dict[str, str], x: str) -> str:
    """The root of ``x`` in a union-find forest (``parent``), halving the path on the way."""
    root = x
    while parent.setdefault(root, root) != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


def shape_summary(st: Structure) -> dict[str, Any]:
    """What the ownership structure looks like, computed from the stakes made."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        return find_root(parent, x)

    entity_ids = [st.eid(p) for p in range(st.n)]
    for e in entity_ids:
        find(e)
    rows_by_role: Counter[str] = Counter()
    change_days: set[int] = set()
    far = 0
    majority: defaultdict[str, set[str]] = defaultdict(set)
    held_by_person: defaultdict[str, set[int]] = defaultdict(set)  # groups a person controls
    per_fund: Counter[str] = Counter()
    fund_ids = {st.eid(p) for p in st.funds}
    control: Counter[str] = Counter()
    for h in st.histories:
        entity = st.eid(h.entity)
        parent[find(h.holder)] = find(entity)
        rows_by_role[h.role] += len(h.periods)
        if h.holder in fund_ids:
            per_fund[h.holder] += 1
        for period in h.periods:
            control[period.control or "derived"] += 1
            for d in (period.start, period.end):
                if d is not None and SALES_FIRST_DAY <= d < HORIZON:
                    change_days.add(d)
                if d is not None and d > HORIZON:
                    far += 1
            if period.voting.low > 500 or period.control == "yes":
                if h.holder.startswith("P"):
                    held_by_person[h.holder].add(st.group_of[h.entity])
                else:
                    majority[h.holder].add(entity)
    sizes = Counter(find(e) for e in entity_ids)
    largest = max(sizes.values(), default=0)
    holdings = sorted(per_fund.values())
    group_sizes = st.group_size
    return {
        "shape": st.shape,
        "entities": st.n,
        "largest_component_entities": largest,
        "largest_component_pct": round(100 * largest / max(1, st.n), 1),
        "components": len(sizes),
        "stake_change_days_in_sales_window": len(change_days),
        "sales_window_days": SALES_DAYS,
        "stake_rows": sum(rows_by_role.values()),
        "stake_rows_by_kind": dict(sorted(rows_by_role.items())),
        "stakes_by_control": dict(sorted(control.items())),
        "majority_cycles": majority_cycles(majority),
        "far_future_dates": far,
        "funds": len(st.funds),
        "stakes_per_fund": {
            "min": holdings[0] if holdings else 0,
            "median": holdings[len(holdings) // 2] if holdings else 0,
            "max": holdings[-1] if holdings else 0,
        },
        "large_groups": [{"size": group_sizes[g], "depth": d} for g, d in sorted(st.depth.items())],
        "stand_alone": sum(
            1
            for g, size in enumerate(group_sizes)
            if size == 1 and st.group_start[g] not in st.fund_set
        ),
        "small_groups": sum(
            1 for g, size in enumerate(group_sizes) if size > 1 and g not in st.depth
        ),
        "person_holders": sum(1 for h in {h.holder for h in st.histories} if h.startswith("P")),
        "persons_controlling_two_groups": sum(1 for g in held_by_person.values() if len(g) > 1),
        "misspelt_entity_names": st.misspelt,
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary for people: one line per aspect."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in summary["stake_rows_by_kind"].items())
    large = ", ".join(f"{g['size']:,} ({g['depth']} levels)" for g in summary["large_groups"])
    per_fund = summary["stakes_per_fund"]
    lines = [
        f"shape {summary['shape']}: largest weakly connected component "
        f"{summary['largest_component_entities']:,} of {summary['entities']:,} entities "
        f"({summary['largest_component_pct']} %), {summary['components']:,} components",
        f"  stakes change on {summary['stake_change_days_in_sales_window']} of the "
        f"{summary['sales_window_days']} days of the sales window",
        f"  {summary['stake_rows']:,} stake rows: {kinds}",
        f"  control: {', '.join(f'{k} {v:,}' for k, v in summary['stakes_by_control'].items())}; "
        f"majority cycles {summary['majority_cycles']}; far-future dates "
        f"{summary['far_future_dates']}",
        f"  funds {summary['funds']} (stakes per fund: min {per_fund['min']:,}, median "
        f"{per_fund['median']:,}, max {per_fund['max']:,}); large groups: {large or 'none'}",
        f"  small groups {summary['small_groups']:,}, stand-alone {summary['stand_alone']:,}; "
        f"persons holding stakes {summary['person_holders']:,} "
        f"({summary['persons_controlling_two_groups']} controlling two groups); "
        f"misspelt entity names {summary['misspelt_entity_names']:,}",
    ]
    if "rows" in summary:
        lines.append("  rows: " + ", ".join(f"{k} {v:,}" for k, v in summary["rows"].items()))
    return lines


# ------------------------------------------------------------------------- writing


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def day_text(d: int | None) -> str:
    if d is None:
        return ""
    return DAYS[d] if d < len(DAYS) else (EPOCH + timedelta(days=d)).isoformat()


def write_python_tables(st: Structure, out: Path) -> dict[str, int]:
    rows: dict[str, int] = {}
    by_id = sorted(range(st.n), key=st.eid)
    rows["entities"] = write_csv(
        out / "entities.csv",
        ("id", "name", "country", "currency"),
        (
            (st.eid(p), st.name[p], COUNTRIES[st.country[p]][0], COUNTRIES[st.country[p]][1])
            for p in by_id
        ),
    )
    stake_rows = [
        (
            h.holder,
            st.eid(h.entity),
            p.voting.text,
            p.equity,
            day_text(p.start),
            day_text(p.end),
            p.control,
        )
        for h in st.histories
        for p in h.periods
    ]
    stake_rows.sort(key=lambda r: (r[1], r[0], r[4]))
    rows["stakes"] = write_csv(
        out / "stakes.csv",
        ("holder", "entity", "voting", "equity", "valid_from", "valid_to", "control"),
        stake_rows,
    )
    rows["units"] = write_csv(
        out / "units.csv", ("id", "entity", "name", "parent", "cost_centre"), st.units
    )
    return rows


# The seeded hash: murmur3's 32-bit finaliser, as SQL macros (identical on every DuckDB).
SQL_MACROS = (
    "CREATE OR REPLACE MACRO xs(x, s) AS xor(x, x >> s)",
    "CREATE OR REPLACE MACRO mix(x) AS xs((xs((xs(x::UBIGINT % 4294967296, 16) "
    "* 2246822507) % 4294967296, 13) * 3266489909) % 4294967296, 16)",
)


def fmix32(x: int) -> int:
    x &= MASK32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & MASK32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & MASK32
    return x ^ (x >> 16)


def salt(seed: int, name: str) -> int:
    """A 32-bit constant per random column, derived from the seed and the column name."""
    x = fmix32(seed * 0x9E3779B1 + 0x7F4A7C15)
    for ch in name:
        x = fmix32(x ^ ord(ch) * 0x01000193)
    return x


def sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load_entity_table(con: duckdb.DuckDBPyConnection, st: Structure, tmp: Path) -> None:
    path = tmp / "ent.csv"
    cols = (
        "pos", "eid", "gstart", "gsize", "cstart", "csize", "es", "ec", "gps", "gpc",
        "us", "uc", "ss", "sc", "cur",
    )  # fmt: skip
    group_people: dict[int, tuple[int, int]] = {}
    for g, start in enumerate(st.group_start):
        size = st.group_size[g]
        first = st.emp_start[start] if size else 0
        last = st.emp_start[start + size - 1] + st.emp_count[start + size - 1] if size else 0
        group_people[g] = (first, last - first)

    def rows() -> Iterable[tuple[object, ...]]:
        for p in range(st.n):
            g = st.group_of[p]
            gps, gpc = group_people[g]
            yield (
                p, st.eid(p), st.group_start[g], st.group_size[g], st.cluster_start[g],
                st.cluster_size[g], st.emp_start[p], st.emp_count[p], gps, gpc,
                st.unit_start[p], st.unit_count[p], st.slot_start[p], st.slot_count[p],
                COUNTRIES[st.country[p]][1],
            )  # fmt: skip

    write_csv(path, cols, rows())
    types = dict.fromkeys(cols, "BIGINT") | {"eid": "VARCHAR", "cur": "VARCHAR"}
    con.execute(
        f"CREATE TABLE ent AS SELECT * FROM read_csv('{path.as_posix()}', header = true, "
        f"columns = {types!r})"
    )


def write_people(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    sizes: Sizes,
    employed: int,
    a_p: int,
    b_p: int,
    seed: int,
) -> int:
    n = sizes.people
    a_inv = pow(a_p, -1, n) if n > 1 else 0
    first, last = sql_list(FIRST_NAMES), sql_list(LAST_NAMES)
    typos = "true" if sizes.shape == REALISTIC else "false"  # a few misspelt names
    path = (out / "people.csv").as_posix()
    con.execute(f"""
        COPY (
          WITH b AS (
            SELECT j, ((j - 1 + {n} - {b_p}) * {a_inv}) % {n} AS k,
                   mix(xor(mix(j), {salt(seed, "people")})) AS r
            FROM range(1, {n} + 1) t(j)
          ), c AS (
            SELECT j, k, r, mix(xor(mix(j), {salt(seed, "typo")})) AS t,
                   {first}[1 + (r % {len(FIRST_NAMES)})::INTEGER] AS fn,
                   {last}[1 + ((r // 256) % {len(LAST_NAMES)})::INTEGER] AS ln
            FROM b
          )
          SELECT printf('P%07d', j) AS id,
                 CASE WHEN {typos} AND t % 100 < 2 THEN CASE (t // 100) % 3
                        WHEN 0 THEN fn || ' ' || left(ln, length(ln) - 1)
                        WHEN 1 THEN fn || ' ' || ln || right(ln, 1)
                        ELSE lower(fn) || ' ' || ln END
                      ELSE fn || ' ' || ln END AS name,
                 CASE WHEN (r // 65536) % 100 < 85 THEN
                   replace(replace(strip_accents(lower(fn || '.' || ln)), ' ', ''), '''', '')
                   || '.' || j || '@' || {sql_list(MAIL_DOMAINS)}[1 + ((r // 8388608) % 4)::INTEGER]
                 END AS email,
                 CASE WHEN k < {employed} THEN printf('EN%07d', j) END AS employee_no
          FROM c ORDER BY j
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    return n


def write_employments(
    con: duckdb.DuckDBPyConnection, out: Path, sizes: Sizes, a_p: int, b_p: int, seed: int
) -> int:
    n, ne = sizes.people, sizes.entities
    h = HORIZON
    far = "true" if sizes.shape == REALISTIC else "false"  # a few open ends typed as 2199-12-31
    path = (out / "employments.csv").as_posix()
    con.execute("CREATE TABLE lay AS SELECT pos, unnest(range(es, es + ec)) AS k FROM ent")
    con.execute(f"""
        CREATE TABLE emp AS
        WITH b AS (
          SELECT l.k, l.pos, mix(l.k) AS m FROM lay l
        ), r AS (
          SELECT k, pos, mix(xor(m, {salt(seed, "emp1")}))::BIGINT AS r1,
                 mix(xor(m, {salt(seed, "emp2")}))::BIGINT AS r2,
                 mix(xor(m, {salt(seed, "emp3")}))::BIGINT AS r3
          FROM b
        ), c AS (
          SELECT r.*, e.gstart, e.gsize, e.cstart, e.csize, e.us, e.uc,
                 r1 % 100 AS a,
                 365 + r2 % {h - 395} AS d
          FROM r JOIN ent e USING (pos)
        )
        SELECT k, (k * {a_p} + {b_p}) % {n} + 1 AS pnum, pos, a, d, uc, us, r1,
               CASE WHEN r3 % 100 < 35 THEN NULL ELSE (r3 // 100) % (d - 30) END AS s0,
               CASE WHEN r3 % 100 < 25 THEN NULL ELSE (r3 // 100) % {h} END AS s1,
               CASE
                 WHEN a >= 18 AND a < 25 THEN (pos + 1 + (r2 // 8192) % greatest({ne} - 1, 1)) % {ne}
                 WHEN gsize > 1 THEN gstart + (pos - gstart + 1 + (r2 // 8192) % (gsize - 1)) % gsize
                 WHEN csize > 1 THEN cstart + (pos - cstart + 1 + (r2 // 8192) % (csize - 1)) % csize
                 ELSE (pos + 1 + (r2 // 8192) % greatest({ne} - 1, 1)) % {ne}
               END AS pos2
        FROM c
    """)
    # a < 8: retired on d; 8–17: moved inside the group on d; 18–24: came from another
    # group on d; 25–29: second job from d; 30–41: left on d; else: employed since s1.
    con.execute(f"""
        COPY (
          SELECT printf('P%07d', pnum) AS person, eid AS entity, unit, kind,
                 DATE '{EPOCH}' + valid_from::INTEGER AS valid_from,
                 DATE '{EPOCH}' + (CASE WHEN {far} AND valid_to IS NULL
                   AND mix(xor(pnum, {salt(seed, "far")})) % 2000 = 0 THEN {FAR_END}
                   ELSE valid_to END)::INTEGER AS valid_to
          FROM (
            SELECT x.pnum, e.eid,
                   CASE WHEN x.uc > 0 AND (x.r1 // 100) % 100 < 60
                        THEN printf('U%06d', x.us + (x.r1 // 10000) % x.uc + 1) END AS unit,
                   'employee' AS kind,
                   CASE WHEN x.a < 8 OR (x.a >= 30 AND x.a < 42) THEN x.s0
                        WHEN x.a < 25 THEN x.d ELSE x.s1 END AS valid_from,
                   CASE WHEN x.a < 8 OR (x.a >= 30 AND x.a < 42) THEN x.d END AS valid_to
            FROM emp x JOIN ent e ON e.pos = x.pos
            UNION ALL
            SELECT x.pnum, e.eid,
                   CASE WHEN x.a >= 8 AND e.uc > 0 AND (x.r1 // 1000000) % 100 < 50
                        THEN printf('U%06d', e.us + (x.r1 // 100000000) % e.uc + 1) END AS unit,
                   CASE WHEN x.a < 8 THEN 'retiree' ELSE 'employee' END AS kind,
                   CASE WHEN x.a < 8 OR x.a >= 25 THEN x.d ELSE x.s0 END AS valid_from,
                   CASE WHEN x.a >= 8 AND x.a < 25 THEN x.d END AS valid_to
            FROM emp x JOIN ent e ON e.pos = CASE WHEN x.a < 8 THEN x.pos ELSE x.pos2 END
            WHERE x.a < 30
          )
          ORDER BY pnum, valid_from NULLS FIRST, entity
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    count = con.execute("SELECT count(*) + count(*) FILTER (WHERE a < 30) FROM emp").fetchone()
    assert count is not None
    return int(count[0])


def far_employments(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Employments ending on 2199-12-31 (an open end typed as a date)."""
    path = (out / "employments.csv").as_posix()
    row = con.execute(
        f"SELECT count(*) FROM read_csv('{path}', header = true, all_varchar = true) "
        "WHERE valid_to >= '2099'"
    ).fetchone()
    return int(row[0]) if row else 0


def write_sales(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    st: Structure,
    sizes: Sizes,
    a_p: int,
    b_p: int,
    seed: int,
) -> int:
    n, ne, np_, nu = sizes.sales, st.n, sizes.people, len(st.units)
    slots = sum(st.slot_count)
    path = (out / "sales.csv").as_posix()
    con.execute("""
        CREATE TABLE seller AS
        SELECT s.slot, e.* FROM (SELECT pos, unnest(range(ss, ss + sc)) AS slot FROM ent) s
        JOIN ent e USING (pos)
    """)
    person = f"printf('P%07d', (pk * {a_p} + {b_p}) % {max(np_, 1)} + 1)"
    entity = f"printf('E%06d', (pos2 * {st.a_e} + {st.b_e}) % {max(ne, 1)} + 1)"
    con.execute(f"""
        COPY (
          WITH b AS (
            SELECT i, mix(i) AS m FROM range({n}) t(i)
          ), r AS (
            SELECT i,
                   mix(xor(m, {salt(seed, "slot")}))::BIGINT % {max(slots, 1)} AS slot,
                   mix(xor(m, {salt(seed, "seller")}))::BIGINT AS rs,
                   mix(xor(m, {salt(seed, "kind")}))::BIGINT AS rk,
                   mix(xor(m, {salt(seed, "pick")}))::BIGINT AS pick,
                   mix(xor(m, {salt(seed, "price")}))::BIGINT AS rp
            FROM b
          ), s AS (
            SELECT r.* EXCLUDE (slot), e.*,
                   e.uc > 0 AND rs % 100 < 8 AS by_unit,
                   e.us + (rs // 100) % greatest(e.uc, 1) AS su,
                   rk % 100 AS kind, (rk // 100) % 100 AS sub
            FROM r JOIN seller e USING (slot)
          ), c AS (
            SELECT *,
              CASE
                WHEN kind < 45 THEN CASE
                  WHEN {np_} = 0 THEN 9
                  WHEN sub < 20 AND ec > 0 THEN 1
                  WHEN sub < 75 AND gpc > 0 THEN 2
                  ELSE 3 END
                WHEN kind < 80 THEN CASE
                  WHEN {ne} < 2 THEN 9
                  WHEN sub < 40 AND gsize > 1 THEN 4
                  WHEN sub < 55 AND csize > 1 THEN 5
                  ELSE 6 END
                WHEN kind < 85 THEN CASE
                  WHEN {nu} = 0 OR ({nu} = 1 AND by_unit) THEN 9
                  WHEN sub < 40 AND uc > (CASE WHEN by_unit THEN 1 ELSE 0 END) THEN 7
                  ELSE 8 END
                ELSE 9
              END AS cat
            FROM s
          ), d AS (
            SELECT *,
              CASE cat
                WHEN 1 THEN es + pick % greatest(ec, 1)
                WHEN 2 THEN gps + pick % greatest(gpc, 1)
                WHEN 3 THEN pick % {max(np_, 1)}
              END AS pk,
              CASE cat
                WHEN 4 THEN gstart + (pos - gstart + 1 + pick % greatest(gsize - 1, 1)) % gsize
                WHEN 5 THEN cstart + (pos - cstart + 1 + pick % greatest(csize - 1, 1)) % csize
                WHEN 6 THEN (pos + 1 + pick % greatest({ne} - 1, 1)) % {max(ne, 1)}
              END AS pos2,
              CASE
                WHEN cat = 7 AND by_unit THEN us + (su - us + 1 + pick % greatest(uc - 1, 1)) % uc
                WHEN cat = 7 THEN us + pick % greatest(uc, 1)
                WHEN cat = 8 AND by_unit AND pick % {max(nu, 1)} = su
                  THEN (su + 1) % {max(nu, 1)}
                WHEN cat = 8 THEN pick % {max(nu, 1)}
              END AS bu,
              (pos * 7 + rp % 20) % 50000 AS product,
              CASE WHEN cat IN (1, 2, 3, 9) AND (rp // 32) % 100 < 80 THEN 1
                   WHEN cat IN (1, 2, 3, 9) THEN 1 + (rp // 4096) % 5
                   ELSE 1 + (rp // 4096) % 50 END AS quantity,
              CASE cat WHEN 1 THEN 20 WHEN 2 THEN 15 ELSE 0 END
                + CASE WHEN (rp // 524288) % 100 < 10 THEN 10 ELSE 0 END AS discount,
              CASE WHEN (rp // 67108864) % 100 < 10
                   THEN ['EUR', 'USD', 'GBP'][1 + ((rp // 64) % 3)::INTEGER] ELSE cur END
                AS currency
            FROM c
          ), p AS (
            SELECT *, 99 + mix(xor(product, {salt(seed, "list")}))::BIGINT % 49900 AS market
            FROM d
          ), q AS (
            SELECT *, market * (100 - discount) // 100 AS paid FROM p
          )
          SELECT printf('S%08d', i + 1) AS id,
                 DATE '{SALES_FROM}' + (i * {SALES_DAYS} // {max(n, 1)})::INTEGER AS date,
                 CASE WHEN by_unit THEN printf('U%06d', su + 1) ELSE eid END AS seller,
                 CASE WHEN cat <= 3 THEN {person}
                      WHEN cat <= 6 THEN {entity}
                      WHEN cat <= 8 THEN printf('U%06d', bu + 1)
                      ELSE printf('C%06d', pick % 1000000) END AS buyer,
                 (quantity * paid * 0.01)::DECIMAL(18, 2) AS amount,
                 currency,
                 printf('SKU%05d', product) AS product,
                 quantity,
                 (paid * 0.01)::DECIMAL(18, 2) AS price_paid,
                 (market * 0.01)::DECIMAL(18, 2) AS market_price
          FROM q
          ORDER BY i
        ) TO '{path}' (HEADER, DELIMITER ',')
    """)
    return n


# ------------------------------------------------------------------------- entry points


def code_digest() -> str:
    """A digest of this file: a dataset made by other code is made again."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def marker_of(sizes: Sizes, seed: int) -> dict[str, Any]:
    return {
        "generator": "benchmarks/generate.py",
        "version": VERSION,
        "code": code_digest(),
        "seed": seed,
    } | asdict(sizes)


def is_current(out: Path, sizes: Sizes, seed: int) -> bool:
    """True when ``out`` already holds a complete dataset made with these parameters."""
    marker = out / MARKER
    if not marker.is_file() or not all((out / f"{name}.csv").is_file() for name in FILES):
        return False
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(saved, dict) and saved.get("params") == marker_of(sizes, seed)


def generate(
    out: Path,
    *,
    entities: int,
    stakes: int,
    people: int,
    sales: int,
    shape: str = REALISTIC,
    seed: int = 1,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Write a dataset folder to ``out`` (skipped if it is already there); return timings.

    The result depends only on the sizes, the shape and the seed. ``entities`` must be at
    least 2 when there are sales. Returns seconds per step (empty when nothing was done).
    ``params.json`` gets a summary of the shape (see ``shape_summary``).
    """
    sizes = Sizes(entities, stakes, people, sales, shape)
    if min(entities, stakes, people, sales) < 0:
        raise ValueError("sizes cannot be negative")
    if sales and entities < 2:
        raise ValueError("sales need at least 2 entities")
    out = Path(out)
    if not force and is_current(out, sizes, seed):
        return {}
    say = log or (lambda _message: None)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).unlink(missing_ok=True)
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = now - clock
        say(f"  {step:<12} {now - clock:7.1f} s")
        clock = now

    rng = random.Random(seed)
    st = build_structure(sizes, rng)
    prng = random.Random(seed * 1_000_003 + 7)
    a_p = coprime_multiplier(people, prng)
    b_p = prng.randrange(max(1, people))
    lay_out_people(st, people, rng)
    make_units(st, entities // 2, rng)
    make_stakes(st, sizes, rng, a_p, b_p)
    rows = write_python_tables(st, out)
    summary = shape_summary(st)
    lap("structure")

    with tempfile.TemporaryDirectory(prefix="inhouse-gen-") as tmp:
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = true")
            for macro in SQL_MACROS:
                con.execute(macro)
            load_entity_table(con, st, Path(tmp))
            rows["people"] = write_people(con, out, sizes, st.employed, a_p, b_p, seed)
            lap("people")
            rows["employments"] = write_employments(con, out, sizes, a_p, b_p, seed)
            summary["far_future_employments"] = far_employments(con, out)
            lap("employments")
            rows["sales"] = write_sales(con, out, st, sizes, a_p, b_p, seed)
            lap("sales")
        finally:
            con.close()
    timings["total"] = time.perf_counter() - started
    summary["rows"] = {f: rows[f] for f in FILES}
    for line in summary_lines(summary):
        say(line)
    marker = {"params": marker_of(sizes, seed), "rows": summary["rows"], "summary": summary}
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return timings


def default_dir(sizes: Sizes, seed: int) -> Path:
    return DATA_DIR / sizes.label(seed)


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """``--entities/--stakes/--people/--sales``, ``--scale F``, ``--small``, ``--seed``,
    ``--shape``."""
    d = DEFAULT_SIZES
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default=REALISTIC,
        help="ownership structure: realistic (one giant component, stakes changing on most "
        "days; the default) or clusters (the older shape: clusters of at most 200 entities)",
    )
    parser.add_argument("--entities", type=int, help=f"legal entities (default {d.entities:,})")
    parser.add_argument(
        "--stakes",
        type=int,
        help=f"stake rows (default {d.stakes:,}; {CLUSTERS_SIZES.stakes:,} with --shape clusters)",
    )
    parser.add_argument("--people", type=int, help=f"persons (default {d.people:,})")
    parser.add_argument("--sales", type=int, help=f"sales rows (default {d.sales:,})")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the default sizes")
    parser.add_argument(
        "--small", action="store_true", help=f"quick run: same as --scale {SMALL_SCALE}"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")


def sizes_from(args: argparse.Namespace) -> Sizes:
    base = default_sizes(args.shape).scaled(SMALL_SCALE if args.small else args.scale)
    return Sizes(
        entities=base.entities if args.entities is None else args.entities,
        stakes=base.stakes if args.stakes is None else args.stakes,
        people=base.people if args.people is None else args.people,
        sales=base.sales if args.sales is None else args.sales,
        shape=args.shape,
    )


# ------------------------------------------------------------------------- checking


def parse_share(text: str) -> tuple[float, float] | None:
    text = text.strip()
    try:
        if text and text[0] in "[(" and text[-1] in "])":
            low, high = (float(x) for x in text[1:-1].split(","))
        else:
            low = high = float(text)
    except ValueError:
        return None
    if not 0 <= low <= high <= 100:
        return None
    return low, high


def check(out: Path) -> dict[str, Any]:
    """Validate a generated folder against the dataset rules; return problems and stats."""
    problems: list[str] = []
    stats: dict[str, Any] = {}
    con = duckdb.connect()
    for name in FILES:
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_csv('{(out / f'{name}.csv').as_posix()}',"
            " header = true, all_varchar = true)"
        )

    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    def expect_zero(label: str, sql: str) -> None:
        bad = one(sql)
        if bad:
            problems.append(f"{label}: {bad}")

    for name in FILES:
        stats[f"rows_{name}"] = one(f"SELECT count(*) FROM {name}")
    expect_zero(
        "ids used twice (entities, units, people share one namespace)",
        "SELECT count(*) - count(DISTINCT id) FROM "
        "(SELECT id FROM entities UNION ALL SELECT id FROM units UNION ALL SELECT id FROM people)",
    )
    expect_zero(
        "units of unknown entities",
        "SELECT count(*) FROM units u ANTI JOIN entities e ON e.id = u.entity",
    )
    expect_zero(
        "unit parents missing or in another entity",
        "SELECT count(*) FROM units u LEFT JOIN units p ON p.id = u.parent "
        "WHERE u.parent IS NOT NULL AND (p.id IS NULL OR p.entity <> u.entity)",
    )
    expect_zero(
        "employments with unknown person, entity or unit (or unit of another entity)",
        "SELECT count(*) FROM employments x LEFT JOIN people p ON p.id = x.person "
        "LEFT JOIN entities e ON e.id = x.entity LEFT JOIN units u ON u.id = x.unit "
        "WHERE p.id IS NULL OR e.id IS NULL OR (x.unit IS NOT NULL AND "
        "(u.id IS NULL OR u.entity <> x.entity))",
    )
    expect_zero(
        "employments with a bad kind or valid_to <= valid_from",
        "SELECT count(*) FROM employments WHERE kind NOT IN ('employee', 'retiree') "
        "OR valid_to::DATE <= valid_from::DATE",
    )
    stats["people_employed_ever"] = one("SELECT count(DISTINCT person) FROM employments")
    stats["retirees"] = one("SELECT count(*) FROM employments WHERE kind = 'retiree'")
    expect_zero("sales ids used twice", "SELECT count(*) - count(DISTINCT id) FROM sales")
    expect_zero(
        "sales outside 2024-01-01 … 2025-12-31",
        "SELECT count(*) FROM sales WHERE date::DATE < DATE '2024-01-01' "
        "OR date::DATE > DATE '2025-12-31'",
    )
    expect_zero(
        "sales with an unknown seller",
        "SELECT count(*) FROM sales s WHERE s.seller NOT IN (SELECT id FROM entities) "
        "AND s.seller NOT IN (SELECT id FROM units)",
    )
    expect_zero(
        "sales where amount <> quantity × price_paid, or not 2 decimals, or bad currency",
        "SELECT count(*) FROM sales WHERE NOT regexp_full_match(amount, '\\d+\\.\\d\\d') "
        "OR amount::DECIMAL(18,2) <> quantity::INTEGER * price_paid::DECIMAL(18,2) "
        "OR currency NOT IN ('EUR', 'USD', 'GBP') "
        "OR price_paid::DECIMAL(18,2) > market_price::DECIMAL(18,2)",
    )
    con.execute("""
        CREATE TABLE party AS
        SELECT id, 'entity' AS kind, id AS entity FROM entities
        UNION ALL SELECT id, 'unit', entity FROM units
        UNION ALL SELECT id, 'person', NULL FROM people
    """)
    con.execute("""
        CREATE TABLE sk AS
        SELECT s.id, coalesce(b.kind, 'unknown') AS buyer_kind, b.entity AS buyer_entity,
               coalesce(su.entity, s.seller) AS seller_entity, s.buyer, s.seller
        FROM sales s LEFT JOIN party b ON b.id = s.buyer
        LEFT JOIN units su ON su.id = s.seller
    """)
    expect_zero(
        "unknown buyers that are not C-numbers",
        "SELECT count(*) FROM sk WHERE buyer_kind = 'unknown' AND buyer NOT LIKE 'C%'",
    )
    expect_zero(
        "entity buyers equal to the seller's entity, or a unit buying from itself",
        "SELECT count(*) FROM sk WHERE (buyer_kind = 'entity' AND buyer_entity = seller_entity)"
        " OR buyer = seller",
    )
    mix_rows = con.execute(
        "SELECT buyer_kind, count(*) FROM sk GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    total_sales = max(1, stats["rows_sales"])
    stats["buyer_mix_pct"] = {k: round(100 * c / total_sales, 1) for k, c in mix_rows}
    stats["sellers_that_are_units_pct"] = round(
        100 * one("SELECT count(*) FROM sales WHERE seller LIKE 'U%'") / total_sales, 1
    )
    stats.update(check_stakes(out, problems, con))
    con.close()
    return {"ok": not problems, "problems": problems, "stats": stats}


def check_stakes(out: Path, problems: list[str], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    entities = {r[0] for r in con.execute("SELECT id FROM entities").fetchall()}
    people = {r[0] for r in con.execute("SELECT id FROM people").fetchall()}
    bad: defaultdict[str, int] = defaultdict(int)
    by_entity: defaultdict[str, list[tuple[int, int, float, float]]] = defaultdict(list)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        return find_root(parent, x)

    majority: defaultdict[str, set[str]] = defaultdict(set)
    controls: defaultdict[str, int] = defaultdict(int)
    change_days_in_sales: set[str] = set()
    person_holders: set[str] = set()
    bands = 0
    with (out / "stakes.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            holder, entity = row["holder"], row["entity"]
            if entity not in entities:
                bad["stake into an unknown entity"] += 1
            if holder not in entities and holder not in people:
                bad["stake by an unknown holder"] += 1
            if holder == entity:
                bad["entity holding itself"] += 1
            if holder in people:
                person_holders.add(holder)
            voting = parse_share(row["voting"])
            equity = parse_share(row["equity"]) if row["equity"] else voting
            if voting is None or equity is None:
                bad["share out of range or unreadable"] += 1
                continue
            bands += row["voting"].startswith(("[", "("))
            start = (date.fromisoformat(row["valid_from"]) - EPOCH).days if row["valid_from"] else 0
            end = (date.fromisoformat(row["valid_to"]) - EPOCH).days if row["valid_to"] else OPEN
            if row["valid_from"] and row["valid_to"] and end <= start:
                bad["valid_to <= valid_from"] += 1
            if row["control"] not in ("", "yes", "no"):
                bad["bad control value"] += 1
            controls[row["control"] or "derived"] += 1
            for text in (row["valid_from"], row["valid_to"]):
                if text and "2024-01-01" <= text <= "2025-12-31":
                    change_days_in_sales.add(text)
            by_entity[entity].append((start, end, voting[0], voting[1]))
            parent[find(holder)] = find(entity)
            if holder in entities and (voting[1] > 50 or row["control"] == "yes"):
                majority[holder].add(entity)
    for spans in by_entity.values():
        for day in {s for s, _e, _lo, _hi in spans}:
            upper = sum(hi for s, e, _lo, hi in spans if s <= day < e)
            if upper > 100.0001:
                bad["votes in one entity above 100 %"] += 1
                break
    for label, count in bad.items():
        problems.append(f"stakes.csv: {label}: {count}")
    # Cycles among majority stakes (ignoring dates): control cycles are allowed (the group
    # id is then the smallest id in the cycle); the realistic shape has some on purpose.
    cycles = majority_cycles(majority)
    components: defaultdict[str, int] = defaultdict(int)
    for node in list(parent):
        components[find(node)] += 1
    sizes = sorted(components.values(), reverse=True)
    return {
        "stake_graph_components": len(sizes),
        "largest_component": sizes[0] if sizes else 0,
        "largest_components_top5": sizes[:5],
        "person_holders": len(person_holders),
        "stakes_by_control": dict(controls),
        "stakes_with_bands": bands,
        "stake_change_days_2024_2025": len(change_days_in_sales),
        "majority_cycles": cycles,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a benchmark dataset folder (design/interfaces.md format)."
    )
    add_size_arguments(parser)
    parser.add_argument("--out", type=Path, help="target folder (default benchmarks/data/…)")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    parser.add_argument("--check", type=Path, metavar="DIR", help="only validate DIR")
    args = parser.parse_args(argv)
    if args.check is not None:
        result = check(args.check)
        print(json.dumps(result, indent=2))
        return 0 if result["ok"] else 1
    sizes = sizes_from(args)
    out = args.out or default_dir(sizes, args.seed)
    print(
        f"generating {out} (shape {sizes.shape}, entities {sizes.entities:,}, stakes "
        f"{sizes.stakes:,}, people {sizes.people:,}, sales {sizes.sales:,}, seed {args.seed})",
        flush=True,
    )
    timings = generate(
        out,
        **asdict(sizes),
        seed=args.seed,
        force=args.force,
        log=lambda message: print(message, flush=True),
    )
    if not timings:
        print(f"already there (same parameters, see {out / MARKER})")
        saved = json.loads((out / MARKER).read_text(encoding="utf-8"))
        if "summary" in saved:
            print("\n".join(summary_lines(saved["summary"])))
    else:
        print(f"done in {timings['total']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
