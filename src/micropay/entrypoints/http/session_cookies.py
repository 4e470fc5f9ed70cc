"""The browser side of sessions (contract §10): the refresh cookie and the double-submit CSRF cookie.

``__Host-micropay_refresh`` (HttpOnly, Secure, SameSite=Strict, Path=/) carries the refresh token, out of
reach of scripts; ``micropay_csrf`` (readable by the dashboard's script, same attributes otherwise) carries a
random value the dashboard echoes in ``x-micropay-csrf`` when it refreshes from the cookie. A page of
another site can make the browser send neither cookie (SameSite=Strict) nor read the CSRF value.

Browsers refuse ``Secure`` cookies and the ``__Host-`` prefix over plain http, so on plain-http loopback
only (``make run``) the cookie is ``micropay_refresh`` without ``Secure``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Final

from litestar import Request
from litestar.datastructures import Cookie

from micropay.domain.model.sessions import IDLE_TTL
from micropay.entrypoints.http.errors import ApiError

SECURE_REFRESH_COOKIE: Final = "__Host-micropay_refresh"
LOOPBACK_REFRESH_COOKIE: Final = "micropay_refresh"
CSRF_COOKIE: Final = "micropay_csrf"
CSRF_HEADER: Final = "x-micropay-csrf"
_LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def is_plain_loopback(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "http" and (request.url.hostname or "") in _LOOPBACK


def session_cookies(request: Request[Any, Any, Any], refresh_token: str) -> list[Cookie]:
    """The refresh cookie and a fresh CSRF cookie, both for the session's idle lifetime."""
    secure = not is_plain_loopback(request)
    name = SECURE_REFRESH_COOKIE if secure else LOOPBACK_REFRESH_COOKIE
    common: dict[str, Any] = {"path": "/", "secure": secure, "samesite": "strict", "max_age": IDLE_TTL}
    return [
        Cookie(key=name, value=refresh_token, httponly=True, **common),
        Cookie(key=CSRF_COOKIE, value=secrets.token_urlsafe(32), httponly=False, **common),
    ]


def cleared_cookies(request: Request[Any, Any, Any]) -> list[Cookie]:
    secure = not is_plain_loopback(request)
    name = SECURE_REFRESH_COOKIE if secure else LOOPBACK_REFRESH_COOKIE
    common: dict[str, Any] = {"path": "/", "secure": secure, "samesite": "strict", "max_age": 0, "value": ""}
    return [Cookie(key=name, httponly=True, **common), Cookie(key=CSRF_COOKIE, httponly=False, **common)]


def refresh_token_from_cookie(request: Request[Any, Any, Any]) -> str | None:
    """The refresh cookie's token after the double-submit check, or None when there is no cookie.

    The check: ``x-micropay-csrf`` present and equal (in constant time) to the ``micropay_csrf`` cookie,
    else 403 ``csrf_token_invalid``.
    """
    cookies = request.cookies
    token = cookies.get(SECURE_REFRESH_COOKIE) or cookies.get(LOOPBACK_REFRESH_COOKIE)
    if not token:
        return None
    expected = cookies.get(CSRF_COOKIE, "")
    presented = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected.encode(), presented.encode()):
        raise ApiError(
            403,
            "permission_error",
            "csrf_token_invalid",
            "A refresh from the cookie needs the header x-micropay-csrf equal to the micropay_csrf cookie.",
        )
    return token
