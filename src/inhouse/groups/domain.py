"""Group structure and internal-customer classification (see design/groups.md).

Pure standard library: dataclasses, ``Decimal``, ``datetime``, ``fractions``. Every
question is asked as of a date; nothing here reads the clock.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from inhouse.dates import Period
from inhouse.errors import InvalidRequest, UnknownParty

HUNDRED = Decimal(100)
FIFTY = Decimal(50)
TWENTY = Decimal(20)
ZERO = Decimal(0)


# --------------------------------------------------------------------------- shares


_NUMBER = r"\s*(\d+(?:\.\d+)?)\s*"
_INTERVAL = re.compile(rf"^([\[(]){_NUMBER},{_NUMBER}([\])])$")
_EXACT = re.compile(rf"^{_NUMBER}$")


def format_pct(value: Decimal) -> str:
    """``Decimal('100.00')`` → ``100%``, ``Decimal('76.5')`` → ``76.5%``."""
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@dataclass(frozen=True, slots=True)
class Share:
    """A share in percent as an interval: registers publish bands such as ``(50,75]``."""

    low: Decimal
    high: Decimal
    low_open: bool = False
    high_open: bool = False

    def __post_init__(self) -> None:
        if not (ZERO <= self.low <= self.high <= HUNDRED):
            raise ValueError("a share lies between 0 and 100 with low <= high")
        if self.low == self.high and (self.low_open or self.high_open):
            raise ValueError("an empty interval is not a share")

    @classmethod
    def exact(cls, value: Decimal | int | str) -> Share:
        v = Decimal(value)
        return cls(v, v)

    @classmethod
    def parse(cls, text: str) -> Share:
        """Parse ``60``, ``76.5``, ``[25,50]``, ``(50,75]``; raise ``ValueError`` naming the text."""
        raw = text.strip()
        try:
            if m := _EXACT.match(raw):
                return cls.exact(m.group(1))
            if m := _INTERVAL.match(raw):
                return cls(
                    Decimal(m.group(2)),
                    Decimal(m.group(3)),
                    low_open=m.group(1) == "(",
                    high_open=m.group(4) == ")",
                )
        except ValueError:
            pass
        raise ValueError(f'"{text}" is not a share')

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    @property
    def midpoint(self) -> Decimal:
        return (self.low + self.high) / 2

    def notation(self) -> str:
        """The dataset notation: ``60`` or ``(50,75]``."""
        if self.is_exact:
            return format_pct(self.low)[:-1]
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{format_pct(self.low)[:-1]},{format_pct(self.high)[:-1]}{right}"

    def __str__(self) -> str:
        """Words for evidence: ``100%`` or ``more than 50% up to 75%``."""
        if self.is_exact:
            return format_pct(self.low)
        return _band_words(self.low, self.high, self.low_open, self.high_open)


def _band_words(low: Decimal, high: Decimal, low_open: bool, high_open: bool) -> str:
    """``more than 50% up to 75%``: a band in words, with its open or closed bounds."""
    lower = ("more than " if low_open else "at least ") + format_pct(low)
    upper = ("less than " if high_open else "up to ") + format_pct(high)
    return f"{lower} {upper}"


@dataclass(frozen=True, slots=True)
class VoteSum:
    """Votes added up over several stakes: lower and upper bounds with their openness."""

    low: Decimal = ZERO
    high: Decimal = ZERO
    low_open: bool = False
    high_open: bool = False

    def plus(self, share: Share) -> VoteSum:
        return VoteSum(
            self.low + share.low,
            self.high + share.high,
            self.low_open or share.low_open,
            self.high_open or share.high_open,
        )

    @property
    def certainly_above_half(self) -> bool:
        return self.low > FIFTY or (self.low == FIFTY and self.low_open)

    @property
    def possibly_above_half(self) -> bool:
        return self.high > FIFTY

    def __str__(self) -> str:
        if self.low == self.high:
            return format_pct(self.low)
        if self.low_open or self.high_open:
            # "between 50% and 65%" would hide that the 50 % itself is excluded
            return _band_words(self.low, self.high, self.low_open, self.high_open)
        return f"between {format_pct(self.low)} and {format_pct(self.high)}"


# --------------------------------------------------------------------------- parties


class Control(Enum):
    """Whether a stake gives control regardless of votes."""

    DERIVED = ""  # derive control from the votes
    YES = "yes"  # control by agreement, board appointment rights or statute
    NO = "no"  # the votes are not substantive and never count towards control


class EmploymentKind(Enum):
    EMPLOYEE = "employee"
    RETIREE = "retiree"


class Relation(Enum):
    SAME_ENTITY = "same_entity"
    INTERCOMPANY = "intercompany"
    EMPLOYEE = "employee"
    GROUP_EMPLOYEE = "group_employee"
    RELATED_PARTY = "related_party"
    EXTERNAL = "external"

    @property
    def internal(self) -> bool:
        return self not in (Relation.RELATED_PARTY, Relation.EXTERNAL)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    country: str | None = None
    currency: str | None = None
    lei: str | None = None
    vat_id: str | None = None
    line_of_business: str | None = None


@dataclass(frozen=True, slots=True)
class Stake:
    holder: str
    entity: str
    voting: Share
    equity: Share
    period: Period = Period()
    control: Control = Control.DERIVED

    def describe(self) -> str:
        """``JKL holds 100% of the votes in ABC (since 2019-01-01)``."""
        when = self.period.describe()
        suffix = f" ({when})" if when else ""
        if self.control is Control.YES:
            return f"{self.holder} controls {self.entity} by agreement{suffix}"
        return f"{self.holder} holds {self.voting} of the votes in {self.entity}{suffix}"


@dataclass(frozen=True, slots=True)
class OrgUnit:
    id: str
    entity: str
    name: str
    parent: str | None = None
    cost_centre: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str | None = None
    employee_no: str | None = None


@dataclass(frozen=True, slots=True)
class Employment:
    person: str
    entity: str
    unit: str | None = None
    kind: EmploymentKind = EmploymentKind.EMPLOYEE
    period: Period = Period()

    def describe(self) -> str:
        """``P001 is employed by ABC (since 2020-01-01)`` or ``… is a retiree of ABC …``."""
        when = self.period.describe()
        suffix = f" ({when})" if when else ""
        if self.kind is EmploymentKind.RETIREE:
            return f"{self.person} is a retiree of {self.entity}{suffix}"
        return f"{self.person} is employed by {self.entity}{suffix}"

    def sort_key(self) -> tuple[str, date, str]:
        return (self.entity, self.period.valid_from or date.min, self.kind.value)


# --------------------------------------------------------------------------- control


@dataclass(frozen=True, slots=True)
class ControlLink:
    """Why ``controller`` controls ``entity`` on a date: the stakes that carry it."""

    controller: str
    entity: str
    stakes: tuple[Stake, ...]
    by_agreement: bool
    votes: VoteSum

    def sentences(self) -> list[str]:
        lines = [stake.describe() for stake in self.stakes]
        if self.by_agreement or len(self.stakes) == 1:
            return lines
        others = sorted({s.holder for s in self.stakes} - {self.controller})
        lines.append(
            f"Together {self.controller} and the entities it controls ({', '.join(others)}) "
            f"hold {self.votes} of the votes in {self.entity}"
        )
        return lines


@dataclass(frozen=True, slots=True)
class Doubt:
    """Control that only the upper bounds of share bands would give: not assumed."""

    candidate: str
    entity: str
    stakes: tuple[Stake, ...]
    votes: VoteSum
    # holders counted whose own control by the candidate is uncertain, and its stakes
    through: tuple[str, ...] = ()
    through_stakes: tuple[Stake, ...] = ()

    def sentence(self) -> str:
        stakes = _notations(self.stakes)
        counting = ""
        if self.through:
            counting = (
                f", counting {', '.join(self.through)}, which {self.candidate} may or may not "
                f"control (stakes {_notations(self.through_stakes)})"
            )
        return (
            f"Control of {self.entity} by {self.candidate} is uncertain: together they hold "
            f"{self.votes} of the votes (stakes {stakes}){counting}; it is not assumed"
        )


def _notations(stakes: Iterable[Stake]) -> str:
    return ", ".join(f"{s.holder}→{s.entity} {s.voting.notation()}" for s in stakes)


def _holder_sort_key(stake: Stake) -> tuple[str, str, date]:
    return (stake.holder, stake.entity, stake.period.valid_from or date.min)


@dataclass(slots=True)
class _Reach:
    """What one controller controls on a date, with the link that brought each entity in."""

    controlled: dict[str, ControlLink] = field(default_factory=dict)


def _reach(
    controller: str,
    stakes_by_holder: Mapping[str, list[Stake]],
    votes_in: Mapping[str, list[Stake]],
) -> _Reach:
    """Least fixed point of control for one controller (IFRS 10 B35, HGB § 290 (3)).

    The votes of every entity the controller already controls count in full; an entity
    is added once their lower bounds certainly pass 50 %, or a stake says control = yes.
    Each stake is looked at once, so the cost is linear in what the controller reaches.
    The link of each entity names every stake counted at the fixed point (see
    :func:`control_link`), so it does not depend on the order of the search.
    """
    reached: set[str] = set()
    sums: dict[str, VoteSum] = {}
    frontier = [controller]
    while frontier:
        holder = frontier.pop()
        for stake in stakes_by_holder.get(holder, ()):
            target = stake.entity
            if target == controller or target in reached:
                continue
            if stake.control is not Control.YES:
                sums[target] = sums.get(target, VoteSum()).plus(stake.voting)
                if not sums[target].certainly_above_half:
                    continue
            reached.add(target)
            frontier.append(target)
    counted = reached | {controller}
    reach = _Reach()
    for target in sorted(reached):
        reach.controlled[target] = control_link(
            controller, target, votes_in.get(target, ()), counted.__contains__
        )
    return reach


def control_link(
    controller: str, entity: str, votes_in: Iterable[Stake], counts: Callable[[str], bool]
) -> ControlLink:
    """Why ``controller`` controls ``entity``: the stakes of the controller and of the
    entities it controls (``counts``) in ``entity``. An agreement, where one gives
    control, is named alone; otherwise every counted vote and their sum."""
    counted = sorted((s for s in votes_in if counts(s.holder)), key=_holder_sort_key)
    agreements = [s for s in counted if s.control is Control.YES]
    if agreements:
        return ControlLink(controller, entity, (agreements[0],), True, VoteSum())
    total = VoteSum()
    for stake in counted:
        total = total.plus(stake.voting)
    return ControlLink(controller, entity, tuple(counted), False, total)


def _possible_reach(controller: str, stakes_by_holder: Mapping[str, list[Stake]]) -> set[str]:
    """What ``controller`` controls if every band is at its upper bound: the entities
    whose control by it cannot be ruled out (the same fixed point as :func:`_reach`)."""
    reached: set[str] = set()
    sums: dict[str, VoteSum] = {}
    frontier = [controller]
    while frontier:
        holder = frontier.pop()
        for stake in stakes_by_holder.get(holder, ()):
            target = stake.entity
            if target == controller or target in reached:
                continue
            if stake.control is not Control.YES:
                sums[target] = sums.get(target, VoteSum()).plus(stake.voting)
                if not sums[target].possibly_above_half:
                    continue
            reached.add(target)
            frontier.append(target)
    return reached


@dataclass(frozen=True, slots=True)
class Membership:
    """An entity's place in its group on a date."""

    entity: str
    ultimate_parent: str
    controller: str | None
    chain: tuple[ControlLink, ...]  # from the ultimate parent down to the entity
    doubts: tuple[Doubt, ...]  # uncertain control of this entity or of one above it

    @property
    def uncertain(self) -> bool:
        return bool(self.doubts)

    def sentences(self) -> list[str]:
        lines: list[str] = []
        for link in self.chain:
            lines.extend(link.sentences())
        lines.extend(doubt.sentence() for doubt in self.doubts)
        return lines


