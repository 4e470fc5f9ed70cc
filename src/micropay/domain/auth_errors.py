"""Errors of merchant users and dashboard sessions (contract §10). Messages never carry a secret."""

from __future__ import annotations

from micropay.domain.errors import AuthenticationFailed, DomainError, InvalidParameter, MicropayError


class InvalidCredentials(AuthenticationFailed):
    """Wrong email or wrong password: one error for both, so it never says which."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The email or password is incorrect.")


class TooManyAttempts(MicropayError):
    """Too many failed logins for one email; ``retry_after`` seconds until the next attempt is heard."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed attempts for this email; try again later.")
        self.retry_after = retry_after


class AccessTokenInvalid(AuthenticationFailed):
    """A malformed, expired or forged access token, or one whose session has ended (refresh, or log in)."""

    code = "access_token_invalid"

    def __init__(self) -> None:
        super().__init__("The access token is invalid or expired, or its session has ended.")


class RefreshTokenInvalid(AuthenticationFailed):
    """An unknown refresh token, or one whose session has ended or expired."""

    code = "refresh_token_invalid"

    def __init__(self) -> None:
        super().__init__("The refresh token is invalid or its session has ended; log in again.")


class RefreshTokenReused(AuthenticationFailed):
    """A spent refresh token came back after the race window: the whole session is revoked."""

    code = "refresh_token_reused"

    def __init__(self) -> None:
        super().__init__("This refresh token was already used; the session has been revoked. Log in again.")


class RoleForbidden(DomainError):
    """The user's role does not allow this (developers: no user management, no production key roll)."""

    code = "role_forbidden"


class SessionRequired(DomainError):
    """The operation belongs to a dashboard user (a session), not to an API key."""

    code = "session_required"


class SignupClosed(DomainError):
    """``POST /v1/auth/signup`` while ``MICROPAY_SIGNUP`` is not ``open``."""

    code = "signup_closed"

    def __init__(self) -> None:
        super().__init__("Sign-up is closed on this server; ask its operator for an account.")


class EmailTaken(InvalidParameter):
    """Another user already has this email (compared case-insensitively)."""

    def __init__(self) -> None:
        super().__init__("email", "A user with this email already exists.", "email_taken")
