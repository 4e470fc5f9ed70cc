"""A dashboard session does what the environment's secret key does, over the real server on each backend.

The sandbox scenario only; both environments, and the check that the scenario covers every authenticated
route, run in process (``tests/integration/http/test_session_matrix.py``, whose scenario this reuses).
"""

from __future__ import annotations

import httpx

from tests.e2e.client import Merchant
from tests.e2e.harness import Stack
from tests.e2e.sessions_client import PASSWORD, log_in, unique_email
from tests.integration.http.test_session_matrix import scenario


async def test_a_session_does_what_the_sandbox_secret_key_does(http: httpx.AsyncClient, stack: Stack) -> None:
    by_key = Merchant.of(await stack.create_merchant("Matrix by key"))
    by_session = Merchant.of(await stack.create_merchant("Matrix by session"))
    email = unique_email("matrix")
    await stack.create_user(by_session.id, email, PASSWORD, "owner")
    tokens = await log_in(http, email)

    with_key = await scenario(http, {"Authorization": f"Bearer {by_key.sk_test}"}, False)
    with_session = await scenario(http, {"Authorization": f"Bearer {tokens['access_token']}"}, False)

    assert with_session == with_key
    assert dict(with_key)["POST /v1/payment_intents"] == (201, False)
    # the push stays processing (254711000098), so cancel is refused
    assert dict(with_key)["POST /v1/payment_intents/{intent_id}/confirm"] == (200, False)
    assert dict(with_key)["POST /v1/payment_intents/{intent_id}/cancel"] == (409, "intent_unexpected_state")
