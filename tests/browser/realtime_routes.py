"""Which realtime routes (contract §11) a server lacks, and the console errors that this excuses.

Chromium logs every refused request as a console error. While a server lacks ``/stream`` or ``/wait``
(their branch not merged yet), @micropay/js falls back (stream, then wait, then polling retrieve) and
those 404s are logged; nothing else is excused, and once both routes exist nothing at all is.
"""

from __future__ import annotations

from collections import Counter

import httpx
from playwright.sync_api import ConsoleMessage, Page


def _missing(api_url: str, secret_key: str, intent_id: str, suffix: str, query: dict[str, str]) -> bool:
    url = f"{api_url}/v1/payment_intents/{intent_id}{suffix}"
    # Streamed, so that an event stream that stays open is left after its status line.
    with httpx.stream(
        "GET", url, params=query, headers={"Authorization": f"Bearer {secret_key}"}, timeout=10
    ) as response:
        return response.status_code == 404


def missing_routes(api_url: str, secret_key: str, intent_id: str) -> frozenset[str]:
    """The suffixes (``/stream``, ``/wait``) this server answers 404 for, for an intent that exists."""
    found = set()
    if _missing(api_url, secret_key, intent_id, "/stream", {}):
        found.add("/stream")
    if _missing(api_url, secret_key, intent_id, "/wait", {"until": "change", "version": "0"}):
        found.add("/wait")
    return frozenset(found)


class ExcusedConsole:
    """Records the page's console errors that are a 404 of a missing realtime route, to excuse them."""

    def __init__(self, page: Page, missing: frozenset[str]) -> None:
        self._missing = tuple(missing)
        self._excused: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        path = message.location.get("url", "").split("?")[0]
        if self._missing and message.type == "error" and "404" in message.text and path.endswith(self._missing):
            self._excused.append(f"console: {message.text}")

    def unexpected(self, page_errors: list[str]) -> list[str]:
        """``page_errors`` (the fixture's list) less the excused ones."""
        return list((Counter(page_errors) - Counter(self._excused)).elements())
