"""List pagination over the real server on each backend (contract §3): forward, newest first, no duplicates
or gaps. Both directions, the default limit, the status filter and read-your-writes run in process
(``tests/integration/http/test_pagination.py``, whose helpers these are)."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import Api, Merchant
from tests.integration.http.test_pagination import COUNT, page


async def test_paging_forward_visits_every_intent_once_newest_first(api: Api, merchant: Merchant) -> None:
    created = [(await api.create_ok(merchant.sk_test, amount=100 * (n + 1)))["id"] for n in range(COUNT)]
    seen: list[str] = []
    more_flags: list[bool] = []
    params: dict[str, Any] = {"limit": 10}
    while True:
        body = await page(api, merchant.sk_test, **params)
        seen += [intent["id"] for intent in body["data"]]
        more_flags.append(body["has_more"])
        if not body["has_more"]:
            break
        params = {"limit": 10, "starting_after": body["data"][-1]["id"]}

    assert seen == list(reversed(created))
    assert more_flags == [True, True, False]
