"""Get, list and the attempts log: tenant isolation, cursors and limits."""

from __future__ import annotations

import pytest

from micropay.domain.errors import InvalidParameter, ResourceMissing
from micropay.domain.model.environment import Tenant
from micropay.domain.model.intent import IntentStatus
from micropay.domain.model.provider import AttemptKind
from micropay.ports.intent_repository import IntentPageQuery
from tests.fakes import rejected
from tests.unit.use_cases.world import OTHER_SANDBOX, PRODUCTION, SANDBOX, World, callback_body


async def _five_intents(world: World) -> list[str]:
    """Oldest first, one second apart."""
    ids = []
    for _ in range(5):
        ids.append((await world.new_intent()).intent.id)
        world.clock.advance(1)
    return ids


async def test_get_returns_the_tenants_intent(world: World) -> None:
    created = await world.new_intent()

    assert await world.get_intent(SANDBOX, created.intent.id) == created.intent


async def test_get_with_the_matching_client_secret(world: World) -> None:
    created = await world.new_intent()

    got = await world.get_intent(SANDBOX, created.intent.id, client_secret=created.client_secret)

    assert got == created.intent


async def test_get_with_another_intents_client_secret_is_resource_missing(world: World) -> None:
    created = await world.new_intent()
    other = await world.new_intent()

    with pytest.raises(ResourceMissing):
        await world.get_intent(SANDBOX, created.intent.id, client_secret=other.client_secret)


@pytest.mark.parametrize("tenant", [PRODUCTION, OTHER_SANDBOX], ids=["other-environment", "other-merchant"])
async def test_get_of_another_tenants_intent_is_resource_missing(world: World, tenant: Tenant) -> None:
    created = await world.new_intent()

    with pytest.raises(ResourceMissing) as raised:
        await world.get_intent(tenant, created.intent.id)

    assert raised.value.object_id == created.intent.id
    assert raised.value.code == "resource_missing"


async def test_get_of_an_unknown_id_is_resource_missing(world: World) -> None:
    with pytest.raises(ResourceMissing):
        await world.get_intent(SANDBOX, "pi_doesnotexist")


async def test_list_is_newest_first_and_pages_with_starting_after(world: World) -> None:
    ids = await _five_intents(world)
    newest_first = list(reversed(ids))

    first = await world.list_intents(SANDBOX, IntentPageQuery(limit=2))
    second = await world.list_intents(SANDBOX, IntentPageQuery(limit=2, starting_after=first.data[-1].id))
    third = await world.list_intents(SANDBOX, IntentPageQuery(limit=2, starting_after=second.data[-1].id))

    assert [i.id for i in first.data] == newest_first[:2]
    assert first.has_more
    assert [i.id for i in second.data] == newest_first[2:4]
    assert second.has_more
    assert [i.id for i in third.data] == newest_first[4:]
    assert not third.has_more


async def test_list_pages_backwards_with_ending_before(world: World) -> None:
    ids = await _five_intents(world)
    newest_first = list(reversed(ids))

    page = await world.list_intents(SANDBOX, IntentPageQuery(limit=2, ending_before=newest_first[3]))

    assert [i.id for i in page.data] == newest_first[1:3]
    assert page.has_more


async def test_list_filters_by_status(world: World) -> None:
    ids = await _five_intents(world)
    await world.cancel(SANDBOX, ids[1])
    await world.cancel(SANDBOX, ids[3])

    page = await world.list_intents(SANDBOX, IntentPageQuery(status=IntentStatus.CANCELED))

    assert [i.id for i in page.data] == [ids[3], ids[1]]
    assert not page.has_more


async def test_list_shows_only_the_tenants_intents(world: World) -> None:
    mine = (await world.new_intent(SANDBOX)).intent.id
    await world.new_intent(PRODUCTION)
    await world.new_intent(OTHER_SANDBOX)

    page = await world.list_intents(SANDBOX, IntentPageQuery(limit=100))

    assert [i.id for i in page.data] == [mine]


@pytest.mark.parametrize("limit", [1, 100])
async def test_list_limit_bounds_are_accepted(world: World, limit: int) -> None:
    ids = await _five_intents(world)

    page = await world.list_intents(SANDBOX, IntentPageQuery(limit=limit))

    assert len(page.data) == min(limit, len(ids))
    assert page.has_more is (limit < len(ids))


@pytest.mark.parametrize("limit", [0, -1, 101])
async def test_list_limit_out_of_bounds_is_refused(world: World, limit: int) -> None:
    with pytest.raises(InvalidParameter) as raised:
        await world.list_intents(SANDBOX, IntentPageQuery(limit=limit))

    assert raised.value.param == "limit"


async def test_list_with_both_cursors_is_refused(world: World) -> None:
    ids = await _five_intents(world)

    with pytest.raises(InvalidParameter) as raised:
        await world.list_intents(SANDBOX, IntentPageQuery(starting_after=ids[0], ending_before=ids[4]))

    assert raised.value.param == "ending_before"


async def _with_log(world: World) -> str:
    """An intent with a rejected push, its retry accepted, and a success callback: four rows."""
    created = await world.new_intent()
    world.gateway.queue_push(rejected("Invalid.", error_code="phone_number_invalid", provider_code="400.002.02"))
    await world.confirm(SANDBOX, created.intent.id)
    world.clock.advance(1)
    await world.confirm(SANDBOX, created.intent.id)
    world.clock.advance(1)
    checkout = world.intent(created.intent.id).checkout_request_id
    await world.handle_callback(world.token(2), callback_body(checkout, 0))
    world.clock.advance(1)
    await world.handle_callback(world.token(2), callback_body(checkout, 0))
    return created.intent.id


async def test_attempts_are_listed_oldest_first(world: World) -> None:
    intent_id = await _with_log(world)

    rows, has_more = await world.list_attempts(SANDBOX, intent_id)

    assert [r.kind for r in rows] == [
        AttemptKind.STK_PUSH,
        AttemptKind.STK_PUSH,
        AttemptKind.CALLBACK,
        AttemptKind.CALLBACK,
    ]
    assert rows == world.rows(intent_id)
    assert not has_more


async def test_attempts_page_with_limit_and_starting_after(world: World) -> None:
    intent_id = await _with_log(world)
    everything = world.rows(intent_id)

    first, more = await world.list_attempts(SANDBOX, intent_id, limit=3)
    rest, more_after = await world.list_attempts(SANDBOX, intent_id, limit=3, starting_after=first[-1].id)

    assert (first, more) == (everything[:3], True)
    assert (rest, more_after) == (everything[3:], False)


@pytest.mark.parametrize("limit", [0, 101])
async def test_attempts_limit_out_of_bounds_is_refused(world: World, limit: int) -> None:
    intent_id = await _with_log(world)

    with pytest.raises(InvalidParameter) as raised:
        await world.list_attempts(SANDBOX, intent_id, limit=limit)

    assert raised.value.param == "limit"


async def test_attempts_of_another_tenants_intent_are_resource_missing(world: World) -> None:
    intent_id = await _with_log(world)

    with pytest.raises(ResourceMissing):
        await world.list_attempts(OTHER_SANDBOX, intent_id)
    with pytest.raises(ResourceMissing):
        await world.list_attempts(PRODUCTION, intent_id)
