"""The circuit breaker: 6 failures in 60 s open it for 30 s, then exactly one probe decides."""

from __future__ import annotations

from micropay.domain.model.circuit_breaker import (
    BreakerPolicy,
    BreakerState,
    CircuitBreaker,
    before_call,
    record_failure,
    record_success,
    release_probe,
)

T = 1_000.0


def _fail(breaker: CircuitBreaker, *times: float) -> CircuitBreaker:
    for t in times:
        breaker = record_failure(breaker, t)
    return breaker


def _open_at(t: float) -> CircuitBreaker:
    return _fail(CircuitBreaker(), *(t - 5 + i for i in range(6)))  # the 6th failure lands at t


def test_a_new_breaker_is_closed_and_lets_calls_through() -> None:
    breaker = CircuitBreaker()
    assert breaker.state(T) is BreakerState.CLOSED
    assert breaker.retry_after(T) == 0.0
    assert before_call(breaker, T) == (breaker, True)


def test_five_failures_keep_it_closed() -> None:
    breaker = _fail(CircuitBreaker(), *(T + i for i in range(5)))
    assert breaker.state(T + 5) is BreakerState.CLOSED
    assert before_call(breaker, T + 5)[1]


def test_the_sixth_failure_within_60_seconds_opens_it() -> None:
    breaker = _fail(CircuitBreaker(), *(T + i * 11 for i in range(6)))  # the 6th at T + 55
    assert breaker.state(T + 55) is BreakerState.OPEN
    assert breaker.opened_at == T + 55
    assert breaker.failures == ()


def test_failures_60_seconds_old_or_older_do_not_count() -> None:
    breaker = _fail(CircuitBreaker(), T, T + 1, T + 2, T + 3, T + 4)
    breaker = record_failure(breaker, T + 60)  # the one at T is exactly 60 s old
    assert breaker.state(T + 60) is BreakerState.CLOSED
    assert breaker.failures == (T + 1, T + 2, T + 3, T + 4, T + 60)
    assert record_failure(breaker, T + 60.5).state(T + 60.5) is BreakerState.OPEN


def test_a_success_while_closed_forgets_the_failures() -> None:
    breaker = record_success(_fail(CircuitBreaker(), T, T + 1, T + 2, T + 3, T + 4), T + 5)
    assert breaker == CircuitBreaker()
    assert record_failure(breaker, T + 6).state(T + 6) is BreakerState.CLOSED


def test_open_fails_fast_for_30_seconds() -> None:
    breaker = _open_at(T)
    for t in (T, T + 1, T + 29.999):
        assert breaker.state(t) is BreakerState.OPEN
        assert before_call(breaker, t) == (breaker, False)
    assert breaker.retry_after(T) == 30.0
    assert breaker.retry_after(T + 20) == 10.0


def test_failures_while_open_change_nothing() -> None:
    breaker = _open_at(T)
    assert record_failure(breaker, T + 10) == breaker


def test_a_stale_success_while_open_is_ignored() -> None:
    breaker = _open_at(T)
    assert record_success(breaker, T + 10) == breaker
    assert record_success(breaker, T + 40) == breaker  # half-open, but not the probe's answer


def test_after_the_cooldown_exactly_one_probe_goes_through() -> None:
    breaker = _open_at(T)
    assert breaker.state(T + 30) is BreakerState.HALF_OPEN
    assert breaker.retry_after(T + 30) == 0.0
    probing, allowed = before_call(breaker, T + 30)
    assert allowed
    assert probing.probe_in_flight
    assert before_call(probing, T + 30) == (probing, False)
    assert before_call(probing, T + 100) == (probing, False)
    assert probing.retry_after(T + 31) == 1.0


def test_the_probes_success_closes_it() -> None:
    probing, _ = before_call(_open_at(T), T + 30)
    closed = record_success(probing, T + 31)
    assert closed == CircuitBreaker()
    assert closed.state(T + 31) is BreakerState.CLOSED
    assert before_call(closed, T + 31)[1]


def test_the_probes_failure_reopens_it_for_another_cooldown() -> None:
    probing, _ = before_call(_open_at(T), T + 30)
    reopened = record_failure(probing, T + 31)
    assert reopened.opened_at == T + 31
    assert not reopened.probe_in_flight
    assert reopened.state(T + 60) is BreakerState.OPEN
    assert not before_call(reopened, T + 60)[1]
    assert reopened.state(T + 61) is BreakerState.HALF_OPEN
    assert before_call(reopened, T + 61)[1]


def test_releasing_the_probe_lets_another_one_try() -> None:
    probing, _ = before_call(_open_at(T), T + 30)
    released = release_probe(probing)
    assert not released.probe_in_flight
    assert released.state(T + 30) is BreakerState.HALF_OPEN
    assert before_call(released, T + 30)[1]


def test_releasing_without_a_probe_changes_nothing() -> None:
    assert release_probe(CircuitBreaker()) == CircuitBreaker()
    breaker = _open_at(T)
    assert release_probe(breaker) == breaker


def test_the_policy_is_configurable() -> None:
    policy = BreakerPolicy(max_failures=1, window=10, cooldown=5)
    breaker = _fail(CircuitBreaker(policy=policy), T, T + 1)
    assert breaker.state(T + 1) is BreakerState.OPEN
    assert breaker.state(T + 6) is BreakerState.HALF_OPEN
    assert record_success(before_call(breaker, T + 6)[0], T + 6) == CircuitBreaker(policy=policy)


def test_retry_after_is_never_negative_once_the_cooldown_has_passed() -> None:
    opened = _fail(CircuitBreaker(), *(T + i for i in range(6)))

    assert opened.retry_after(T + 5 + 30) == 0.0
    assert opened.retry_after(T + 5 + 1000) == 0.0
