"""Idempotency-Key rules: every branch of ``decide`` and the key's shape."""

from __future__ import annotations

import pytest

from micropay.domain.errors import InvalidParameter
from micropay.domain.model import idempotency
from micropay.domain.model.idempotency import (
    IN_FLIGHT_LEASE_SECONDS,
    KEY_MAX_LENGTH,
    RETENTION_SECONDS,
    Decision,
    IdempotencyRecord,
    StoredResponse,
    decide,
    is_expired,
    validate_key,
)

T = 1_000_000.0
RESPONSE = StoredResponse(status=201, body=b'{"id":"pi_1"}')


def _record(*, fingerprint: str = "fp", response: StoredResponse | None = None, age: float = 0) -> IdempotencyRecord:
    return IdempotencyRecord(key="k", fingerprint=fingerprint, created_at=T - age, response=response)


def test_no_record_proceeds() -> None:
    assert decide(None, "fp", T) is Decision.PROCEED


def test_same_request_completed_replays() -> None:
    assert decide(_record(response=RESPONSE), "fp", T) is Decision.REPLAY
    assert decide(_record(response=RESPONSE, age=RETENTION_SECONDS - 1), "fp", T) is Decision.REPLAY


@pytest.mark.parametrize("response", [None, RESPONSE])
def test_another_request_with_the_key_is_a_mismatch(response: StoredResponse | None) -> None:
    assert decide(_record(fingerprint="other", response=response), "fp", T) is Decision.MISMATCH


def test_another_request_is_a_mismatch_even_past_the_in_flight_lease() -> None:
    assert decide(_record(fingerprint="other", age=IN_FLIGHT_LEASE_SECONDS), "fp", T) is Decision.MISMATCH


def test_same_request_still_running_is_in_flight_until_the_lease_ends() -> None:
    assert decide(_record(), "fp", T) is Decision.IN_FLIGHT
    assert decide(_record(age=IN_FLIGHT_LEASE_SECONDS - 0.001), "fp", T) is Decision.IN_FLIGHT
    assert decide(_record(age=IN_FLIGHT_LEASE_SECONDS), "fp", T) is Decision.PROCEED


@pytest.mark.parametrize("fingerprint", ["fp", "other"])
@pytest.mark.parametrize("response", [None, RESPONSE])
def test_an_expired_record_is_forgotten(fingerprint: str, response: StoredResponse | None) -> None:
    record = _record(fingerprint=fingerprint, response=response, age=RETENTION_SECONDS)
    assert is_expired(record, T)
    assert decide(record, "fp", T) is Decision.PROCEED


def test_expiry_is_24_hours() -> None:
    assert RETENTION_SECONDS == 24 * 3600
    assert not is_expired(_record(age=RETENTION_SECONDS - 0.001), T)


@pytest.mark.parametrize("key", ["a", "x" * KEY_MAX_LENGTH, "4f1e-uuid-like-KEY_123 ~!"])
def test_keys_are_1_to_255_printable_ascii(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * (KEY_MAX_LENGTH + 1), "tab\tkey", "new\nline", "ключ", "café", "\x00"])
def test_other_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_key(key)
    assert (raised.value.param, raised.value.code) == ("Idempotency-Key", "parameter_invalid")


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 404, 422])
def test_answers_that_did_something_are_kept(status: int) -> None:
    assert idempotency.is_kept(status)


@pytest.mark.parametrize("status", [409, 500, 502, 503])
def test_answers_that_did_nothing_are_not_kept_unless_the_caller_knows_better(status: int) -> None:
    assert not idempotency.is_kept(status)
    assert idempotency.is_kept(status, something_was_done=True)


# The contract's numbers and words, each pinned by value (the mutation run, docs/testing.md, found them
# referenced only by name).


def test_the_contract_numbers() -> None:
    assert KEY_MAX_LENGTH == 255
    assert IN_FLIGHT_LEASE_SECONDS == 120
    assert RETENTION_SECONDS == 86_400
    assert sorted(idempotency.NOTHING_DONE_STATUSES) == [409, 500, 502, 503]


def test_the_lease_ends_at_120_seconds() -> None:
    assert decide(_record(age=119.999), "fp", T) is Decision.IN_FLIGHT
    assert decide(_record(age=120), "fp", T) is Decision.PROCEED


def test_a_255_character_key_is_the_longest() -> None:
    assert validate_key("k" * 255) == "k" * 255
    with pytest.raises(InvalidParameter) as raised:
        validate_key("k" * 256)
    assert raised.value.message == "Idempotency-Key must be 1 to 255 characters."


def test_a_non_printable_key_says_so() -> None:
    with pytest.raises(InvalidParameter) as raised:
        validate_key("tab\tkey")
    assert raised.value.message == "Idempotency-Key must be printable ASCII."


def test_a_stored_response_is_json_unless_said_otherwise() -> None:
    assert StoredResponse(status=200, body=b"{}").content_type == "application/json"


def test_a_sealed_response_is_bound_to_its_tenant_and_key() -> None:
    assert idempotency.associated_data("m_1", "test", "key-1") == b"idempotency:m_1:test:key-1"
    assert idempotency.secret_associated_data("m_1", "test", "key-1") == b"idempotency:m_1:test:key-1:client_secret"


def test_every_part_of_the_binding_matters() -> None:
    base = idempotency.associated_data("m_1", "test", "k")
    others = {
        idempotency.associated_data("m_2", "test", "k"),
        idempotency.associated_data("m_1", "live", "k"),
        idempotency.associated_data("m_1", "test", "k2"),
        idempotency.secret_associated_data("m_1", "test", "k"),
    }
    assert base not in others
    assert len(others) == 4


def test_a_binding_is_kept_until_the_key_expires() -> None:
    assert idempotency.keeps_binding(_record(age=RETENTION_SECONDS - 1), T)
    assert not idempotency.keeps_binding(_record(age=RETENTION_SECONDS), T)