@dataclass(frozen=True, slots=True)
class Ownership:
    """Effective interest of the ultimate parent in a member and the non-controlling rest."""

    entity: str
    effective_pct: Decimal
    nci_pct: Decimal
    from_bands: bool  # a band's midpoint was used for some equity share


@dataclass(frozen=True, slots=True)
class Classification:
    """The answer to "who is this buyer to this seller on this date, and why"."""

    seller: str
    buyer: str
    on: date
    relation: Relation
    seller_entity: str
    buyer_entity: str | None
    group: str
    uncertain: bool
    evidence: tuple[str, ...]

    @property
    def internal(self) -> bool:
        return self.relation.internal


# --------------------------------------------------------------------------- the register


class Register:
    """Everything known about parties and their dated relations: the input of every question.

    A register never changes once built. Its structure over time (``timeline``) is
    derived once, on first use, by the sweep of :mod:`inhouse.groups.structure`; every
    question on any date is then a lookup.
    """

    def __init__(
        self,
        *,
        entities: Iterable[Entity] = (),
        stakes: Iterable[Stake] = (),
        units: Iterable[OrgUnit] = (),
        persons: Iterable[Person] = (),
        employments: Iterable[Employment] = (),
    ) -> None:
        self.entities: dict[str, Entity] = {e.id: e for e in entities}
        self.units: dict[str, OrgUnit] = {u.id: u for u in units}
        self.persons: dict[str, Person] = {p.id: p for p in persons}
        self.stakes: list[Stake] = list(stakes)
        self.employments: list[Employment] = list(employments)
        self._employments_by_person: dict[str, list[Employment]] = defaultdict(list)
        for employment in self.employments:
            self._employments_by_person[employment.person].append(employment)
        self._timeline: Timeline | None = None
        self._timeline_lock = threading.Lock()

    def kind_of(self, party: str) -> str | None:
        """``entity``, ``unit``, ``person`` or ``None`` for an unknown id."""
        if party in self.entities:
            return "entity"
        if party in self.units:
            return "unit"
        if party in self.persons:
            return "person"
        return None

    def employments_for(self, person: str) -> list[Employment]:
        """All employments of a person, in the order that decides between several at once."""
        return sorted(self._employments_by_person.get(person, ()), key=Employment.sort_key)

    def employments_of(self, person: str, on: date) -> list[Employment]:
        return [e for e in self.employments_for(person) if e.period.contains(on)]

    @property
    def timeline(self) -> Timeline:
        """The structure over time, derived on first use (once, also under many threads)."""
        found = self._timeline
        if found is None:
            with self._timeline_lock:
                found = self._timeline
                if found is None:
                    from inhouse.groups.structure import sweep  # imports this module

                    found = self._timeline = sweep(self)
        return found

    @property
    def has_timeline(self) -> bool:
        """Whether the structure over time is derived already (answers are then lookups)."""
        return self._timeline is not None

    def structure_on(self, on: date) -> Structure:
        """The group structure on a date: lookups in the timeline, nothing recomputed."""
        return self.timeline.on(on)

    def classify(self, seller: str, buyer: str, on: date) -> Classification:
        return self.structure_on(on).classify(seller, buyer)


