"""Who may do what: roles, permissions and the acting user. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    ADMIN = "admin"
    FINANCE = "finance"
    HR = "hr"
    SERVICE_AGENT = "service_agent"
    SALES_SYSTEM = "sales_system"
    EMPLOYEE = "employee"


class Permission(Enum):
    READ_GROUP_STRUCTURE = "read entities, stakes, units and group structures"
    WRITE_GROUP_STRUCTURE = "change entities and stakes"
    WRITE_UNITS = "change org units"
    READ_PEOPLE = "read persons and employments"
    WRITE_PEOPLE = "change persons and employments"
    READ_OWN_PERSON = "read one's own person record and employments"
    CLASSIFY = "classify sales"
    IMPORT_DATASETS = "import and export datasets"
    MANAGE_USERS = "manage users and API tokens"
    READ_AUDIT_LOG = "read the audit log"
    READ_PRICING = "read products, prices and programmes"
    WRITE_PRICING = "change products, prices and programmes"
    QUOTE = "quote prices to buyers"
    PLACE_ORDERS = "record orders and returns"
    READ_ORDERS = "read orders and returns"
    READ_OWN_ORDERS = "read one's own orders and returns"
    READ_PLACED_ORDERS = "read the orders one placed oneself"
    READ_BENEFITS = "read taxable benefits and the payroll export"
    READ_OWN_BENEFITS = "read one's own taxable benefits"
    READ_INCENTIVE_PROGRAMMES = "read incentive programmes"
    MANAGE_INCENTIVES = "manage incentive programmes, points and referrals"
    READ_POINTS = "read anyone's points"
    USE_OWN_POINTS = "read and redeem one's own points"
    READ_PARTICIPATION = "read participation figures"
    READ_TICKETS = "read all tickets and surveys"
    WRITE_TICKETS = "open tickets, write articles, change statuses, send surveys"
    OWN_TICKETS = "open and read one's own tickets"
    MANAGE_SLA = "change business calendars and SLA policies"
    READ_PARITY = "read the service parity monitor"


_R = Role
_P = Permission
# Sales systems (tills) ask "who is this buyer to us" at checkout, quote, record orders and
# returns, and read back only the orders they placed themselves: no other orders, no
# dashboards, people, pricing tables or benefits (the quote carries the prices and their
# explanation). Employees see only themselves.
GRANTS: dict[Role, frozenset[Permission]] = {
    _R.ADMIN: frozenset(Permission),
    _R.FINANCE: frozenset(
        {
            _P.READ_GROUP_STRUCTURE,
            _P.WRITE_GROUP_STRUCTURE,
            _P.WRITE_UNITS,
            _P.CLASSIFY,
            _P.READ_PRICING,
            _P.WRITE_PRICING,
            _P.QUOTE,
            _P.PLACE_ORDERS,
            _P.READ_ORDERS,
            _P.READ_INCENTIVE_PROGRAMMES,
            _P.READ_PARTICIPATION,
            _P.READ_PARITY,
        }
    ),
    _R.HR: frozenset(
        {
            _P.READ_GROUP_STRUCTURE,
            _P.WRITE_UNITS,
            _P.READ_PEOPLE,
            _P.WRITE_PEOPLE,
            _P.CLASSIFY,
            _P.READ_PRICING,
            _P.READ_ORDERS,
            _P.READ_BENEFITS,
            _P.READ_INCENTIVE_PROGRAMMES,
            _P.MANAGE_INCENTIVES,
            _P.READ_POINTS,
            _P.READ_PARTICIPATION,
            _P.READ_PARITY,
        }
    ),
    _R.SERVICE_AGENT: frozenset(
        {
            _P.READ_GROUP_STRUCTURE,
            _P.READ_PEOPLE,
            _P.CLASSIFY,
            _P.READ_TICKETS,
            _P.WRITE_TICKETS,
            _P.MANAGE_SLA,
            _P.READ_PARITY,
        }
    ),
    _R.SALES_SYSTEM: frozenset({_P.CLASSIFY, _P.QUOTE, _P.PLACE_ORDERS, _P.READ_PLACED_ORDERS}),
    _R.EMPLOYEE: frozenset(
        {
            _P.READ_OWN_PERSON,
            _P.READ_OWN_ORDERS,
            _P.READ_OWN_BENEFITS,
            _P.READ_INCENTIVE_PROGRAMMES,
            _P.USE_OWN_POINTS,
            _P.OWN_TICKETS,
        }
    ),
}

ORDER_READING = (_P.READ_ORDERS, _P.READ_PLACED_ORDERS, _P.READ_OWN_ORDERS)
"""Any one of them lets a role read orders; which ones, ``Actor.may_see_order`` says."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user or token owner on whose behalf a request runs."""

    user_id: int
    username: str
    role: Role
    person: str | None = None  # the linked person of an ``employee`` user

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def may_see_person(self, person: str) -> bool:
        if self.may(Permission.READ_PEOPLE):
            return True
        return self.may(Permission.READ_OWN_PERSON) and person == self.person

    def may_read_orders(self) -> bool:
        """Whether the role reads any orders at all (all, the ones it placed, or its own)."""
        return any(self.may(p) for p in ORDER_READING)

    def may_see_order(self, *, buyer: str, placed_by: int | None) -> bool:
        """Whether this one order is the actor's to read: every order for order readers,
        the orders it placed for a sales system, the orders they bought for an employee."""
        if self.may(Permission.READ_ORDERS):
            return True
        if self.may(Permission.READ_PLACED_ORDERS) and placed_by == self.user_id:
            return True
        return (
            self.may(Permission.READ_OWN_ORDERS)
            and self.person is not None
            and buyer == self.person
        )

    def may_see_points_of(self, person: str) -> bool:
        if self.may(Permission.READ_POINTS):
            return True
        return self.may(Permission.USE_OWN_POINTS) and person == self.person


SYSTEM = Actor(user_id=0, username="system", role=Role.ADMIN)
