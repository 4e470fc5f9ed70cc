"""The dashboard's first load stays under its budget: 200 KB of JavaScript, gzipped (issue 15)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[3] / "src" / "micropay" / "entrypoints" / "http" / "static" / "dashboard"
BUDGET_BYTES = 200 * 1024


def first_load_scripts() -> list[Path]:
    """Every script index.html loads, and every module it preloads: what a first visit downloads."""
    index = (DASHBOARD / "index.html").read_text()
    urls = re.findall(r'<script[^>]+src="/dashboard/([^"]+)"', index)
    urls += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/dashboard/([^"]+)"', index)
    return [DASHBOARD / url for url in urls]


def test_the_first_load_is_under_200_kb_of_gzipped_javascript() -> None:
    scripts = first_load_scripts()
    assert scripts, "index.html loads no script"
    total = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in scripts)
    assert total < BUDGET_BYTES, f"{total} bytes gzipped"


def test_the_build_has_no_inline_script_or_style_for_the_csp_to_refuse() -> None:
    index = (DASHBOARD / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", index)
    assert "<style" not in index
    assert " style=" not in index
