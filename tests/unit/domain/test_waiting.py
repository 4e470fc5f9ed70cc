"""When a wait is over: ``terminal`` is exactly the contract's terminal statuses; ``change`` a newer version."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from micropay.domain.errors import InvalidParameter
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.waiting import WaitCondition, WaitUntil, check_wait_timeout
from tests.unit.domain.builders import created

statuses = st.sampled_from(list(IntentStatus))
versions = st.integers(min_value=1, max_value=10_000)


@given(status=statuses, version=versions, seen=st.none() | st.integers(min_value=0, max_value=10_000))
def test_terminal_is_met_only_by_succeeded_or_canceled_whatever_the_version(
    status: IntentStatus, version: int, seen: int | None
) -> None:
    intent = msgspec.structs.replace(created(), status=status, version=version)
    met = WaitCondition(WaitUntil.TERMINAL, seen).is_met_by(intent)
    assert met is (status in (IntentStatus.SUCCEEDED, IntentStatus.CANCELED))


@given(status=statuses, version=versions, seen=st.integers(min_value=0, max_value=10_000))
def test_change_is_met_exactly_by_a_version_past_the_one_seen(status: IntentStatus, version: int, seen: int) -> None:
    intent = msgspec.structs.replace(created(), status=status, version=version)
    assert WaitCondition(WaitUntil.CHANGE, seen).is_met_by(intent) is (version > seen)


@given(version=versions)
def test_change_without_a_version_waits_for_the_next_one_after_the_first_read(version: int) -> None:
    first = msgspec.structs.replace(created(), version=version)
    condition = WaitCondition(WaitUntil.CHANGE, None).pinned_to(first)
    assert not condition.is_met_by(first)
    assert condition.is_met_by(msgspec.structs.replace(first, version=version + 1))


def test_pinning_keeps_a_given_version_and_ignores_terminal() -> None:
    intent = msgspec.structs.replace(created(), version=7)
    assert WaitCondition(WaitUntil.CHANGE, 3).pinned_to(intent).after_version == 3
    assert WaitCondition(WaitUntil.TERMINAL, None).pinned_to(intent).after_version is None


def test_a_negative_version_is_refused() -> None:
    with pytest.raises(InvalidParameter) as raised:
        WaitCondition(WaitUntil.CHANGE, -1)
    assert raised.value.param == "version"


@pytest.mark.parametrize("seconds", [1, 1.5, 25, 30])
def test_timeouts_from_1_to_30_seconds_are_allowed(seconds: float) -> None:
    assert check_wait_timeout(seconds) == seconds


@pytest.mark.parametrize("seconds", [0, 0.99, 30.01, 31, -5])
def test_timeouts_outside_1_to_30_seconds_are_refused(seconds: float) -> None:
    with pytest.raises(InvalidParameter) as raised:
        check_wait_timeout(seconds)
    assert raised.value.param == "timeout"
