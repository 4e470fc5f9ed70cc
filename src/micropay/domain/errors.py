"""The one error hierarchy. Every error Micropay raises on purpose derives from ``MicropayError``.

Each error carries a stable ``code`` (the contract's error code) so that the HTTP layer maps errors to
responses with one table, and embedding Python services can branch on type or code.
Messages never contain secrets.
"""

from __future__ import annotations


class MicropayError(Exception):
    """Base of every deliberate Micropay error."""

    code: str = "micropay_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainError(MicropayError):
    """A business rule refused the operation."""


class InvalidParameter(DomainError):
    """A value given by the caller breaks a rule; ``param`` names the field at fault."""

    def __init__(self, param: str, message: str, code: str = "parameter_invalid") -> None:
        super().__init__(message)
        self.param = param
        self.code = code


class IntentUnexpectedState(DomainError):
    """The transition is not allowed from the intent's current status."""

    code = "intent_unexpected_state"

    def __init__(self, intent_id: str, status: str, action: str) -> None:
        super().__init__(f"You cannot {action} this PaymentIntent because it has a status of {status}.")
        self.intent_id = intent_id
        self.status = status
        self.action = action


class ResourceMissing(DomainError):
    """The object does not exist for this merchant and environment (never says whether it exists elsewhere)."""

    code = "resource_missing"

    def __init__(self, kind: str, object_id: str, param: str = "id") -> None:
        super().__init__(f"No such {kind}: '{object_id}'")
        self.kind = kind
        self.object_id = object_id
        self.param = param


class CredentialsMissing(DomainError):
    """No Daraja credentials are configured for the merchant's environment."""

    code = "credentials_missing"


class AuthenticationFailed(MicropayError):
    """Missing, malformed, unknown, expired or revoked API key. Never says which."""

    code = "api_key_invalid"

    def __init__(self, message: str = "Invalid API key provided.") -> None:
        super().__init__(message)
