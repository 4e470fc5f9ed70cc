from __future__ import annotations

import pytest

from tests.unit.use_cases.world import World


@pytest.fixture
def world() -> World:
    return World()
