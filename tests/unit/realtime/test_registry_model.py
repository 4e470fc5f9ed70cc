"""A model of the subscription registry (Hypothesis stateful): a subscriber is signalled exactly when a
change it covers (its tenant; its intent, if it named one) was delivered since it last consumed a signal,
and a catch-up (``wake_all``) signals everyone."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from micropay.adapters.realtime.subscriptions import SubscriptionRegistry
from micropay.domain.model.environment import Environment, Tenant
from micropay.ports.change_feed import Change, ChangeSubscription

TENANTS = [
    Tenant(merchant_id="acct_a", environment=Environment.SANDBOX),
    Tenant(merchant_id="acct_a", environment=Environment.PRODUCTION),
    Tenant(merchant_id="acct_b", environment=Environment.SANDBOX),
]
INTENTS = ["pi_1", "pi_2", "pi_3"]


class RegistryModel(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.registry = SubscriptionRegistry()
        # (tenant, intent filter, context, subscription); the model says which have a signal pending
        self.subscribers: list[tuple[Tenant, str | None, AbstractAsyncContextManager[Any], ChangeSubscription]] = []
        self.pending: list[bool] = []

    def teardown(self) -> None:
        if hasattr(self, "loop"):
            self.loop.close()

    @rule(tenant=st.sampled_from(TENANTS), intent=st.none() | st.sampled_from(INTENTS))
    def subscribe(self, tenant: Tenant, intent: str | None) -> None:
        context = self.registry.subscribe(tenant, intent_id=intent)
        subscription = self.loop.run_until_complete(context.__aenter__())
        self.subscribers.append((tenant, intent, context, subscription))
        self.pending.append(False)

    @rule(tenant=st.sampled_from(TENANTS), intent=st.none() | st.sampled_from(INTENTS))
    def deliver(self, tenant: Tenant, intent: str | None) -> None:
        self.registry.deliver(Change(tenant=tenant, intent_id=intent))
        for n, (their_tenant, wanted, _, _) in enumerate(self.subscribers):
            if their_tenant == tenant and (wanted is None or wanted == intent):
                self.pending[n] = True

    @rule()
    def catch_up(self) -> None:
        self.registry.wake_all()
        self.pending = [True] * len(self.pending)

    @precondition(lambda self: bool(self.subscribers))
    @rule(data=st.data())
    def consume(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(min_value=0, max_value=len(self.subscribers) - 1))
        signalled = self.loop.run_until_complete(self.subscribers[n][3].next(within=0))
        assert signalled is self.pending[n]
        self.pending[n] = False

    @precondition(lambda self: bool(self.subscribers))
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        n = data.draw(st.integers(min_value=0, max_value=len(self.subscribers) - 1))
        context = self.subscribers.pop(n)[2]
        self.pending.pop(n)
        self.loop.run_until_complete(context.__aexit__(None, None, None))

    @invariant()
    def counts_match(self) -> None:
        if hasattr(self, "registry"):
            assert self.registry.count == len(self.subscribers)


RegistryModel.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestRegistryModel = RegistryModel.TestCase