class Timeline(ABC):
    """The structure over time: what :class:`Structure` needs, by entity and date."""

    @abstractmethod
    def on(self, day: date) -> Structure: ...


class ControlRules(ABC):
    """The rules that turn a day's control relation into memberships and doubts.

    Two things supply the relation: :class:`Snapshot` computes it from scratch for one
    day (the reference), and the sweep keeps it current from day to day. Both answer
    through these rules, so their memberships agree sentence for sentence.
    """

    @abstractmethod
    def controllers(self, entity: str) -> Collection[str]:
        """The entities that certainly control ``entity``."""

    @abstractmethod
    def controls(self, controller: str, entity: str) -> bool: ...

    @abstractmethod
    def controlled(self, controller: str) -> Collection[str]:
        """The entities that ``controller`` (an entity or a person) certainly controls."""

    @abstractmethod
    def possibly(self, controller: str) -> Collection[str]:
        """The entities that ``controller`` controls if every band is at its upper bound."""

    @abstractmethod
    def possible_controllers(self, entity: str) -> Collection[str]:
        """The entities ``c`` with ``entity`` in ``possibly(c)``."""

    @abstractmethod
    def votes_in(self, entity: str) -> Sequence[Stake]:
        """The stakes that count for votes in ``entity`` (not ``control = no``)."""

    def link(self, controller: str, entity: str) -> ControlLink:
        return control_link(
            controller,
            entity,
            self.votes_in(entity),
            lambda holder: holder == controller or self.controls(controller, holder),
        )

    def top(self, entity: str) -> list[str]:
        """The controllers of ``entity`` that nobody controls except entities they control back."""
        candidates = [*self.controllers(entity), entity]
        return sorted(
            c for c in candidates if all(self.controls(c, other) for other in self.controllers(c))
        )

    def immediate(self, entity: str) -> str | None:
        """The lowest controller: the one that the most other entities control."""
        controllers = self.controllers(entity)
        if not controllers:
            return None
        return min(controllers, key=lambda c: (-len(self.controllers(c)), c))

    def own_doubts(self, entity: str) -> list[Doubt]:
        """Candidates whose votes pass 50 % on the upper bounds only, counting the votes of
        the entities they may control as well as of those they certainly control. A doubt
        that follows from a doubt over a certain controller of ``entity`` is left to that
        controller (it is named above in the chain)."""
        certain = set(self.controllers(entity))
        doubts = []
        for candidate in sorted(set(self.possible_controllers(entity)) - certain):
            possible = self.possibly(candidate)
            if any(c in possible for c in certain):
                continue

            # (membership tests, not copies: a candidate may control thousands)
            def counts(
                holder: str, candidate: str = candidate, possible: Collection[str] = possible
            ) -> bool:
                return holder == candidate or holder in possible

            stakes = [
                s
                for s in self.votes_in(entity)
                if counts(s.holder) and s.control is Control.DERIVED
            ]
            total = VoteSum()
            for stake in stakes:
                total = total.plus(stake.voting)
            if not total.possibly_above_half:
                continue
            # the uncertain links that bring in those votes, back up to the candidate
            controlled = self.controlled(candidate)
            through: set[str] = set()
            open_ = {
                s.holder for s in stakes if s.holder != candidate and s.holder not in controlled
            }
            while open_:
                holder = open_.pop()
                through.add(holder)
                open_ |= {
                    s.holder
                    for s in self.votes_in(holder)
                    if counts(s.holder)
                    and s.holder != candidate
                    and s.holder not in controlled
                    and s.holder not in through
                }
            through_stakes = [
                s
                for holder in through
                for s in self.votes_in(holder)
                if counts(s.holder) and s.control is Control.DERIVED
            ]
            doubts.append(
                Doubt(candidate, entity, tuple(sorted(stakes, key=_holder_sort_key)), total,
                      tuple(sorted(through)), tuple(sorted(through_stakes, key=_holder_sort_key)))
            )  # fmt: skip
        return doubts

    def derive_membership(self, entity: str) -> Membership:
        parent = self.top(entity)[0]
        chain: list[ControlLink] = []
        seen = {entity}
        current = entity
        while current != parent:
            above = self.immediate(current)
            if above is None:
                break
            chain.append(self.link(above, current))
            if above in seen:
                break
            seen.add(above)
            current = above
        chain.reverse()
        doubts = [d for member in sorted(seen) for d in self.own_doubts(member)]
        return Membership(entity, parent, self.immediate(entity), tuple(chain), tuple(doubts))


