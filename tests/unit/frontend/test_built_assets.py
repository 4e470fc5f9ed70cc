"""The committed front-end builds match their sources (see scripts/frontend_assets.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("frontend_assets", ROOT / "scripts" / "frontend_assets.py")
assert _spec is not None
assert _spec.loader is not None
frontend_assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(frontend_assets)


def test_every_committed_build_matches_its_sources() -> None:
    assert frontend_assets.stale() == []


def test_a_changed_source_makes_the_build_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontend_assets, "ROOT", tmp_path)
    monkeypatch.setattr(frontend_assets, "STATIC", tmp_path / "static")
    (tmp_path / "app" / "src").mkdir(parents=True)
    (tmp_path / "app" / "src" / "main.ts").write_text("export const a = 1;\n")
    (tmp_path / "app" / "src" / "node_modules").mkdir()
    (tmp_path / "app" / "src" / "node_modules" / "dep.js").write_text("ignored")
    (tmp_path / "static" / "app").mkdir(parents=True)
    frontend_assets.stamp("app", ["app/src"])
    assert frontend_assets.stale() == []

    (tmp_path / "app" / "src" / "node_modules" / "dep.js").write_text("still ignored")
    assert frontend_assets.stale() == []

    (tmp_path / "app" / "src" / "main.ts").write_text("export const a = 2;\n")
    [problem] = frontend_assets.stale()
    assert "older than their sources" in problem

    frontend_assets.stamp("app", ["app/src"])
    (tmp_path / "app" / "src" / "extra.ts").write_text("export {};\n")
    assert len(frontend_assets.stale()) == 1
    recorded = json.loads((tmp_path / "static" / "app" / "build-manifest.json").read_text())
    assert recorded["inputs"] == ["app/src"]


def test_a_missing_input_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontend_assets, "ROOT", tmp_path)
    monkeypatch.setattr(frontend_assets, "STATIC", tmp_path / "static")
    (tmp_path / "static" / "gone").mkdir(parents=True)
    (tmp_path / "static" / "gone" / "build-manifest.json").write_text(
        json.dumps({"app": "gone", "inputs": ["nowhere"], "sha256": "0"})
    )
    [problem] = frontend_assets.stale()
    assert "does not exist" in problem
