"""``/examples/checkout``: the built page and its assets, under a strict CSP, and nothing else on disk."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from micropay.entrypoints.http.routes import examples

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient[Litestar]]:
    with TestClient(Litestar(route_handlers=examples.ROUTES)) as test_client:
        yield test_client


def _assert_security_headers(headers: httpx.Headers) -> None:
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and styles, style and on* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.assets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.blocked += [f"{tag}[{name}]" for name in named if name == "style" or name.startswith("on")]
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script":
            self._in_script = True
            if named.get("src") is None:
                self.blocked.append("<script> without src")
            else:
                self.assets.append(str(named["src"]))
        if tag == "link" and named.get("rel") == "stylesheet":
            self.assets.append(str(named["href"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append("inline script text")


def test_the_page_is_served_with_the_strict_policy(client: TestClient[Litestar]) -> None:
    response = client.get("/examples/checkout", params={"payment_intent": "pi_x", "client_secret": "s", "key": "pk"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    _assert_security_headers(response.headers)
    assert 'for="phone"' in response.text


def test_the_built_page_needs_nothing_a_strict_csp_blocks(client: TestClient[Litestar]) -> None:
    parser = _Inline()
    parser.feed(client.get("/examples/checkout").text)

    assert parser.blocked == []
    assert any(asset.endswith(".js") for asset in parser.assets)
    assert any(asset.endswith(".css") for asset in parser.assets)
    for asset in parser.assets:
        assert asset.startswith("/examples/checkout/assets/")
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        kind = "text/javascript" if asset.endswith(".js") else "text/css"
        assert response.headers["content-type"].startswith(kind)
        _assert_security_headers(response.headers)
        if asset.endswith(".js"):
            assert not re.search(r"\beval\(|new Function\(", response.text), "script-src 'self' forbids eval"


@pytest.mark.parametrize(
    "path",
    [
        "/examples/checkout/assets/missing.js",
        "/examples/checkout/assets/../index.html",
        "/examples/checkout/assets/%2e%2e/build-manifest.json",
        "/examples/checkout/assets/..%2f..%2f..%2f__init__.py",
        "/examples/checkout/build-manifest.json",
    ],
)
def test_nothing_but_the_built_assets_is_served(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "sha256" not in response.text


def test_asset_path_stays_inside_the_assets_folder(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app-1.js").write_text("export {};")
    (tmp_path / "assets" / "notes.txt").write_text("not an asset type")
    (tmp_path / "secret.js").write_text("outside")

    assert examples.asset_path(tmp_path, "app-1.js") == (tmp_path / "assets" / "app-1.js").resolve()
    assert examples.asset_path(tmp_path, "../secret.js") is None
    assert examples.asset_path(tmp_path, str(tmp_path / "secret.js")) is None
    assert examples.asset_path(tmp_path, "notes.txt") is None
    assert examples.asset_path(tmp_path, "nowhere.js") is None


def test_an_installation_without_the_build_says_how_to_build_it(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(examples, "CHECKOUT_ROOT", tmp_path)
    response = client.get("/examples/checkout")
    assert response.status_code == 503
    assert "make checkout" in response.text
