"""The pure webhook rules: retry schedule, Retry-After, the disable rule, matching, transitions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model import webhook_params, webhooks
from micropay.domain.model.environment import Environment
from micropay.domain.model.webhooks import (
    EVENT_TYPES,
    FAILING_FOR_SECONDS,
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    DeliveryStatus,
    DisabledReason,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

NOW = 1_767_225_600
jitters = st.floats(min_value=0.0, max_value=0.999999)
attempts = st.integers(min_value=0, max_value=MAX_ATTEMPTS - 1)


def endpoint(**changes: object) -> WebhookEndpoint:
    values: dict[str, object] = {
        "id": "we_1",
        "merchant_id": "acct_1",
        "environment": Environment.SANDBOX,
        "url": "https://shop.example/hooks",
        "enabled_events": ("*",),
        "description": None,
        "status": EndpointStatus.ENABLED,
        "disabled_reason": None,
        "created": NOW,
    }
    values.update(changes)
    return WebhookEndpoint(**values)  # type: ignore[arg-type]


def delivery(**changes: object) -> WebhookDelivery:
    values: dict[str, object] = {
        "id": "wd_1",
        "event_id": "evt_1",
        "event_type": "payment_intent.succeeded",
        "endpoint_id": "we_1",
        "status": DeliveryStatus.PENDING,
        "scheduled_attempts": 0,
        "next_attempt_at": NOW,
        "created": NOW,
    }
    values.update(changes)
    return WebhookDelivery(**values)  # type: ignore[arg-type]


def test_the_schedule_is_the_contracts() -> None:
    assert RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    assert 3 * 86400 <= sum(RETRY_SCHEDULE) < 3.5 * 86400  # "about 3 days"


@given(made=attempts, jitter=jitters)
def test_each_delay_is_the_scheduled_one_stretched_by_at_most_a_tenth(made: int, jitter: float) -> None:
    due = webhooks.next_attempt_at(made, NOW, jitter=jitter)
    assert due is not None
    delay = RETRY_SCHEDULE[made]
    assert delay <= due - NOW <= delay * 1.1


@given(jitter=jitters)
def test_after_ten_attempts_the_delivery_is_spent(jitter: float) -> None:
    assert webhooks.next_attempt_at(MAX_ATTEMPTS, NOW, jitter=jitter) is None


@given(made=st.integers(min_value=1, max_value=MAX_ATTEMPTS - 2), retry_after=st.integers(0, 10**7), jitter=jitters)
def test_retry_after_delays_within_the_schedule_never_earlier_never_past_the_next_slot(
    made: int, retry_after: int, jitter: float
) -> None:
    plain = webhooks.next_attempt_at(made, NOW, jitter=jitter)
    honoured = webhooks.next_attempt_at(made, NOW, jitter=jitter, retry_after=retry_after)
    assert plain is not None
    assert honoured is not None
    assert honoured >= plain
    assert honoured - NOW <= max(RETRY_SCHEDULE[made + 1], plain - NOW)
    if plain - NOW < retry_after <= RETRY_SCHEDULE[made + 1]:
        assert honoured == NOW + retry_after


def test_jitter_and_attempts_out_of_range_are_bugs() -> None:
    with pytest.raises(ValueError):
        webhooks.next_attempt_at(0, NOW, jitter=1.0)
    with pytest.raises(ValueError):
        webhooks.next_attempt_at(-1, NOW)


@given(since=st.integers(0, 10**6), gap=st.integers(0, 10 * 86400), spread=st.integers(0, 10 * 86400))
def test_the_disable_rule(since: int, gap: int, spread: int) -> None:
    last = since + min(spread, gap)
    expected = gap >= FAILING_FOR_SECONDS and last - since >= 12 * 3600
    assert webhooks.should_disable(since, last, since + gap) is expected


def test_no_streak_never_disables() -> None:
    assert not webhooks.should_disable(None, None, NOW)


@given(event_type=st.sampled_from(sorted(EVENT_TYPES)))
def test_matching(event_type: str) -> None:
    assert webhooks.matches(("*",), event_type)
    assert webhooks.matches((event_type,), event_type)
    assert webhooks.matches(("payment_intent.*",), event_type)
    others = tuple(t for t in EVENT_TYPES if t != event_type)
    assert not webhooks.matches(others, event_type)
    assert not webhooks.matches(("charge.*",), event_type)


@pytest.mark.parametrize(
    "value", [None, [], "*", ["payment_intent.refunded"], [1], ["charge.*"], ["*"] * 0, ["x"] * 51]
)
def test_enabled_events_must_be_known(value: object) -> None:
    with pytest.raises(InvalidParameter) as caught:
        webhook_params.validate_enabled_events(value, EVENT_TYPES)
    assert caught.value.param == "enabled_events"


def test_enabled_events_drop_duplicates_and_keep_order() -> None:
    got = webhook_params.validate_enabled_events(
        ["payment_intent.succeeded", "*", "payment_intent.succeeded"], EVENT_TYPES
    )
    assert got == ("payment_intent.succeeded", "*")


@given(made=attempts, status=st.sampled_from([200, 201, 204, 299]), jitter=jitters)
def test_a_2xx_succeeds_and_ends_the_failure_streak(made: int, status: int, jitter: float) -> None:
    failing = endpoint(failing_since=NOW - 100, last_failure_at=NOW - 1)
    after, ep = webhooks.after_attempt(delivery(scheduled_attempts=made), failing, status, now=NOW, jitter=jitter)
    assert after.status is DeliveryStatus.SUCCEEDED
    assert after.next_attempt_at is None
    assert ep.failing_since is None
    assert ep.last_failure_at is None


def test_a_410_fails_the_delivery_and_disables_the_endpoint_as_gone() -> None:
    after, ep = webhooks.after_attempt(delivery(), endpoint(), 410, now=NOW, jitter=0.0)
    assert after.status is DeliveryStatus.FAILED
    assert after.next_attempt_at is None
    assert ep.status is EndpointStatus.DISABLED
    assert ep.disabled_reason is DisabledReason.GONE


@given(
    made=attempts,
    status=st.one_of(st.none(), st.sampled_from([301, 400, 404, 429, 500, 502, 503])),
    jitter=jitters,
)
def test_a_failure_moves_along_the_schedule_until_spent(made: int, status: int | None, jitter: float) -> None:
    after, ep = webhooks.after_attempt(delivery(scheduled_attempts=made), endpoint(), status, now=NOW, jitter=jitter)
    assert after.scheduled_attempts == made + 1
    assert ep.failing_since == NOW
    assert ep.last_failure_at == NOW
    if made + 1 == MAX_ATTEMPTS:
        assert after.status is DeliveryStatus.FAILED
        assert after.next_attempt_at is None
    else:
        assert after.status is DeliveryStatus.PENDING
        assert after.next_attempt_at == webhooks.next_attempt_at(made + 1, NOW, jitter=jitter)


def test_retry_after_is_honoured_only_on_429_and_503() -> None:
    d = delivery(scheduled_attempts=1)
    for status, expected in ((503, NOW + 1000), (429, NOW + 1000), (500, NOW + 300)):
        after, _ = webhooks.after_attempt(d, endpoint(), status, now=NOW, jitter=0.0, retry_after=1000)
        assert after.next_attempt_at == expected


def test_a_manual_failure_leaves_the_schedule_alone() -> None:
    d = delivery(status=DeliveryStatus.FAILED, scheduled_attempts=MAX_ATTEMPTS, next_attempt_at=None)
    after, ep = webhooks.after_attempt(d, endpoint(), 500, now=NOW, jitter=0.0, manual=True)
    assert after == d
    assert ep.last_failure_at == NOW


def test_five_days_of_failures_disable_the_endpoint_as_failing() -> None:
    ep = endpoint(failing_since=NOW - FAILING_FOR_SECONDS + 1, last_failure_at=NOW - 3600)
    _, still = webhooks.after_attempt(delivery(), ep, 500, now=NOW, jitter=0.0)
    assert still.enabled
    _, disabled = webhooks.after_attempt(delivery(), ep, 500, now=NOW + 1, jitter=0.0)
    assert disabled.status is EndpointStatus.DISABLED
    assert disabled.disabled_reason is DisabledReason.FAILING


def test_re_enabling_forgets_the_streak() -> None:
    ep = webhooks.disable(endpoint(failing_since=1, last_failure_at=2), DisabledReason.FAILING)
    again = webhooks.enable(ep)
    assert again.enabled
    assert again.disabled_reason is None
    assert again.failing_since is None


def test_an_endpoint_status_and_reason_agree() -> None:
    with pytest.raises(ValueError):
        endpoint(status=EndpointStatus.DISABLED)
    with pytest.raises(ValueError):
        endpoint(disabled_reason=DisabledReason.MANUAL)


@pytest.mark.parametrize("value", [-1, 86401, "10", 1.5, True])
def test_rotation_overlap_is_0_to_24_hours(value: object) -> None:
    with pytest.raises(InvalidParameter):
        webhook_params.validate_overlap(value)
    assert webhook_params.validate_overlap(None) == 86400
    assert webhook_params.validate_overlap(0) == 0


def test_the_recover_window_is_at_most_14_days_back() -> None:
    assert webhook_params.recover_window(NOW - 14 * 86400, None, NOW) == (NOW - 14 * 86400, NOW)
    for since, until in ((NOW - 14 * 86400 - 1, None), (NOW, NOW - 1), (None, None), ("x", None)):
        with pytest.raises(InvalidParameter):
            webhook_params.recover_window(since, until, NOW)


def test_associated_data_binds_merchant_environment_and_endpoint() -> None:
    base = webhooks.associated_data("acct_1", Environment.SANDBOX, "we_1")
    assert base == b"acct_1:sandbox:we_1"
    assert base != webhooks.associated_data("acct_1", Environment.PRODUCTION, "we_1")
    assert base != webhooks.associated_data("acct_2", Environment.SANDBOX, "we_1")
    assert base != webhooks.associated_data("acct_1", Environment.SANDBOX, "we_2")
