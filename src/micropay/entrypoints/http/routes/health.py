"""``/healthz`` (process alive) and ``/readyz`` (database reachable; Daraja circuit states).

With read replicas (``MICROPAY_DATABASE_REPLICA_URLS``), ``/readyz`` also reports each replica, and while
the primary is unreachable but a replica answers it says ``read_only`` (200: reads are served, writes answer
503 ``storage_unavailable``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Response, get

from micropay.adapters.persistence.replicas import ReadRouter
from micropay.entrypoints.http.openapi_models import ANONYMOUS, Status, ok
from micropay.entrypoints.http.request_context import current_request_id
from micropay.entrypoints.http.routes._responses import json_response
from micropay.ports.errors import StorageUnavailable


class Readiness:
    """What /readyz checks: a database ping, and the circuit breakers' states."""

    def __init__(
        self,
        ping: Callable[[], Awaitable[None]],
        circuits: Callable[[], Mapping[str, str]],
        router: ReadRouter | None = None,
    ) -> None:
        self._ping = ping
        self._circuits = circuits
        self._router = router

    async def report(self) -> tuple[bool, dict[str, Any]]:
        try:
            await self._ping()
            database = "ok"
        except StorageUnavailable:
            database = "unavailable"
        status = "ready" if database == "ok" else "unavailable"
        replicas: dict[str, str] | None = None
        if self._router is not None:
            if database == "ok":
                self._router.primary_answered()
            else:
                self._router.primary_failed()
                await self._router.check()  # the replicas' state now, not as of the last check
                if self._router.mode == "read_only":
                    status = "read_only"
            replicas = self._router.replica_states()
        body: dict[str, Any] = {"status": status, "database": database, "daraja": dict(self._circuits())}
        if replicas is not None:
            body["replicas"] = replicas
        return status != "unavailable", body


@get(
    "/healthz",
    tags=["Operations"],
    summary="Liveness",
    security=ANONYMOUS,
    responses={200: ok(Status, "The process is alive")},
)
async def healthz() -> Response[bytes]:
    return json_response({"status": "ok"})


@get(
    "/readyz",
    tags=["Operations"],
    summary="Readiness: database and Daraja circuits",
    security=ANONYMOUS,
    responses={
        200: ok(Status, "Ready, or read_only (the primary is down, a replica serves reads)"),
        503: ok(Status, "The database is unreachable"),
    },
)
@inject
async def readyz(readiness: FromDishka[Readiness]) -> Response[bytes]:
    ready, body = await readiness.report()
    if not ready:
        body["error"] = {
            "type": "api_error",
            "code": "storage_unavailable",
            "message": "The database is unreachable.",
            "request_id": current_request_id(),
        }
    response = json_response(body, 200 if ready else 503)
    if not ready:
        response.headers["Retry-After"] = "1"
    return response


ROUTES = [healthz, readyz]
