"""``/dashboard``: the merchant dashboard's built single-page app, shipped inside the package (ADR 0011).

Files under the build folder are served as they are; any other path under ``/dashboard`` answers
``index.html`` so the app's own router can show it (history-API routing: a reload of
``/dashboard/payments/pi_...`` works). A missing file under ``assets/`` is a real 404, not the app: a
stale ``index.html`` asking for an old bundle must fail loudly. The security headers (§12 CSP) come from
``security_headers_middleware`` so every answer here carries them.
"""

from __future__ import annotations

from typing import Final

from litestar import Response, get
from litestar.params import FromPath

from micropay.entrypoints.http.openapi_models import ANONYMOUS
from micropay.entrypoints.http.static_files import (
    IMMUTABLE,
    REVALIDATE,
    STATIC_ROOT,
    file_response,
    safe_file,
    text_response,
)

DASHBOARD_ROOT: Final = STATIC_ROOT / "dashboard"
#: Build bookkeeping, not part of the app.
_PRIVATE: Final = frozenset({"build-manifest.json"})


@get(["/dashboard", "/dashboard/{path:path}"], include_in_schema=False, security=ANONYMOUS)
async def dashboard(path: FromPath[str] = "/") -> Response[bytes]:
    relative = path.lstrip("/")
    index = DASHBOARD_ROOT / "index.html"
    if not index.is_file():
        return text_response("The dashboard is not built in this installation: run `make dashboard`.", 503)
    if relative and relative not in _PRIVATE:
        found = safe_file(DASHBOARD_ROOT, relative)
        if found is not None and found != index:
            return await file_response(found, IMMUTABLE if relative.startswith("assets/") else REVALIDATE)
        if relative.startswith("assets/"):
            return text_response("Not found.", 404)
    return await file_response(index, REVALIDATE)


ROUTES = [dashboard]
