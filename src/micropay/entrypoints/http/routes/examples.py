"""``/examples/checkout``: the checkout example page, built by ``make checkout`` and shipped in the package.

The page is static: it reads ``payment_intent``, ``client_secret`` and ``key`` from its own query string and
talks to the public API with the publishable key (@micropay/js), so serving it needs no Node.js. Every
answer carries a strict Content-Security-Policy (no inline scripts or styles: the build emits files only),
``nosniff`` and a same-origin referrer policy, so the client secret in the URL never leaks to other sites.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

from litestar import Response, get
from litestar.params import FromPath

from micropay.entrypoints.http.openapi_models import ANONYMOUS

CHECKOUT_ROOT: Final = Path(__file__).resolve().parents[1] / "static" / "checkout"
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: Vite names assets by content hash, so they never change; the page itself is revalidated every time.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"
MEDIA_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def _answer(body: bytes, media_type: str, status: int, cache: str) -> Response[bytes]:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache}
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _not_found() -> Response[bytes]:
    return _answer(b"Not found.\n", "text/plain; charset=utf-8", 404, REVALIDATE)


def asset_path(root: Path, relative: str) -> Path | None:
    """The built file ``relative`` names under ``root/assets``, or None (missing, hidden, or outside it)."""
    assets = (root / "assets").resolve()
    candidate = (assets / relative).resolve()
    if not candidate.is_relative_to(assets) or candidate.suffix not in MEDIA_TYPES or not candidate.is_file():
        return None
    return candidate


async def _read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


@get("/examples/checkout", include_in_schema=False, security=ANONYMOUS)
async def checkout_page() -> Response[bytes]:
    index = CHECKOUT_ROOT / "index.html"
    if not index.is_file():
        return _answer(b"The checkout example is not built: run `make checkout`.\n", "text/plain", 503, REVALIDATE)
    return _answer(await _read(index), MEDIA_TYPES[".html"], 200, REVALIDATE)


@get("/examples/checkout/assets/{path:path}", include_in_schema=False, security=ANONYMOUS)
async def checkout_asset(path: FromPath[str]) -> Response[bytes]:
    found = asset_path(CHECKOUT_ROOT, path.lstrip("/"))
    if found is None:
        return _not_found()
    return _answer(await _read(found), MEDIA_TYPES[found.suffix], 200, IMMUTABLE)


ROUTES = [checkout_page, checkout_asset]
