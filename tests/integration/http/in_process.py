"""The in-process stack: the app under Litestar's test client, and the e2e ``Stack``'s merchant helpers."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from micropay.domain.use_cases.api_keys import CreateMerchant, MerchantCreated
from micropay.domain.use_cases.users import CreateUser
from micropay.entrypoints.settings import Settings
from tests.e2e.client import check_response
from tests.e2e.harness import RecordingTokenIssuer

#: no host of this machine: the simulator's callbacks to it go nowhere (someone else's server may be on :8000)
BASE_URL = "http://testserver.local"


class InProcessStack:
    """The app under a test client (no server), its settings, and the e2e ``Stack``'s merchant helpers."""

    backend = "sqlite"

    def __init__(self, client: TestClient[Litestar], settings: Settings, tokens: RecordingTokenIssuer) -> None:
        self.client = client
        self.app = client.app
        self.settings = settings
        self.tokens = tokens

    def http(self) -> AsyncTestClient[Litestar]:
        """A new async client (its own cookies) that runs requests in the session's app, in its loop."""
        async_client: AsyncTestClient[Litestar] = AsyncTestClient(self.app, base_url=BASE_URL)
        # the session client's portal: the app, its lifespan and its connections live in that loop
        async_client.blocking_portal = self.client.blocking_portal
        async_client.event_hooks = {"response": [check_response]}
        return async_client

    def _in_app(self, function: Any, *args: Any) -> Any:
        return self.client.blocking_portal.call(function, *args)

    async def create_merchant(self, name: str = "E2E Shop") -> MerchantCreated:
        """``CreateMerchant`` run inside the app's own container (and loop): the keys are shown once."""

        async def create() -> MerchantCreated:
            async with self.app.state.dishka_container() as request:
                use_case = await request.get(CreateMerchant)
                created: MerchantCreated = await use_case(name, "owner@example.com")
                return created

        created: MerchantCreated = self._in_app(create)
        return created

    async def create_user(self, merchant_id: str, email: str, password: str, role: str = "owner") -> str:
        """``CreateUser`` inside the app's container (as ``micropay users create`` does); the user's id."""

        async def create() -> str:
            async with self.app.state.dishka_container() as request:
                user = await (await request.get(CreateUser))(merchant_id, email, password, role)
                return user.id

        user_id: str = self._in_app(create)
        return user_id
