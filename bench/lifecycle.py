"""``make bench``: full payment lifecycles against the production server, and the raw-SQL ceiling.

Steps (about 75 s with the defaults; see docs/benchmarks.md for the method and the latest figures):

1. a fresh Postgres database, migrated by ``micropay db upgrade``, and a merchant (``micropay merchants
   create``); an instant fake Daraja inside this process;
2. the API as in production, ``micropay serve --workers N`` (uvicorn, uvloop, httptools), pinned to the
   server CPUs; this process (load generator and fake Daraja) pinned to the other CPUs; process start to
   the first /healthz 200 is timed;
3. warm-up, then lifecycles closed-loop at a fixed concurrency for a fixed time (the peak rate), then
   open-loop at half that rate (the latency target's load);
4. the server is stopped; the same lifecycle as raw SQL on asyncpg, same concurrency, pinned to the
   server CPUs (the database's ceiling on this machine);
5. a table on stdout, the JSON in bench/results/<timestamp>.json; the database is dropped.

``--profile`` runs the closed-loop phase only, with the server under pyinstrument (bench/profile_server.py),
and writes the reports next to the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fake_daraja import FakeDaraja
from _load import Lifecycles, Samples, VirtualUser, closed_loop, fixed_rate
from _minimal_sql import minimal_closed_loop
from _procs import (
    ADMIN_DSN,
    Server,
    api_environment,
    app_dsn,
    core_times,
    cpu_seconds,
    create_database,
    create_merchant,
    drop_database,
    memory_kib,
    micropay,
    pin,
    postgres_cpu,
    postgres_settings,
    raw_dsn,
)
from _raw_sql import open_pool, raw_closed_loop
from _receiver import WebhookReceiver, register_endpoint
from _report import render, summarize, targets, write_json

from micropay.domain.model.api_keys import hash_key

BENCH_DIR = Path(__file__).resolve().parent
#: peak: closed loop; half: open loop at half the peak rate; wait: closed loop with one wait per lifecycle;
#: webhook: closed loop with one enabled endpoint (deliveries drained and counted); replica: raw SQL of what
#: the API sends; minimal: the hand-written three-transaction lifecycle (and with delivery rows, if webhook ran).
PHASES = ("peak", "half", "wait", "webhook", "replica", "minimal")
RESULTS_DIR = BENCH_DIR / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Micropay lifecycle benchmark (issue #7).")
    parser.add_argument("--concurrency", type=int, default=16, help="virtual users in the closed-loop phases")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the closed-loop API phase")
    parser.add_argument("--half-duration", type=float, default=12.0, help="seconds at half the peak rate")
    parser.add_argument("--raw-duration", type=float, default=12.0, help="seconds of each ceiling phase")
    parser.add_argument("--variant-duration", type=float, default=12.0, help="seconds of each variant phase")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated phases to run, in this order: {','.join(PHASES)} (peak always runs)",
    )
    parser.add_argument(
        "--db-pool-size", type=int, help="MICROPAY_DB_POOL_SIZE for the API (default: the product's default)"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--server-cpus", default="0", help="CPUs for the API (and the raw-SQL client)")
    parser.add_argument("--load-cpus", default="1", help="CPUs for the load generator and fake Daraja")
    parser.add_argument(
        "--postgres-cpus", default="1", help="CPUs for this run's Postgres backends ('' leaves them unpinned)"
    )
    parser.add_argument("--profile", action="store_true", help="profile the server (closed-loop phase only)")
    parser.add_argument(
        "--profile-webhook",
        action="store_true",
        help="with --profile: register the webhook endpoint first, so the profiled phase includes the dispatcher",
    )
    return parser


def _cpus(text: str) -> set[int]:
    return {int(part) for part in text.split(",") if part.strip()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR, check=False
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(int(meminfo[1]) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "git_commit": commit.stdout.strip() or None,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


async def _backend_pids(database: str) -> list[int]:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        rows = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


async def _sessions(database: str) -> int:
    """Sessions ever opened to ``database`` (Postgres counts them as they end): connection churn."""
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        count = await connection.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", database)
    finally:
        await connection.close()
    return int(count or 0)


class CpuMeter:
    """Over a phase: each CPU's busy fraction, and the share of one core used by the API workers, this
    process, this run's Postgres backends, and all ``postgres`` processes (other databases' work included)."""

    def __init__(self, database: str, server_pids: list[int]) -> None:
        self._database = database
        self._server_pids = server_pids

    async def start(self) -> None:
        self._sessions = await _sessions(self._database)
        self._backends = {pid: _cpu_or_zero(pid) for pid in await _backend_pids(self._database)}
        self._wall = time.perf_counter()
        self._self = time.process_time()
        self._server = sum(cpu_seconds(pid) for pid in self._server_pids)
        self._postgres = postgres_cpu()
        self._cores = core_times()

    async def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._wall
        cores, postgres_now = core_times(), postgres_cpu()
        result = {
            "bench_process": (time.process_time() - self._self) / wall,
            "postgres_bench_db": sum(
                _cpu_or_zero(pid) - self._backends.get(pid, 0.0) for pid in await _backend_pids(self._database)
            )
            / wall,
            "postgres_all": sum(seconds - self._postgres.get(pid, 0.0) for pid, seconds in postgres_now.items()) / wall,
        }
        result["postgres_sessions_opened"] = await _sessions(self._database) - self._sessions
        if self._server_pids:
            result["api_workers"] = (sum(cpu_seconds(pid) for pid in self._server_pids) - self._server) / wall
        for cpu, (idle, total) in cores.items():
            result[f"cpu{cpu}_busy"] = 1 - (idle - self._cores[cpu][0]) / max(1e-9, total - self._cores[cpu][1])
        return {key: round(value, 2) if isinstance(value, float) else value for key, value in result.items()}


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:
        return 0.0


async def _wait_for_file(path: Path, seconds: float) -> None:
    """The profiler writes its reports after SIGUSR2; the HTML one is written last."""
    for _ in range(int(seconds / 0.2)):
        if await asyncio.to_thread(path.exists):
            return
        await asyncio.sleep(0.2)


async def _sample_rss(pids: list[int], peaks: dict[int, int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for pid in pids:
            peaks[pid] = max(peaks.get(pid, 0), memory_kib(pid)[1])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


def _per_lifecycle(result: dict[str, Any], phase: str, cpu_key: str, source: str) -> None:
    """ms of CPU per finished lifecycle of ``phase`` for the process group ``source`` (e.g. ``api_workers``)."""
    shares, figures = result.get("cpu", {}).get(cpu_key, {}), result.get(phase, {})
    if source in shares and figures.get("lifecycles"):
        figures[f"{source}_cpu_ms_per_lifecycle"] = round(
            shares[source] * figures["seconds"] * 1000 / figures["lifecycles"], 2
        )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server_cpus, load_cpus = _cpus(args.server_cpus), _cpus(args.load_cpus)
    postgres_cpus = _cpus(args.postgres_cpus)
    phases = {"peak", *(name.strip() for name in args.phases.split(",") if name.strip())}
    unknown = phases - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phases: {sorted(unknown)} (known: {', '.join(PHASES)})")
    pin(load_cpus)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    database = f"micropay_bench_{stamp.lower()}_{os.getpid()}"
    result: dict[str, Any] = {
        "timestamp": stamp,
        "command": " ".join(sys.argv),
        "machine": {**_machine(), "postgres": await postgres_settings(ADMIN_DSN)},
        "config": {**vars(args), "server": "uvicorn (micropay serve), uvloop + httptools", "daraja": "in-bench fake"},
    }
    await create_database(ADMIN_DSN, database)
    daraja, receiver = FakeDaraja(), WebhookReceiver()
    server: Server | None = None
    log_path = RESULTS_DIR / f"{stamp}-server.log"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    try:
        await daraja.start()
        await receiver.start()
        port = _free_port()
        env = api_environment(app_dsn(ADMIN_DSN, database), f"http://127.0.0.1:{port}", daraja.url)
        env["MICROPAY_WEBHOOKS_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
        if args.db_pool_size is not None:
            env["MICROPAY_DB_POOL_SIZE"] = str(args.db_pool_size)
        micropay("db", "upgrade", env=env)
        merchant_id, secret_key = create_merchant(env)
        if args.profile:
            out = str(RESULTS_DIR / f"{stamp}-profile")
            result["profile_reports"] = f"{out}-*.txt, {out}.html"
            command = [sys.executable, str(BENCH_DIR / "profile_server.py"), "--port", str(port), "--out", out]
        else:
            command = [sys.executable, "-m", "micropay.entrypoints.cli", "serve", "--port", str(port)]
            command += ["--workers", str(args.workers)]
        with log_path.open("wb") as log:
            server = Server(command, env, server_cpus, port, log)
            startup = await server.wait_healthy()
            result["startup"] = {"first_healthz_200_s": round(startup, 3)}
            api = ApiRun(args, result, server, daraja, receiver, secret_key, database, postgres_cpus, phases)
            await api.phases()
            server.stop()
            server = None
        if not args.profile:
            await _ceiling_phases(args, result, database, merchant_id, secret_key, server_cpus, postgres_cpus, phases)
            pin(load_cpus)
            _ratios(result)
            result["targets"] = targets(result)
    finally:
        if server is not None:
            server.stop()
        await daraja.close()
        await receiver.close()
        await drop_database(ADMIN_DSN, database)
    result["server_log"] = str(log_path.relative_to(BENCH_DIR.parent))
    return result


def _ratios(result: dict[str, Any]) -> None:
    """The API's lifecycles/s over each same-run ceiling, and each variant's added cost."""
    peak = result["api_peak"]["lifecycles_per_s"]
    for key, ceiling in (("api_to_raw_ratio", "raw_sql"), ("api_to_minimal_ratio", "minimal_sql")):
        rate = result.get(ceiling, {}).get("lifecycles_per_s")
        result[key] = round(peak / rate, 3) if rate else None
    webhook, minimal_webhook = result.get("api_webhook"), result.get("minimal_sql_webhook")
    if webhook and minimal_webhook and minimal_webhook.get("lifecycles_per_s"):
        result["api_webhook_to_minimal_webhook_ratio"] = round(
            webhook["lifecycles_per_s"] / minimal_webhook["lifecycles_per_s"], 3
        )
    base_ms = result["api_peak"].get("api_workers_cpu_ms_per_lifecycle")
    costs = {}
    for name in ("api_wait", "api_webhook"):
        variant = result.get(name)
        if not variant:
            continue
        ms = variant.get("api_workers_cpu_ms_per_lifecycle")
        costs[name] = {
            "lifecycles_per_s_delta": round(variant["lifecycles_per_s"] - peak, 1),
            "lifecycles_per_s_ratio": round(variant["lifecycles_per_s"] / peak, 3) if peak else None,
            "added_api_cpu_ms_per_lifecycle": round(ms - base_ms, 2) if ms is not None and base_ms else None,
        }
    result["variant_costs"] = costs


async def _ceiling_phases(
    args: argparse.Namespace,
    result: dict[str, Any],
    database: str,
    merchant_id: str,
    secret_key: str,
    server_cpus: set[int],
    postgres_cpus: set[int],
    phases: set[str],
) -> None:
    """The ceilings: their client on the server's CPUs, its backends where the API's were."""
    pin(server_cpus)
    pool = await open_pool(raw_dsn(ADMIN_DSN, database), args.concurrency)
    concurrency, seconds = args.concurrency, args.raw_duration
    try:
        await _pin_backends(database, postgres_cpus, result)
        meter = CpuMeter(database, [])
        runs: list[tuple[str, Callable[[], Awaitable[tuple[Samples, float]]]]] = []
        if "replica" in phases:
            key_hash = hash_key(secret_key)
            runs.append(("raw_sql", lambda: raw_closed_loop(pool, merchant_id, key_hash, concurrency, seconds)))
        if "minimal" in phases:
            runs.append(("minimal_sql", lambda: minimal_closed_loop(pool, merchant_id, concurrency, seconds)))
            endpoint = result.get("webhook_endpoint_id")
            if endpoint:
                runs.append(
                    (
                        "minimal_sql_webhook",
                        lambda: minimal_closed_loop(pool, merchant_id, concurrency, seconds, endpoint),
                    )
                )
        for name, phase in runs:
            await meter.start()
            samples, elapsed = await phase()
            result.setdefault("cpu", {})[name] = await meter.stop()
            result[name] = summarize(samples, elapsed)
            _per_lifecycle(result, name, name, "bench_process")
            _per_lifecycle(result, name, name, "postgres_bench_db")
    finally:
        await pool.close()


async def _pin_backends(database: str, cpus: set[int], result: dict[str, Any]) -> None:
    """Pin this database's Postgres backends to ``cpus`` (none: leave them to the scheduler)."""
    if not cpus:
        return
    for pid in await _backend_pids(database):
        try:
            os.sched_setaffinity(pid, cpus)
        except PermissionError:
            result["postgres_pinning"] = "not permitted (run as root or the postgres user to pin backends)"
            return
        except ProcessLookupError:
            continue
    result.setdefault("postgres_pinning", f"backends of the bench database pinned to CPUs {sorted(cpus)}")


