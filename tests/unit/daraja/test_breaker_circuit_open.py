"""The breaker says *why* it refused: ``CircuitOpen``, still a ``ProviderUnavailable`` for every other caller."""

from __future__ import annotations

import pytest

from micropay.adapters.daraja import BreakingDarajaGateway
from micropay.adapters.daraja.breaker import circuit_key
from micropay.domain.model.environment import Environment
from micropay.ports.daraja_gateway import CircuitOpen, ProviderUnavailable
from tests.fakes import FakeClock, FakeDarajaGateway
from tests.unit.use_cases.world import DEFAULT_SANDBOX


async def test_a_refusal_of_an_open_circuit_is_circuit_open_and_reaches_nothing() -> None:
    inner = FakeDarajaGateway()
    inner.unavailable = True
    clock = FakeClock()
    breaker = BreakingDarajaGateway(inner, clock)

    failures = 0
    key = circuit_key(Environment.SANDBOX, DEFAULT_SANDBOX)
    while breaker.snapshot().get(key) != "open":
        with pytest.raises(ProviderUnavailable) as failed:
            await breaker.stk_query(DEFAULT_SANDBOX, Environment.SANDBOX, "ws_CO_1")
        assert not isinstance(failed.value, CircuitOpen)  # Daraja itself answered badly
        failures += 1
        assert failures < 100
    asked = len(inner.queries)

    with pytest.raises(CircuitOpen) as refused:
        await breaker.stk_query(DEFAULT_SANDBOX, Environment.SANDBOX, "ws_CO_1")

    assert isinstance(refused.value, ProviderUnavailable)
    assert refused.value.retry_after >= 1
    assert len(inner.queries) == asked
