"""``/healthz`` (process alive) and ``/readyz`` (database reachable; Daraja circuit states)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Response, get

from micropay.entrypoints.http.openapi_models import ANONYMOUS, Status, ok
from micropay.entrypoints.http.request_context import current_request_id
from micropay.entrypoints.http.routes._responses import json_response
from micropay.ports.errors import StorageUnavailable


class Readiness:
    """What /readyz checks: a database ping, and the circuit breakers' states."""

    def __init__(self, ping: Callable[[], Awaitable[None]], circuits: Callable[[], Mapping[str, str]]) -> None:
        self._ping = ping
        self._circuits = circuits

    async def report(self) -> tuple[bool, dict[str, Any]]:
        try:
            await self._ping()
            database = "ok"
        except StorageUnavailable:
            database = "unavailable"
        ready = database == "ok"
        return ready, {
            "status": "ready" if ready else "unavailable",
            "database": database,
            "daraja": dict(self._circuits()),
        }


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
    responses={200: ok(Status, "Ready"), 503: ok(Status, "The database is unreachable")},
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
