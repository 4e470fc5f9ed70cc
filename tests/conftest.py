"""Shared database fixtures (Postgres and SQLite), for the integration and e2e tests.

- ``postgres_url``: a fresh database for the test session, migrated to head, dropped at the end. When the
  server is unreachable: skipped locally (one line says why), a failure under ``CI=true``.
- ``sqlite_url``: a migrated SQLite file of its own for each test (copied from a session template).
- ``database_url``: parametrise with ``indirect=True`` over ``"sqlite"`` / ``"postgres"`` to run a test on both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests import pg


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    pg.require_postgres()
    with pg.postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "micropay.db"
    pg.migrated_sqlite_file(path)
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return pg.copy_sqlite(sqlite_template, tmp_path / "micropay.db")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database of the backend named by the parameter."""
    name = "postgres_url" if request.param == "postgres" else "sqlite_url"
    url: str = request.getfixturevalue(name)
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs Postgres with the registered ``postgres`` marker (``-m "not postgres"``
    runs the rest): tests that take ``postgres_url``, and the Postgres half of the backend-parametrised ones."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if "postgres_url" in names or "postgres" in params:
            item.add_marker(pytest.mark.postgres)


# Hypothesis profiles (docs/testing.md): ``pytest --hypothesis-profile=thorough`` gives every property test that
# does not pin its own ``max_examples`` ten times the default number of examples.
settings.register_profile("thorough", max_examples=1000, deadline=None)
