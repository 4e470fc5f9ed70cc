"""``/schema``: the API reference, rendered by Swagger UI served from the package, so it works offline.

Litestar's stock render plugins load their JavaScript from a CDN and set themselves up with an inline
script; neither works without the internet or under our CSP (``script-src 'self'``). This plugin's page
loads Swagger UI's bundle and its own small start-up script from ``/schema/assets/``, files committed in
the package (copied from the pinned ``swagger-ui-dist`` by ``make dashboard``; ADR 0011).
"""

from __future__ import annotations

import html
from typing import Any, Final

from litestar import Request, Response, Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath

from micropay.entrypoints.http.static_files import REVALIDATE, STATIC_ROOT, file_response, safe_file, text_response

ASSETS_ROOT: Final = STATIC_ROOT / "api-reference"
ASSETS_PATH: Final = "/schema/assets"


@get("/assets/{name:str}", include_in_schema=False)
async def api_reference_asset(name: FromPath[str]) -> Response[bytes]:
    found = safe_file(ASSETS_ROOT, name)
    if found is None or found.suffix not in {".js", ".css", ".png", ".svg"}:
        return text_response("Not found.", 404)
    return await file_response(found, REVALIDATE)


class OfflineSwaggerRenderPlugin(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` (and ``/schema/swagger``), every asset from this server."""

    def __init__(self, *, path: str = "/swagger", **kwargs: Any) -> None:
        super().__init__(path=path, favicon="", style="", **kwargs)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec_url = html.escape(self.get_openapi_json_route(request), quote=True)
        return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title} API reference</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
    <link rel="stylesheet" href="{ASSETS_PATH}/api-reference.css">
  </head>
  <body>
    <main id="swagger-ui" data-spec-url="{spec_url}"></main>
    <script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="{ASSETS_PATH}/api-reference.js"></script>
  </body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        router.register(api_reference_asset)
