"""The SDK is a package of its own: it declares httpx and msgspec only, imports nothing else, and is typed."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

SDK = Path(__file__).resolve().parents[2] / "sdks" / "python"
ALLOWED = {"httpx", "msgspec", "micropay_sdk"}


def test_the_distribution_depends_on_httpx_and_msgspec_only() -> None:
    project = tomllib.loads((SDK / "pyproject.toml").read_text())["project"]

    assert project["name"] == "micropay-sdk"
    assert {re.split(r"[<>=!~ \[]", dep, maxsplit=1)[0] for dep in project["dependencies"]} == {"httpx", "msgspec"}


def test_the_code_imports_only_the_standard_library_httpx_and_msgspec() -> None:
    imported: set[str] = set()
    for source in (SDK / "src" / "micropay_sdk").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])

    outside = imported - ALLOWED - set(sys.stdlib_module_names)
    assert outside == set()
    assert "micropay" not in imported  # never the server's own package


def test_it_ships_its_type_information() -> None:
    assert (SDK / "src" / "micropay_sdk" / "py.typed").is_file()
