"""Handler tests drive the dispatcher directly, on the same database fixtures as every other test."""

from __future__ import annotations

import pytest

from bot.dispatch import Dispatcher
from handlers.clock import FixedClock
from handlers.context import Policy
from storage.uow import UnitOfWorkFactory


@pytest.fixture
def bot(uow_factory: UnitOfWorkFactory, clock: FixedClock, policy: Policy) -> Dispatcher:
    return Dispatcher(uow=uow_factory, clock=clock, policy=policy)