class Structure(ABC):
    """The group structure on one date, and the classification of sales on it."""

    register: Register
    on: date

    @abstractmethod
    def membership(self, entity: str) -> Membership: ...

    _members: dict[str, list[str]] | None = None  # computed on first use, per date

    def members(self) -> dict[str, list[str]]:
        """Group id → its member entities, sorted."""
        if self._members is None:
            groups: dict[str, list[str]] = defaultdict(list)
            for entity in sorted(self.register.entities):
                groups[self.group_of(entity)].append(entity)
            self._members = dict(groups)
        return self._members

    @abstractmethod
    def controls(self, controller: str, entity: str) -> bool:
        """Whether ``controller`` (an entity or a person) certainly controls ``entity``."""

    @abstractmethod
    def common_person_controllers(self, a: str, b: str) -> list[str]:
        """The natural persons who control both ``a`` and ``b``, sorted."""

    @abstractmethod
    def group_influence(self, group_a: str, group_b: str) -> list[str]:
        """Significant influence (≥ 20 % of the votes) of either group in the other."""

    @abstractmethod
    def person_relatedness(self, person: str, group: str) -> list[str]:
        """Evidence that a person is a related party of a group: ≥ 20 % of votes, or control."""

    @abstractmethod
    def equity_in(self, entity: str) -> Sequence[Stake]:
        """Every stake in ``entity`` valid on this date (whatever its control flag)."""

    def group_of(self, entity: str) -> str:
        return self.membership(entity).ultimate_parent

    # ------------------------------------------------------------------ ownership

    def ownership(self, group: str) -> dict[str, Ownership]:
        """Effective interest of the ultimate parent in each member: solve ``e = A e + a``.

        Paths through cross-holdings are summed by the linear system, not enumerated.
        Equity bands count with their midpoint (and the result says so).
        """
        members = self.members().get(group, [group])
        others = [m for m in members if m != group]
        index = {m: i for i, m in enumerate(others)}
        size = len(others)
        matrix = [[Fraction(0)] * size for _ in range(size)]
        direct = [Fraction(0)] * size
        banded = [False] * size
        feeds: list[set[int]] = [set() for _ in range(size)]
        for member in others:
            row = index[member]
            for stake in self.equity_in(member):
                share = Fraction(stake.equity.midpoint) / 100
                if stake.holder == group:
                    direct[row] += share
                elif stake.holder in index:
                    matrix[row][index[stake.holder]] += share
                    feeds[row].add(index[stake.holder])
                else:
                    continue  # held outside the group: not on any path from the parent
                if not stake.equity.is_exact:
                    banded[row] = True
        # A midpoint used for a holder's interest is used for what it holds, too.
        changed = True
        while changed:
            changed = False
            for row in range(size):
                if not banded[row] and any(banded[holder] for holder in feeds[row]):
                    banded[row] = changed = True
        effective = _solve_identity_minus(matrix, direct)
        result = {group: Ownership(group, HUNDRED, ZERO, False)}
        for member in others:
            i = index[member]
            pct = _to_decimal(effective[i] * 100)
            result[member] = Ownership(member, pct, HUNDRED - pct, banded[i])
        return result

    # ------------------------------------------------------------------ related parties

    def entity_relatedness(self, a: str, b: str) -> list[str]:
        """Evidence that entities ``a`` and ``b`` of different groups are related parties (IAS 24)."""
        return self.common_control(a, b) + self.group_influence(self.group_of(a), self.group_of(b))

    def common_control(self, a: str, b: str) -> list[str]:
        """Sentences naming each natural person who controls both ``a`` and ``b``."""
        return [
            common_control_sentence(a, b, person) for person in self.common_person_controllers(a, b)
        ]

    # ------------------------------------------------------------------ classification

    def entity_of(self, party: str) -> str:
        """The legal entity of an entity or unit id."""
        if party in self.register.entities:
            return party
        unit = self.register.units.get(party)
        if unit is None:
            raise UnknownParty(f"{party} is not a known legal entity or org unit")
        return unit.entity

    def group_sentence(self, a: str, b: str) -> str:
        parent = self.group_of(a)
        if a == parent:
            return f"{b} is controlled by {parent} on {self.on}"
        if b == parent:
            return f"{a} is controlled by {parent} on {self.on}"
        return f"{a} and {b} are both controlled by {parent} on {self.on}"

    def classify(self, seller: str, buyer: str) -> Classification:
        """Classify a sale from ``seller`` (entity or unit) to ``buyer`` (any id) on this date."""
        register = self.register
        seller_entity = self.entity_of(seller)
        sale = _Sale(self, seller, buyer, seller_entity, self.group_of(seller_entity))
        if seller in register.units:
            sale.intro.append(f"{seller} is an org unit of {seller_entity}")
        kind = register.kind_of(buyer)
        if buyer == seller or (kind == "entity" and buyer == seller_entity):
            raise InvalidRequest(f"{buyer} cannot buy from itself ({seller})")
        if kind is None:
            return sale.answer(Relation.EXTERNAL, [f"{buyer} is not a known party"])
        if kind == "person":
            return self._classify_person(sale)
        buyer_entity = self.entity_of(buyer)
        if kind == "unit":
            if buyer_entity == seller_entity:
                return sale.answer(
                    Relation.SAME_ENTITY,
                    [f"{buyer} is an org unit of {buyer_entity}, the seller's own legal entity"],
                    buyer_entity,
                )
            sale.intro.append(f"{buyer} is an org unit of {buyer_entity}")
        seller_member = self.membership(seller_entity)
        buyer_member = self.membership(buyer_entity)
        uncertain = seller_member.uncertain or buyer_member.uncertain
        chains = seller_member.sentences() + buyer_member.sentences()
        buyer_group = buyer_member.ultimate_parent
        if buyer_group == sale.seller_group:
            return sale.answer(
                Relation.INTERCOMPANY,
                [*chains, self.group_sentence(seller_entity, buyer_entity)],
                buyer_entity,
                uncertain,
            )
        apart = (
            f"{seller_entity} belongs to the {sale.seller_group} group and {buyer_entity} "
            f"to the {buyer_group} group on {self.on}"
        )
        related = self.entity_relatedness(seller_entity, buyer_entity)
        relation = Relation.RELATED_PARTY if related else Relation.EXTERNAL
        return sale.answer(relation, [*chains, apart, *related], buyer_entity, uncertain)

    def _classify_person(self, sale: _Sale) -> Classification:
        person, seller_entity, seller_group = sale.buyer, sale.seller_entity, sale.seller_group
        employments = self.register.employments_of(person, self.on)
        own = [e for e in employments if e.entity == seller_entity]
        if own:
            return sale.answer(Relation.EMPLOYEE, [own[0].describe()], seller_entity)
        seller_member = self.membership(seller_entity)
        employers = [self.membership(e.entity) for e in employments]
        for employment, employer in zip(employments, employers, strict=True):
            if employer.ultimate_parent == seller_group:
                evidence = [
                    employment.describe(),
                    *seller_member.sentences(),
                    *employer.sentences(),
                    self.group_sentence(seller_entity, employment.entity),
                ]
                uncertain = seller_member.uncertain or employer.uncertain
                return sale.answer(Relation.GROUP_EMPLOYEE, evidence, employment.entity, uncertain)
        # Uncertain control of the seller or of an employer could change the answer: name it.
        doubts = list(
            dict.fromkeys(d.sentence() for m in (seller_member, *employers) for d in m.doubts)
        )
        related = self.person_relatedness(person, seller_group)
        if related:
            return sale.answer(Relation.RELATED_PARTY, [*related, *doubts], None, bool(doubts))
        return sale.answer(
            Relation.EXTERNAL,
            [f"{person} has no employment in the {seller_group} group on {self.on}", *doubts],
            None,
            bool(doubts),
        )


