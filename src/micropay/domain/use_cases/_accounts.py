"""What the session use cases share: issuing a token pair, reading the merchant, the signup switch."""

from __future__ import annotations

from typing import Any

import msgspec

from micropay.domain.errors import ResourceMissing
from micropay.domain.model import sessions
from micropay.domain.model.environment import Environment, Tenant
from micropay.domain.model.merchant import Merchant
from micropay.domain.model.redaction import redacted_fields, redacted_repr
from micropay.domain.model.sessions import RefreshToken, Session
from micropay.domain.model.users import User
from micropay.ports.access_tokens import AccessTokenSigner
from micropay.ports.refresh_tokens import RefreshTokenIssuer
from micropay.ports.unit_of_work import UnitOfWorkFactory

_SECRETS = ("access_token", "refresh_token")


class SignupPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Whether ``POST /v1/auth/signup`` may create merchants (``MICROPAY_SIGNUP=open``)."""

    open: bool = False


class SessionIssued(msgspec.Struct, frozen=True, kw_only=True):
    """A login's or a refresh's answer: the tokens are shown here once, never stored."""

    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str
    user: User
    merchant: Merchant

    def __repr__(self) -> str:
        return redacted_repr(self, _SECRETS)

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return redacted_fields(self, _SECRETS)


def new_refresh_token(issuer: RefreshTokenIssuer, raw: str, session: Session, now: int) -> RefreshToken:
    return RefreshToken(
        token_hash=issuer.hash(raw), session_id=session.id, merchant_id=session.merchant_id, created=now
    )


def issue(
    signer: AccessTokenSigner, session: Session, user: User, merchant: Merchant, refresh_raw: str, issued_at: int
) -> SessionIssued:
    claims = sessions.access_claims(session, user.role, issued_at, refresh_raw)
    return SessionIssued(
        access_token=signer.sign(claims),
        refresh_token=refresh_raw,
        expires_in=claims.exp - claims.iat,
        session_id=session.id,
        user=user,
        merchant=merchant,
    )


async def read_merchant(uow: UnitOfWorkFactory, merchant_id: str) -> Merchant:
    """The merchant (its row lives with the sandbox tenant). ``ResourceMissing`` for an unknown id."""
    async with uow(Tenant(merchant_id=merchant_id, environment=Environment.SANDBOX)) as scope:
        merchant = await scope.merchants.get()
    if merchant is None:
        raise ResourceMissing("merchant", merchant_id, "merchant")
    return merchant
