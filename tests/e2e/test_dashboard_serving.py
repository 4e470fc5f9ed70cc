"""The API serves the built dashboard and the offline API reference, with the §12 headers on every answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from micropay.entrypoints.http.security_headers import API_REFERENCE_CSP, DASHBOARD_CSP
from tests import pg
from tests.e2e.harness import running_stack

STATIC = Path(__file__).resolve().parents[2] / "src" / "micropay" / "entrypoints" / "http" / "static"
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = pg.migrated_sqlite_file(tmp_path_factory.mktemp("dashboard-serving") / "micropay.db")
    with running_stack(url, "sqlite") as stack:
        yield stack.api_url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10.0) as opened:
        yield opened


def assert_page_headers(response: httpx.Response, csp: str = EXPECTED_CSP) -> None:
    assert response.headers["content-security-policy"] == csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["request-id"].startswith("req_")


def test_the_csp_is_the_contracts_word_for_word() -> None:
    assert DASHBOARD_CSP == EXPECTED_CSP
    # The API reference differs only by allowing inline style attributes; scripts stay 'self'.
    relaxed = EXPECTED_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    assert relaxed == API_REFERENCE_CSP


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/", "/dashboard/payments", "/dashboard/payments/pi_x/y"])
def test_every_app_path_answers_the_index_with_the_headers(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (STATIC / "dashboard" / "index.html").read_text()
    assert_page_headers(response)


def test_the_index_loads_only_its_own_assets_and_each_is_served(client: httpx.Client) -> None:
    index = client.get("/dashboard").text
    referenced = re.findall(r'(?:src|href)="([^"]+)"', index)
    assets = [url for url in referenced if url.startswith("/dashboard/assets/")]
    assert {Path(url).suffix for url in assets} == {".js", ".css"}
    assert all(url.startswith(("/dashboard/", "data:")) for url in referenced), referenced
    # Nothing inline for the CSP to refuse.
    assert "<script>" not in index
    assert "style=" not in index
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-type"].split(";")[0] in {"text/javascript", "text/css"}
        assert_page_headers(response)


def test_a_missing_asset_is_a_404_with_the_headers_not_the_app(client: httpx.Client) -> None:
    response = client.get("/dashboard/assets/index-missing.js")
    assert response.status_code == 404
    assert '<div id="root">' not in response.text
    assert_page_headers(response)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/../pyproject.toml",
        "/dashboard/%2e%2e/%2e%2e/__init__.py",
        "/dashboard/..%2f..%2froutes%2fdashboard.py",
        "/dashboard/build-manifest.json",
        "/dashboard/.hidden",
    ],
)
def test_nothing_outside_the_build_is_served(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {200, 404}
    assert "sha256" not in response.text
    assert "import" not in response.text
    if response.status_code == 200:
        assert response.text == (STATIC / "dashboard" / "index.html").read_text()


def test_the_api_reference_works_offline(client: httpx.Client) -> None:
    page = client.get("/schema")
    assert page.status_code == 200
    assert_page_headers(page, API_REFERENCE_CSP)
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced, page.text
    assert not [url for url in referenced if url.startswith(("http:", "https:", "//"))], referenced
    assert "<script>" not in page.text
    for url in (u for u in referenced if u.startswith("/schema/assets/")):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        assert_page_headers(asset, API_REFERENCE_CSP)
    assert client.get("/schema/assets/nothing.js").status_code == 404
    assert client.get("/schema/assets/LICENSE.swagger-ui.txt").status_code == 404
    # The document itself is JSON for tools, not a page.
    spec = client.get("/schema/openapi.json")
    assert spec.status_code == 200
    assert "content-security-policy" not in spec.headers


def test_api_answers_carry_no_page_policy(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