class Snapshot(ControlRules, Structure):
    """Control, groups and ownership on one date, computed from scratch from the records
    valid then: the reference that the sweep's answers are tested against."""

    def __init__(self, register: Register, on: date) -> None:
        self.register = register
        self.on = on
        valid = [s for s in register.stakes if s.period.contains(on)]
        # Votes with control = no never count; persons' stakes count only for persons.
        self.stakes_by_holder: dict[str, list[Stake]] = defaultdict(list)
        self._votes_in: dict[str, list[Stake]] = defaultdict(list)
        # Equity counts whatever the votes' control flag: it is about money, not power.
        self._equity_in: dict[str, list[Stake]] = defaultdict(list)
        for stake in valid:
            self._equity_in[stake.entity].append(stake)
            if stake.control is not Control.NO:
                self.stakes_by_holder[stake.holder].append(stake)
                self._votes_in[stake.entity].append(stake)
        for stakes in self.stakes_by_holder.values():
            stakes.sort(key=_holder_sort_key)
        entity_ids = register.entities
        self._reach: dict[str, _Reach] = {
            holder: _reach(holder, self.stakes_by_holder, self._votes_in)
            for holder in sorted(self.stakes_by_holder)
            if holder in entity_ids
        }
        self._controllers: dict[str, set[str]] = defaultdict(set)
        for holder, reach in self._reach.items():
            for target in reach.controlled:
                self._controllers[target].add(holder)
        self._memberships: dict[str, Membership] = {}
        self._possible: dict[str, set[str]] = {}
        self._possible_controllers_of: dict[str, set[str]] | None = None
        self._person_reach: dict[str, _Reach] = {}
        self._person_holders = sorted(h for h in self.stakes_by_holder if h in register.persons)

    # ------------------------------------------------------------------ control

    def controllers(self, entity: str) -> Collection[str]:
        return self._controllers.get(entity, ())

    def controls(self, controller: str, entity: str) -> bool:
        return entity in self.controlled_by(controller)

    def controlled(self, controller: str) -> Collection[str]:
        return self.controlled_by(controller).keys()

    def controlled_by(self, controller: str) -> Mapping[str, ControlLink]:
        """What an entity or a person controls on this date, with the link for each."""
        reach = self._reach.get(controller) or self._person_reach_of(controller)
        return reach.controlled

    def votes_in(self, entity: str) -> Sequence[Stake]:
        return self._votes_in.get(entity, ())

    def equity_in(self, entity: str) -> Sequence[Stake]:
        return self._equity_in.get(entity, ())

    @property
    def person_holders(self) -> list[str]:
        """Natural persons holding votes on this date."""
        return self._person_holders

    def _person_reach_of(self, person: str) -> _Reach:
        reach = self._person_reach.get(person)
        if reach is None:
            reach = _reach(person, self.stakes_by_holder, self._votes_in)
            self._person_reach[person] = reach
        return reach

    def possibly(self, controller: str) -> Collection[str]:
        found = self._possible.get(controller)
        if found is None:
            found = self._possible[controller] = _possible_reach(controller, self.stakes_by_holder)
        return found

    def possible_controllers(self, entity: str) -> Collection[str]:
        if self._possible_controllers_of is None:
            inverse: dict[str, set[str]] = defaultdict(set)
            for holder in self._reach:
                for target in self.possibly(holder):
                    inverse[target].add(holder)
            self._possible_controllers_of = inverse
        return self._possible_controllers_of.get(entity, ())

    def membership(self, entity: str) -> Membership:
        found = self._memberships.get(entity)
        if found is not None:
            return found
        if entity not in self.register.entities:
            raise UnknownParty(f"{entity} is not a known legal entity")
        found = self._memberships[entity] = self.derive_membership(entity)
        return found

    # ------------------------------------------------------------------ related parties

    def common_person_controllers(self, a: str, b: str) -> list[str]:
        return [p for p in self._person_holders if self.controls(p, a) and self.controls(p, b)]

    def group_influence(self, group_a: str, group_b: str) -> list[str]:
        lines: list[str] = []
        for holders, target in ((group_a, group_b), (group_b, group_a)):
            lines.extend(
                influence_sentence(holders, entity, votes, target)
                for entity, votes in self.influence(holders, target)
            )
        return lines

    def influence(self, holders_group: str, target_group: str) -> list[tuple[str, VoteSum]]:
        """Entities of ``target_group`` in which ``holders_group`` holds at least 20 % of the votes."""
        members = set(self.members().get(holders_group, [holders_group]))
        sums: dict[str, VoteSum] = {}
        for member in members:
            for stake in self.stakes_by_holder.get(member, ()):
                if stake.entity not in self.register.entities:
                    continue
                if self.group_of(stake.entity) == target_group:
                    sums[stake.entity] = sums.get(stake.entity, VoteSum()).plus(stake.voting)
        return [(e, v) for e, v in sorted(sums.items()) if v.low >= TWENTY]

    def person_relatedness(self, person: str, group: str) -> list[str]:
        controlled = self.controlled_by(person)
        counted = {person, *controlled}
        sums: dict[str, VoteSum] = {}
        for holder in counted:
            for stake in self.stakes_by_holder.get(holder, ()):
                if stake.entity in self.register.entities and self.group_of(stake.entity) == group:
                    sums[stake.entity] = sums.get(stake.entity, VoteSum()).plus(stake.voting)
        return person_related_sentences(person, group, sums, controlled, self.group_of)


