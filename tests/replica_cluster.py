"""A throwaway primary and its streaming replica, for the read-replica tests.

The machine's shared Postgres (127.0.0.1:5432) is never touched: this makes a cluster of its own with
``initdb`` in a temporary directory (trust auth, loopback only, ``wal_level=replica``), migrates a database
on it, takes a ``pg_basebackup -R`` of it into a second directory and starts that as a hot standby on
another free port. The tests may stop and start either. Both are stopped (``immediate``) and their
directories removed on the way out, also when the test fails.

Binaries: the newest ``/usr/lib/postgresql/<version>/bin`` (Debian's packages), else ``pg_config
--bindir``, else ``$PATH``. Postgres refuses to run as root: as root, every command runs as the ``postgres``
system user (which the Debian packages create) through ``runuser``.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from micropay.adapters.persistence import upgrade

DATABASE = "micropay"
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to completion, also when called from a coroutine (then on a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())


def postgres_bindir() -> Path | None:
    """Where ``initdb``, ``pg_ctl`` and ``pg_basebackup`` are, or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres")):
            return bindir
    if shutil.which("pg_config"):
        bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "initdb").is_file() and (bindir / "pg_basebackup").is_file():
            return bindir
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and (Path(initdb).parent / "pg_basebackup").is_file() else None


def unavailable_reason() -> str | None:
    if postgres_bindir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): install the postgresql package"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' system user to run the throwaway cluster as"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class ReplicaCluster:
    def __init__(self, root: Path, bindir: Path) -> None:
        self.root = root
        self.bindir = bindir
        self.primary_dir = root / "primary"
        self.replica_dir = root / "replica"
        self.sockets = root / "sockets"
        self.primary_port = free_port()
        self.replica_port = free_port()

    @property
    def primary_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.primary_port}/{DATABASE}"

    @property
    def replica_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.replica_port}/{DATABASE}"

    def dsn(self, port: int, database: str = DATABASE) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def _options(self, port: int) -> str:
        return f"-p {port} -k {self.sockets} -c listen_addresses=127.0.0.1"

    def _start(self, data: Path, port: int, name: str) -> None:
        log = str(self.root / f"{name}.log")
        try:
            self._run("pg_ctl", "-D", str(data), "-l", log, "-o", self._options(port), "-w", "-t", "60", "start")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.logs()}") from None

    def _stop(self, data: Path, mode: str) -> None:
        self._run("pg_ctl", "-D", str(data), "-m", mode, "-w", "-t", "60", "stop")

    def create(self) -> None:
        self.sockets.mkdir()
        _own(self.sockets)
        self._run(
            "initdb",
            "-D",
            str(self.primary_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--no-instructions",
            "-E",
            "UTF8",
            "--locale=C",
        )
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# micropay replica tests\nwal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n"
                "max_connections = 60\n"
            )
        with (self.primary_dir / "pg_hba.conf").open("a") as hba:
            hba.write("\nhost replication all 127.0.0.1/32 trust\n")
        self.start_primary()
        _run(self._create_database())
        upgrade(self.primary_url)
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.replica_dir),
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "--checkpoint=fast",
        )
        self.start_replica()
        self.wait_streaming()

    async def _create_database(self) -> None:
        connection = await asyncpg.connect(self.dsn(self.primary_port, "postgres"), timeout=10)
        try:
            await connection.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await connection.close()

    def start_primary(self) -> None:
        self._start(self.primary_dir, self.primary_port, "primary")

    def stop_primary(self) -> None:
        self._stop(self.primary_dir, "fast")

    def start_replica(self) -> None:
        self._start(self.replica_dir, self.replica_port, "replica")

    def stop_replica(self) -> None:
        self._stop(self.replica_dir, "fast")

    def wait_streaming(self, timeout: float = 60.0) -> None:
        """Until the primary has a streaming standby that replayed everything the primary wrote so far."""

        async def caught_up() -> bool:
            primary = await asyncpg.connect(self.dsn(self.primary_port), timeout=5)
            try:
                row = await primary.fetchrow(
                    "SELECT count(*) AS n, bool_and(replay_lsn >= pg_current_wal_lsn()) AS done"
                    " FROM pg_stat_replication WHERE state = 'streaming'"
                )
            finally:
                await primary.close()
            return bool(row and row["n"] and row["done"])

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if _run(caught_up()):
                    return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"the replica did not catch up:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in sorted(self.root.glob("*.log"))
        )

    def destroy(self) -> None:
        for data in (self.replica_dir, self.primary_dir):
            if (data / "postmaster.pid").exists():
                with suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._stop(data, "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _own(path: Path) -> None:
    """As root, hand ``path`` to the ``postgres`` user the servers run as."""
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(path, account.pw_uid, account.pw_gid)


@contextmanager
def replica_cluster() -> Iterator[ReplicaCluster]:
    bindir = postgres_bindir()
    assert bindir is not None, unavailable_reason()
    root = Path(tempfile.mkdtemp(prefix="micropay-replica-"))
    _own(root)
    cluster = ReplicaCluster(root, bindir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()
