"""Translation of library and driver failures into ``StorageUnavailable`` at the adapter edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from micropay.ports.errors import StorageUnavailable

#: What a dead, unreachable or overloaded database looks like from here. ``OSError`` covers refused and reset
#: connections (the drivers raise them unwrapped while connecting), ``TimeoutError`` the connect timeout.
_STORAGE_FAILURES = (SQLAlchemyError, OSError, TimeoutError)


@contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Re-raise any database failure as ``StorageUnavailable`` (the cause stays chained, never in the message).

    Integrity errors are not translated: those we expect are handled where they occur, any other is a bug.
    """
    try:
        yield
    except IntegrityError:
        raise
    except _STORAGE_FAILURES as exc:
        raise StorageUnavailable(f"The database failed while trying to {action} ({type(exc).__name__}).") from exc
