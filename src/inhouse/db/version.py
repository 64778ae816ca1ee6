"""How current cached data is: every write appends to the audit log, so its newest id
is the version of everything stored.

Asking the database on every request would cost round trips that dominate a fast
answer; the version is asked at most once per ``interval`` seconds, and a write made
through this process marks it stale at once. A write by another process is therefore
seen within ``interval`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from inhouse.db.uow import UnitOfWork


class DataVersion:
    def __init__(
        self,
        engine: Engine,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._monotonic = monotonic
        self._version = -1
        self._checked = float("-inf")
        self._stale = True
        self._lock = threading.Lock()

    def current(self) -> int:
        now = self._monotonic()
        if not self._stale and now - self._checked < self._interval:
            return self._version
        with self._lock:
            if self._stale or now - self._checked >= self._interval:
                with UnitOfWork(self._engine) as uow:
                    self._version = uow.identity.latest_audit_id()
                self._checked = now
                self._stale = False
            return self._version

    def mark_stale(self) -> None:
        self._stale = True
