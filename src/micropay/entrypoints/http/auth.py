"""Bearer authentication (API keys and dashboard access tokens) and the key and role rules (§1, §10)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from micropay.domain.auth_errors import RoleForbidden, SessionRequired
from micropay.domain.errors import AuthenticationFailed, InvalidParameter
from micropay.domain.model.api_keys import KeyType
from micropay.domain.model.environment import Environment
from micropay.domain.model.users import Permission, role_allows
from micropay.domain.use_cases.api_keys import Authenticate, Principal
from micropay.entrypoints.http.errors import permission_denied

ENVIRONMENT_HEADER = "x-micropay-env"


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """Litestar dependency: the caller's principal, from ``Authorization: Bearer <key or access token>``.

    With an access token, ``x-micropay-env`` (``sandbox`` when absent) picks the environment it acts on;
    API keys carry their environment themselves and ignore the header.
    """
    header = request.headers.get("authorization")
    if not header:
        raise AuthenticationFailed("You did not provide an API key: send it as 'Authorization: Bearer <key>'.")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationFailed("Send your API key as 'Authorization: Bearer <key>'.")
    authenticate: Authenticate = await request.state.dishka_container.get(Authenticate)
    return await authenticate(raw.strip(), _environment(request.headers.get(ENVIRONMENT_HEADER)))


def _environment(value: str | None) -> Environment | None:
    if value is None:
        return None
    try:
        return Environment(value.strip().lower())
    except ValueError:
        raise InvalidParameter(ENVIRONMENT_HEADER, "x-micropay-env must be 'sandbox' or 'production'.") from None


def require_session(principal: Principal) -> tuple[str, str]:
    """The user and session of a dashboard caller; API keys get 403 ``session_required``."""
    if principal.user_id is None or principal.session_id is None:
        raise SessionRequired("This request needs a dashboard session (log in), not an API key.")
    return principal.user_id, principal.session_id


def require_permission(principal: Principal, permission: Permission) -> None:
    """403 ``role_forbidden`` when the session's role may not do this in the principal's environment."""
    if not role_allows(principal.role, permission, principal.tenant.environment):
        raise RoleForbidden(f"Your role ({principal.role}) may not do this in {principal.tenant.environment}.")


def require_secret_key(principal: Principal) -> None:
    if principal.key_type is not KeyType.SECRET:
        raise permission_denied()


def client_secret_for(principal: Principal, client_secret: str | None) -> str | None:
    """Publishable keys must prove access with the intent's client secret; secret keys may add one."""
    if principal.key_type is KeyType.PUBLISHABLE and not client_secret:
        raise permission_denied()
    return client_secret
