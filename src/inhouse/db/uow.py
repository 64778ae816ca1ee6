"""The unit of work: one transaction that rolls back unless the service commits it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from inhouse.benefits.repository import BenefitsRepository
from inhouse.care.repository import CareRepository
from inhouse.groups.repository import GroupsRepository
from inhouse.identity.repository import IdentityRepository
from inhouse.incentives.repository import IncentivesRepository
from inhouse.orders.repository import OrdersRepository
from inhouse.pricing.repository import PricingRepository


class UnitOfWork:
    """``with UnitOfWork(engine) as uow: …; uow.commit()`` — anything else rolls back."""

    connection: Connection
    benefits: BenefitsRepository
    care: CareRepository
    groups: GroupsRepository
    identity: IdentityRepository
    incentives: IncentivesRepository
    orders: OrdersRepository
    pricing: PricingRepository

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.connection = self.engine.connect()
        self._transaction = self.connection.begin()
        self.benefits = BenefitsRepository(self.connection)
        self.groups = GroupsRepository(self.connection)
        self.identity = IdentityRepository(self.connection)
        self.orders = OrdersRepository(self.connection)
        self.pricing = PricingRepository(self.connection)
        self.incentives = IncentivesRepository(self.connection)
        self.care = CareRepository(self.connection)
        self._committed = False
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._transaction.is_active:
                self._transaction.rollback()
        finally:
            self.connection.close()

    def commit(self) -> None:
        self._transaction.commit()
        self._committed = True

    def rollback(self) -> None:
        self._transaction.rollback()