async def _keep_backends_pinned(database: str, cpus: set[int], result: dict[str, Any], stop: asyncio.Event) -> None:
    """The API's pool opens connections lazily: pin the new backends as they appear."""
    while not stop.is_set():
        await _pin_backends(database, cpus, result)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


class ApiRun:
    """The API phases against one running server: peak, half rate, and the wait and webhook variants."""

    def __init__(
        self,
        args: argparse.Namespace,
        result: dict[str, Any],
        server: Server,
        daraja: FakeDaraja,
        receiver: WebhookReceiver,
        key: str,
        database: str,
        postgres_cpus: set[int],
        phases: set[str],
    ) -> None:
        self.args, self.result, self.server, self.daraja, self.receiver = args, result, server, daraja, receiver
        self.key, self.database, self.postgres_cpus, self.selected = key, database, postgres_cpus, phases
        self.workers = server.worker_pids()
        self.meter = CpuMeter(database, self.workers)

    async def phases(self) -> None:
        args, result = self.args, self.result
        peaks: dict[int, int] = {}
        stop_sampling = asyncio.Event()
        sampler = asyncio.create_task(_sample_rss(self.workers, peaks, stop_sampling))
        pinner = asyncio.create_task(_keep_backends_pinned(self.database, self.postgres_cpus, result, stop_sampling))
        users = [VirtualUser(self.server.port, self.key) for _ in range(args.concurrency)]
        lifecycles = Lifecycles(self.daraja)
        try:
            if args.profile and args.profile_webhook:
                result["webhook_endpoint_id"] = await register_endpoint(users[0], self.receiver.url)
            await closed_loop(users, lifecycles, args.warmup)
            if args.profile:
                self.server.process.send_signal(signal.SIGUSR1)
            await self._closed("api_peak", users, lifecycles, args.duration)
            if args.profile:
                self.server.process.send_signal(signal.SIGUSR2)
                await _wait_for_file(RESULTS_DIR / f"{result['timestamp']}-profile.html", 60.0)
                return
            if "half" in self.selected:
                rate = result["api_peak"]["lifecycles_per_s"] / 2
                await self.meter.start()
                port = self.server.port
                half, elapsed = await fixed_rate(port, self.key, lifecycles, rate, args.half_duration, users)
                result["api_half_rate"] = {"target_rate_per_s": round(rate, 1), **summarize(half, elapsed)}
                result["cpu"]["api_half_rate"] = await self.meter.stop()
            if "wait" in self.selected:
                await self._closed("api_wait", users, Lifecycles(self.daraja, wait=True), args.variant_duration)
            if "webhook" in self.selected:
                await self._webhook_phase(users, lifecycles)
        finally:
            stop_sampling.set()
            await sampler
            await pinner
            await asyncio.gather(*(user.close() for user in users))
            current = {pid: memory_kib(pid)[0] for pid in self.workers if self.server.process.poll() is None}
            result["workers"] = [
                {
                    "pid": pid,
                    "peak_rss_mib": round(peaks.get(pid, 0) / 1024, 1),
                    "rss_after_load_mib": round(current.get(pid, 0) / 1024, 1),
                }
                for pid in self.workers
            ]

    async def _closed(self, name: str, users: list[VirtualUser], lifecycles: Lifecycles, seconds: float) -> None:
        await self.meter.start()
        samples, elapsed = await closed_loop(users, lifecycles, seconds)
        self.result[name] = summarize(samples, elapsed)
        self.result.setdefault("cpu", {})[name] = await self.meter.stop()
        _per_lifecycle(self.result, name, name, "api_workers")

    async def _webhook_phase(self, users: list[VirtualUser], lifecycles: Lifecycles) -> None:
        """One enabled endpoint (every event type) at the loopback receiver; the closed loop runs, then the
        dispatcher's backlog is drained (its CPU counted in the phase) and every delivery is checked."""
        result = self.result
        endpoint = await register_endpoint(users[0], self.receiver.url)
        result["webhook_endpoint_id"] = endpoint
        await self.meter.start()
        started = time.perf_counter()
        samples, elapsed = await closed_loop(users, lifecycles, self.args.variant_duration)
        events = await _count(self.database, "SELECT count(*) FROM micropay_events WHERE pending_webhooks > 0")
        drain = await self.receiver.wait_for(events, 60.0)
        total = time.perf_counter() - started
        result["api_webhook"] = summarize(samples, elapsed)
        result.setdefault("cpu", {})["api_webhook"] = cpu = await self.meter.stop()
        # The CPU of the phase and of the drain after it, charged to the lifecycles of the phase.
        if samples.lifecycles and "api_workers" in cpu:
            result["api_webhook"]["api_workers_cpu_ms_per_lifecycle"] = round(
                cpu["api_workers"] * total * 1000 / samples.lifecycles, 2
            )
        result["api_webhook"]["webhooks"] = {
            "events_with_deliveries": events,
            "deliveries_received": self.receiver.received,
            "distinct_webhook_ids": len(self.receiver.webhook_ids),
            "by_type": dict(self.receiver.types),
            "drain_after_phase_s": round(drain, 2),
            "undelivered": await _count(
                self.database, "SELECT count(*) FROM micropay_webhook_deliveries WHERE status <> 'succeeded'"
            ),
        }
        # The endpoint stays (the minimal ceiling's delivery rows refer to it) but disabled from here on.
        status, _ = await users[0].api.request("POST", f"/v1/webhook_endpoints/{endpoint}", b'{"disabled": true}')
        result["api_webhook"]["webhooks"]["disabled_after"] = status == 200


async def _count(database: str, query: str) -> int:
    connection = await asyncpg.connect(raw_dsn(ADMIN_DSN, database))
    try:
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


def main() -> int:
    args = _parser().parse_args()
    started = time.perf_counter()
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    result["bench_wall_s"] = round(time.perf_counter() - started, 1)
    path = write_json(result, RESULTS_DIR, result["timestamp"])
    print(render(result))
    print(f"\nJSON: {path.relative_to(BENCH_DIR.parent)}   (bench took {result['bench_wall_s']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
