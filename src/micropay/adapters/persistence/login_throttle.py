"""Failed-login bookkeeping on SQL: one row per throttled email hash, updated under a row lock."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from micropay.adapters.persistence.errors import storage_errors
from micropay.adapters.persistence.rows import LOGIN_THROTTLE
from micropay.domain.model import login_throttle
from micropay.domain.model.login_throttle import ThrottleState
from micropay.ports.login_throttle import LoginThrottle

_C = LOGIN_THROTTLE.c
_GET: Final = select(LOGIN_THROTTLE).where(_C.key == bindparam("t_key"))
_INSERT: Final = insert(LOGIN_THROTTLE)
_UPDATE: Final = update(LOGIN_THROTTLE).where(_C.key == bindparam("t_key"))
_DELETE: Final = delete(LOGIN_THROTTLE).where(_C.key == bindparam("t_key"))
# Takes the row's write lock first (SQLite: the database's), so the read after it sees every earlier failure.
_LOCK: Final = update(LOGIN_THROTTLE).where(_C.key == bindparam("t_key")).values(updated=_C.updated)


def _to_state(row: Any) -> ThrottleState:
    return ThrottleState(
        recent=tuple(float(t) for t in row["recent"]), failures=row["failures"], locked_until=row["locked_until"]
    )


def _values(state: ThrottleState, now: float) -> dict[str, Any]:
    return {
        "recent": list(state.recent),
        "failures": state.failures,
        "locked_until": state.locked_until,
        "updated": now,
    }


class SqlaLoginThrottle(LoginThrottle):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def state(self, key: str) -> ThrottleState | None:
        with storage_errors("read the login throttle"):
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                row = (await connection.execute(_GET, {"t_key": key})).mappings().first()
        return _to_state(row) if row is not None else None

    async def record_failure(self, key: str, now: float) -> ThrottleState:
        with storage_errors("count a failed login"):
            for _ in range(3):  # a lost race to insert the first row: go again, the row now exists
                try:
                    async with self._engine.begin() as connection:
                        return await self._apply(connection, key, now)
                except IntegrityError:
                    continue
        raise RuntimeError("the login throttle row could neither be inserted nor updated")  # pragma: no cover

    async def _apply(self, connection: AsyncConnection, key: str, now: float) -> ThrottleState:
        locked = await connection.execute(_LOCK, {"t_key": key})
        if locked.rowcount == 0:
            state = login_throttle.after_failure(None, now)
            await connection.execute(_INSERT, {"key": key, **_values(state, now)})
            return state
        row = (await connection.execute(_GET, {"t_key": key})).mappings().one()
        state = login_throttle.after_failure(_to_state(row), now)
        await connection.execute(_UPDATE, {"t_key": key, **_values(state, now)})
        return state

    async def clear(self, key: str) -> None:
        with storage_errors("clear the login throttle"):
            async with self._engine.begin() as connection:
                await connection.execute(_DELETE, {"t_key": key})
