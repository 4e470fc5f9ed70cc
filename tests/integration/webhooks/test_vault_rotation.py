"""``micropay vault rotate`` re-seals webhook secrets too: after it, the old master key is no longer needed."""

from __future__ import annotations

import base64
import os
import time

import pytest
from standardwebhooks import Webhook

from micropay.adapters.persistence.webhook_secret_directory import SqlaWebhookSecretDirectory
from micropay.adapters.vault import AesGcmVault, load_master_keys
from micropay.adapters.webhooks.standard_webhooks import encode_secret
from micropay.domain.use_cases.webhooks.deliver import AttemptDelivery
from micropay.domain.use_cases.webhooks.endpoints import RotateEndpointSecret
from micropay.domain.use_cases.webhooks.rotate_vault import RotateWebhookSecrets
from tests.integration.webhooks.conftest import WebhookWorld
from tests.integration.webhooks.receiver import running_receiver

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


async def test_rotation_reseals_every_live_secret_under_the_new_key(world: WebhookWorld) -> None:
    world.clock.set(time.time())
    with running_receiver() as receiver:
        created = await world.register(receiver.url)
        rotated = await RotateEndpointSecret(world.uow, world.vault, world.clock, world.random)(
            world.tenant, created.endpoint.id, 3600
        )  # two secrets, both under the old master key
        new_key = base64.b64encode(os.urandom(32)).decode()
        during = AesGcmVault(load_master_keys(new_key, world.vault_key))
        directory = SqlaWebhookSecretDirectory(world.engine)
        assert world.tenant in await directory.tenants_with_secrets_not_under(during.current_key_id)

        assert await RotateWebhookSecrets(world.uow, directory, during)() == 2
        assert await RotateWebhookSecrets(world.uow, directory, during)() == 0  # resumable: nothing left
        assert world.tenant not in await directory.tenants_with_secrets_not_under(during.current_key_id)

        after = AesGcmVault(load_master_keys(new_key, None))  # the old key is gone
        attempt = AttemptDelivery(world.uow, after, world.sender, world.clock, world.random, world.policy)
        world.attempt = attempt
        await world.emit()
        assert await world.dispatcher().run_once() == 1
        [request] = receiver.requests()
    for secret in (created.secret, rotated.secret):
        Webhook(encode_secret(secret)).verify(request.body, request.headers)
