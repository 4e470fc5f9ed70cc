"""What dashboard sessions cost: the memory of concurrent logins and the per-request session check.

``python bench/auth_costs.py [--postgres]`` (a few seconds; not part of ``make bench``):

1. Memory: how far the process's peak RSS (``VmHWM``) rises above its RSS before any hashing, through
   ``Argon2PasswordHasher`` at the contract's parameters (2 hashing threads per process), for waves of 1, 2,
   4 and 8 concurrent logins. Each configuration runs in a fresh child process.
2. Time: the median and p99 of authenticating one request, with a secret key (hash + one lookup) and with
   an access token (JWT verify + one session lookup), on a migrated SQLite file or a fresh Postgres
   database; and the JWT verification alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

MEMORY_CHILD = """
import asyncio, sys
from micropay.adapters.security import Argon2PasswordHasher

def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

async def main(n):
    before = rss_kib()  # nothing hashed yet: the hasher's decoy and every block it keeps count
    hasher = Argon2PasswordHasher()
    encoded = await hasher.hash("a password of some length")
    for _ in range(3):  # three waves, so blocks kept by the pool's threads show up
        await asyncio.gather(*(hasher.verify(encoded, "a password of some length") for _ in range(n)))
    print(peak_kib() - before)

asyncio.run(main(int(sys.argv[1])))
"""


def memory() -> dict[str, float]:
    grown = {}
    for concurrent in (1, 2, 4, 8):
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, str(concurrent)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT / "src")},
        )
        grown[f"{concurrent}_concurrent_logins_peak_rss_growth_mib"] = round(int(out.stdout.strip()) / 1024, 1)
    return grown


async def timings(database_url: str, rounds: int) -> dict[str, float]:
    from tests.fakes.accounts import FakePasswordHasher

    from micropay.adapters.persistence import build_persistence, create_engine
    from micropay.adapters.persistence.account_directory import SqlaAccountDirectory
    from micropay.adapters.persistence.account_unit_of_work import SqlaAccountUnitOfWorkFactory
    from micropay.adapters.security import HmacRefreshTokenIssuer, PyJwtAccessTokenSigner
    from micropay.adapters.system import SecureIdGenerator, SystemClock
    from micropay.domain.use_cases.api_keys import Authenticate, CreateMerchant
    from micropay.domain.use_cases.sessions import AuthenticateSession, StartSession
    from micropay.domain.use_cases.users import CreateUser
    from micropay.entrypoints.accounts_provider import AccountsProvider  # noqa: F401 - the same adapters

    secret = b"bench-secret-bench-secret-bench-secret!!"
    engine = create_engine(database_url)
    persistence = build_persistence(engine)
    clock, ids = SystemClock(), SecureIdGenerator()
    accounts = SqlaAccountUnitOfWorkFactory(engine)
    directory = SqlaAccountDirectory(engine)
    signer = PyJwtAccessTokenSigner(secret)
    created = await CreateMerchant(persistence.uow_factory, clock, ids)("Bench", None)
    user = await CreateUser(accounts, persistence.uow_factory, FakePasswordHasher(), clock, ids)(
        created.merchant_id, f"bench-{ids.new_secret(6)}@example.com", "bench password", "owner"
    )
    issued = await StartSession(accounts, persistence.uow_factory, signer, HmacRefreshTokenIssuer(secret), clock, ids)(
        user
    )
    check = AuthenticateSession(signer, directory, clock)
    authenticate = Authenticate(persistence.tenant_directory, clock, check)
    key = created.keys["sandbox"].secret

    async def sample(credential: str) -> list[float]:
        for _ in range(50):
            await authenticate(credential)
        spent = []
        for _ in range(rounds):
            started = time.perf_counter()
            await authenticate(credential)
            spent.append((time.perf_counter() - started) * 1e6)
        return spent

    with_key = await sample(key)
    with_token = await sample(issued.access_token)
    started = time.perf_counter()
    for _ in range(rounds):
        signer.verify(issued.access_token, clock.now())
    jwt_only = (time.perf_counter() - started) / rounds * 1e6
    await engine.dispose()

    def p99(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.99) - 1]

    return {
        "secret_key_median_us": round(statistics.median(with_key)),
        "secret_key_p99_us": round(p99(with_key)),
        "access_token_median_us": round(statistics.median(with_token)),
        "access_token_p99_us": round(p99(with_token)),
        "jwt_verify_only_us": round(jwt_only, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="time on a fresh Postgres database (tests/pg.py)")
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    from tests import pg

    report: dict[str, object] = {"memory": memory()}
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = pg.migrated_sqlite_file(Path(scratch) / "bench.db")
        report["sqlite"] = asyncio.run(timings(sqlite, args.rounds))
    if args.postgres:
        with pg.postgres_database() as url:
            report["postgres"] = asyncio.run(timings(url, args.rounds))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
