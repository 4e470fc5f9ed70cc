"""List pagination (contract §3): newest first, both directions, no duplicates or gaps, status filter.

In process (one backend); the repositories page on both backends in ``tests/integration/persistence``, and
``tests/e2e/test_pagination.py`` pages forward over the real server on each."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import Api, Merchant

COUNT = 25


@pytest.fixture
async def created(api: Api, merchant: Merchant) -> list[str]:
    """25 intents, in creation order (their ids sort by creation time)."""
    return [(await api.create_ok(merchant.sk_test, amount=100 * (n + 1)))["id"] for n in range(COUNT)]


async def page(api: Api, key: str, **params: Any) -> dict[str, Any]:
    response = await api.list_intents(key, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["object"] == "list"
    return body


async def test_paging_forward_visits_every_intent_once_newest_first(
    api: Api, merchant: Merchant, created: list[str]
) -> None:
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


async def test_paging_backward_visits_every_intent_once(api: Api, merchant: Merchant, created: list[str]) -> None:
    oldest_page = await page(api, merchant.sk_test, limit=10, starting_after=created[5])
    assert [i["id"] for i in oldest_page["data"]] == list(reversed(created[:5]))
    assert oldest_page["has_more"] is False

    seen: list[str] = []
    flags: list[bool] = []
    cursor = created[0]
    while True:
        body = await page(api, merchant.sk_test, limit=10, ending_before=cursor)
        ids = [intent["id"] for intent in body["data"]]
        seen = ids + seen
        flags.append(body["has_more"])
        if not body["has_more"]:
            break
        cursor = ids[0]

    assert seen == list(reversed(created[1:]))
    assert flags == [True, True, False]


async def test_the_default_limit_is_10_and_100_is_allowed(api: Api, merchant: Merchant, created: list[str]) -> None:
    default = await page(api, merchant.sk_test)
    everything = await page(api, merchant.sk_test, limit=100)

    assert len(default["data"]) == 10
    assert default["has_more"] is True
    assert len(everything["data"]) == COUNT
    assert everything["has_more"] is False


async def test_the_status_filter(api: Api, merchant: Merchant) -> None:
    kept = [(await api.create_ok(merchant.sk_test))["id"] for _ in range(3)]
    canceled = [(await api.create_ok(merchant.sk_test))["id"] for _ in range(2)]
    for intent_id in canceled:
        assert (await api.cancel(merchant.sk_test, intent_id)).status_code == 200

    only_canceled = await page(api, merchant.sk_test, status="canceled")
    only_open = await page(api, merchant.sk_test, status="requires_payment_method", limit=2)
    none_succeeded = await page(api, merchant.sk_test, status="succeeded")

    assert [i["id"] for i in only_canceled["data"]] == list(reversed(canceled))
    assert {i["status"] for i in only_canceled["data"]} == {"canceled"}
    assert [i["id"] for i in only_open["data"]] == list(reversed(kept))[:2]
    assert only_open["has_more"] is True
    assert none_succeeded == {**none_succeeded, "data": [], "has_more": False}


async def test_reads_its_own_writes(api: Api, merchant: Merchant) -> None:
    for n in range(3):
        created = await api.create_ok(merchant.sk_test, metadata={"n": str(n)})
        newest = (await page(api, merchant.sk_test, limit=1))["data"][0]
        assert newest["id"] == created["id"]
        assert newest["metadata"] == {"n": str(n)}
        canceled = await api.cancel(merchant.sk_test, created["id"])
        assert (await page(api, merchant.sk_test, limit=1))["data"][0]["status"] == canceled.json()["status"]
        assert (await api.intent(merchant.sk_test, created["id"]))["status"] == "canceled"


async def test_list_items_omit_the_client_secret(api: Api, merchant: Merchant) -> None:
    created = await api.create_ok(merchant.sk_test)

    listed = (await page(api, merchant.sk_test))["data"][0]

    assert created["client_secret"]
    assert listed["client_secret"] is None
