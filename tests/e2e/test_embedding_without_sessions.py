"""An embedding service on Postgres without MICROPAY_JWT_SECRET still authenticates API keys."""

from __future__ import annotations

import pytest

from micropay.domain.errors import AuthenticationFailed
from micropay.entrypoints.embedded import embedded
from micropay.entrypoints.settings import Settings
from tests.e2e.harness import new_vault_key


async def test_api_keys_work_and_access_tokens_are_refused(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, vault_key=new_vault_key(), reconcile_interval=0)

    async with embedded(settings) as micropay:
        created = await micropay.create_merchant("Embedded", None)
        tenant = await micropay.authenticate(created.keys["sandbox"].secret)
        with pytest.raises(AuthenticationFailed):
            await micropay.authenticate("eyJhbGciOiJIUzI1NiJ9.e30.c2ln")

    assert tenant.merchant_id == created.merchant_id
    assert tenant.environment.value == "sandbox"