def common_control_sentence(a: str, b: str, person: str) -> str:
    return f"{a} and {b} are both controlled by {person}, a natural person"


def influence_sentence(holders: str, entity: str, votes: VoteSum, target: str) -> str:
    return (
        f"The {holders} group holds {votes} of the votes in {entity} of the "
        f"{target} group: significant influence (IAS 28.5)"
    )


def person_related_sentences(
    person: str,
    group: str,
    votes: Mapping[str, VoteSum],
    controlled: Iterable[str],
    group_of: Callable[[str], str],
) -> list[str]:
    """``person`` holds ≥ 20 % of the votes in entities of ``group`` (``votes``: what the
    person and the entities they control hold in each entity), or controls one of them."""
    influence = [
        (e, v) for e, v in sorted(votes.items()) if v.low >= TWENTY and group_of(e) == group
    ]
    lines = [
        f"{person} holds {v} of the votes in {e} of the {group} group (IAS 24 related party)"
        for e, v in influence
    ]
    counted = {entity for entity, _votes in influence}
    lines.extend(
        f"{person} controls {entity} of the {group} group (IAS 24 related party)"
        for entity in sorted(controlled)
        if entity not in counted and group_of(entity) == group
    )
    return lines


@dataclass(slots=True)
class _Sale:
    """One classification in progress: who sells, who buys, and the evidence so far."""

    snapshot: Structure
    seller: str
    buyer: str
    seller_entity: str
    seller_group: str
    intro: list[str] = field(default_factory=list)

    def answer(
        self,
        relation: Relation,
        evidence: list[str],
        buyer_entity: str | None = None,
        uncertain: bool = False,
    ) -> Classification:
        return Classification(
            seller=self.seller,
            buyer=self.buyer,
            on=self.snapshot.on,
            relation=relation,
            seller_entity=self.seller_entity,
            buyer_entity=buyer_entity,
            group=self.seller_group,
            uncertain=uncertain,
            evidence=tuple(dict.fromkeys(self.intro + evidence)),  # each sentence once
        )


# --------------------------------------------------------------------------- linear algebra


def _solve_identity_minus(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """Solve ``(I - A) x = b`` exactly by Gaussian elimination (small, dense group systems)."""
    size = len(rhs)
    rows = [
        [(Fraction(1) if i == j else Fraction(0)) - matrix[i][j] for j in range(size)] + [rhs[i]]
        for i in range(size)
    ]
    for col in range(size):
        pivot = next((r for r in range(col, size) if rows[r][col] != 0), None)
        if pivot is None:
            raise ArithmeticError("cross-holdings of 100 % leave no outside owner")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [v / head for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][size] for i in range(size)]


def _to_decimal(value: Fraction, places: int = 4) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    exact = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)
    return trim(exact)


def trim(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (``100.00`` → ``100``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
