"""``Idempotency-Key`` on every POST under /v1 (docs/api.md), decided by the database, not process memory."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

import msgspec
from litestar import Request, Response

from micropay.domain.errors import MicropayError
from micropay.domain.model import idempotency
from micropay.domain.model.environment import Tenant
from micropay.domain.model.idempotency import Decision, IdempotencyClaim, StoredResponse
from micropay.domain.use_cases.api_keys import Principal
from micropay.entrypoints.http.errors import ApiError, error_response
from micropay.ports.clock import Clock
from micropay.ports.credential_vault import CredentialVault, Sealed, VaultError
from micropay.ports.idempotency_store import IdempotencyStore

REPLAYED_HEADER: Final = "Idempotent-Replayed"


class UseCaseResult(Protocol):
    """A use case result that knows whether its answer must be kept whatever its status."""

    @property
    def something_was_done(self) -> bool: ...


#: What an operation returns: its response, and the use case result it presents (None: judge by status).
Outcome = tuple[Response[bytes], UseCaseResult | None]
Operation = Callable[[IdempotencyClaim | None], Awaitable[Outcome]]


def _fingerprint(request: Request[Any, Any, Any], body: bytes) -> str:
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted") if body.strip() else b""
    except msgspec.DecodeError:
        canonical = body
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


_SEALED = msgspec.json.Decoder(Sealed)


class IdempotentRunner:
    """Run a POST at most once per key and tenant; replay its stored response byte for byte.

    Stored responses are sealed with the vault (they may carry a secret shown once, such as a create's
    ``client_secret`` or a rolled API key), bound to their tenant and key. The operation gets the claim
    (``IdempotencyClaim``) so that its use case binds the key to what it creates in that object's own
    transaction: a retry after a crash, once the lease has passed, resumes it (ADR 0008, docs/api.md).
    """

    def __init__(self, store: IdempotencyStore, clock: Clock, vault: CredentialVault) -> None:
        self._store = store
        self._clock = clock
        self._vault = vault

    def _seal(self, tenant: Tenant, key: str, body: bytes) -> bytes:
        aad = idempotency.associated_data(tenant.merchant_id, tenant.environment.value, key)
        return msgspec.json.encode(self._vault.seal(body, aad))

    def _open(self, tenant: Tenant, key: str, stored: bytes) -> bytes:
        aad = idempotency.associated_data(tenant.merchant_id, tenant.environment.value, key)
        try:
            sealed = _SEALED.decode(stored)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise VaultError("A stored idempotent response is not a sealed response.") from None
        return self._vault.open(sealed, aad)

    async def run(self, request: Request[Any, Any, Any], principal: Principal, operation: Operation) -> Response[bytes]:
        raw_key = request.headers.get("idempotency-key")
        if raw_key is None:
            response, _ = await _guarded(operation, None)
            return response
        key = idempotency.validate_key(raw_key)
        fingerprint = _fingerprint(request, await request.body())
        tenant = principal.tenant
        claimed_at = self._clock.now()  # our claim's token: only its holder may complete or release it
        existing = await self._store.claim(tenant, key, fingerprint, claimed_at)
        if existing is not None:
            return self._answer_existing(tenant, key, existing, fingerprint)
        try:
            response, result = await _guarded(operation, IdempotencyClaim(key=key, claimed_at=claimed_at))
        except BaseException:
            await self._store.release(tenant, key, claimed_at=claimed_at)
            raise
        done = result is not None and result.something_was_done
        if idempotency.is_kept(response.status_code or 200, something_was_done=done):
            content = response.content if isinstance(response.content, bytes) else b""
            stored = StoredResponse(status=response.status_code or 200, body=self._seal(tenant, key, content))
            await self._store.complete(tenant, key, stored, claimed_at=claimed_at)
        else:
            await self._store.release(tenant, key, claimed_at=claimed_at)
        return response

    def _answer_existing(
        self, tenant: Tenant, key: str, existing: idempotency.IdempotencyRecord, fingerprint: str
    ) -> Response[bytes]:
        decision = idempotency.decide(existing, fingerprint, self._clock.now())
        if decision is Decision.REPLAY and existing.response is not None:
            stored = existing.response
            return Response(
                self._open(tenant, key, stored.body),
                status_code=stored.status,
                media_type=stored.content_type,
                headers={REPLAYED_HEADER: "true"},
            )
        if decision is Decision.MISMATCH:
            raise ApiError(
                422,
                "idempotency_error",
                "idempotency_key_reused",
                "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                param="Idempotency-Key",
            )
        raise ApiError(
            409,
            "idempotency_error",
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being processed; retry once it has finished.",
            param="Idempotency-Key",
            headers={"Retry-After": "1"},
        )


async def _guarded(operation: Operation, claim: IdempotencyClaim | None) -> Outcome:
    try:
        return await operation(claim)
    except MicropayError as exc:
        return error_response(exc), None
