"""Unknown email and wrong password take the same time (contract §10), tested statistically.

Interleaved logins with the real Argon2id hasher: wrong passwords for known emails against unknown emails
(each email once, so the throttle never interferes). A two-sided Mann-Whitney U test must not tell the two
timings apart, and their medians must agree within 20%. The control runs the same test against a login that
skips the hashing for unknown emails, and the test must catch it: so the check can fail.
"""

from __future__ import annotations

import math
import statistics
import time

import pytest

from micropay.adapters.security import Argon2PasswordHasher
from micropay.domain.auth_errors import InvalidCredentials
from micropay.domain.model.users import User, email_key
from micropay.domain.use_cases.sessions import CheckPassword
from tests.unit.use_cases.accounts_world import AccountsWorld

SAMPLES = 20
ALPHA = 0.001


class LeakyHasher(Argon2PasswordHasher):
    """The bug the test must catch: no work for an unknown email."""

    async def burn(self, password: str) -> None:
        return None


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, no ties in practice)."""
    ranked = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    rank_sum_a = sum(rank for rank, (_, group) in enumerate(ranked, start=1) if group == 0)
    n1, n2 = len(a), len(b)
    u = rank_sum_a - n1 * (n1 + 1) / 2
    z = (u - n1 * n2 / 2) / math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return math.erfc(abs(z) / math.sqrt(2))


async def _timings(hasher: Argon2PasswordHasher) -> tuple[list[float], list[float]]:
    world = AccountsWorld()
    merchant = await world.create_merchant("Timing", None)
    encoded = await hasher.hash("the real password")
    for n in range(SAMPLES):
        email = f"known-{n}@example.com"
        world.tables.users[f"usr_{n}"] = User(
            id=f"usr_{n}",
            merchant_id=merchant.merchant_id,
            email=email,
            email_key=email_key(email),
            role="owner",  # type: ignore[arg-type]
            password_hash=encoded,
            created=0,
        )
    check = CheckPassword(world.account_directory, world.throttle, hasher, world.accounts, world.clock)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(InvalidCredentials):
            await check(email, "a wrong password")
        return time.perf_counter() - started

    await timed("warm-up@example.com")
    wrong, unknown = [], []
    for n in range(SAMPLES):
        wrong.append(await timed(f"known-{n}@example.com"))
        unknown.append(await timed(f"unknown-{n}@example.com"))
    return wrong, unknown


async def test_unknown_email_and_wrong_password_are_indistinguishable_by_time() -> None:
    wrong, unknown = await _timings(Argon2PasswordHasher())

    p = mann_whitney_p(wrong, unknown)
    ratio = statistics.median(unknown) / statistics.median(wrong)

    assert p > ALPHA, (p, statistics.median(wrong), statistics.median(unknown))
    assert 0.8 < ratio < 1.25, ratio


async def test_the_timing_test_catches_a_login_that_skips_the_hash_for_unknown_emails() -> None:
    wrong, unknown = await _timings(LeakyHasher())

    assert mann_whitney_p(wrong, unknown) < ALPHA
    assert statistics.median(unknown) < 0.5 * statistics.median(wrong)
