"""The login throttle's rule (contract §10): 5 failures in 15 minutes lock, locks double, capped at 1 h."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from micropay.domain.model import login_throttle as lt
from micropay.domain.model.login_throttle import ThrottleState

START = 1_767_225_600.0


def _fail_at(times: list[float]) -> tuple[ThrottleState | None, list[int | None]]:
    """Apply each failure if the throttle lets it through; the Retry-After seen before each."""
    state: ThrottleState | None = None
    seen: list[int | None] = []
    for now in times:
        wait = lt.retry_after(state, now)
        seen.append(wait)
        if wait is None:
            state = lt.after_failure(state, now)
    return state, seen


def test_four_failures_never_lock_and_the_fifth_locks_for_a_minute() -> None:
    state, seen = _fail_at([START + i for i in range(5)])

    assert seen == [None] * 5
    assert lt.retry_after(state, START + 4) == 60
    assert lt.retry_after(state, START + 4 + 59.5) == 1
    assert lt.retry_after(state, START + 4 + 60) is None


def test_each_further_failure_doubles_the_lock_up_to_an_hour() -> None:
    state: ThrottleState | None = None
    now = START
    locks = []
    for _ in range(14):
        while (wait := lt.retry_after(state, now)) is not None:
            now += wait
        state = lt.after_failure(state, now)
        locks.append(lt.retry_after(state, now))

    assert locks == [None, None, None, None, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    times = [START + i * (lt.WINDOW_SECONDS / 4 + 1) for i in range(20)]

    state, seen = _fail_at(times)

    assert seen == [None] * 20
    assert state is not None
    assert state.failures < lt.FREE_FAILURES


def test_a_quiet_window_after_the_lock_forgets_the_streak() -> None:
    state, _ = _fail_at([START + i for i in range(6)])  # the 6th is refused (locked)
    assert state is not None
    assert state.failures == 5
    later = state.locked_until + lt.WINDOW_SECONDS + 1

    assert lt.current(state, later) is None
    assert lt.after_failure(state, later).failures == 1


@given(st.lists(st.floats(min_value=0, max_value=3 * 3600, allow_nan=False), min_size=1, max_size=40))
def test_any_five_admitted_failures_within_fifteen_minutes_lock_the_email(offsets: list[float]) -> None:
    times = sorted(START + o for o in offsets)
    state: ThrottleState | None = None
    admitted: list[float] = []
    for now in times:
        if lt.retry_after(state, now) is None:
            state = lt.after_failure(state, now)
            admitted.append(now)
            window = [t for t in admitted if now - t <= lt.WINDOW_SECONDS]
            if len(window) >= lt.FREE_FAILURES:
                # the failure that makes five within the window always locks
                assert state.locked_until > now
        else:
            assert state is not None
            assert now < state.locked_until
    # a lock never exceeds the cap
    assert state is not None
    assert state.locked_until - max(admitted) <= lt.MAX_LOCK_SECONDS


@given(st.integers(min_value=0, max_value=1000))
def test_lock_lengths_are_monotonic_and_capped(failures: int) -> None:
    assert 0 <= lt.lock_seconds(failures) <= lt.MAX_LOCK_SECONDS
    assert lt.lock_seconds(failures) <= lt.lock_seconds(failures + 1)
    assert (lt.lock_seconds(failures) == 0) == (failures < lt.FREE_FAILURES)


def test_the_key_is_a_hash_of_the_casefolded_email_not_the_email() -> None:
    key = lt.throttle_key("ann@example.com")

    assert "ann" not in key
    assert len(key) == 64
    assert key != lt.throttle_key("bob@example.com")
