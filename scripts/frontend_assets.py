"""Built front-end assets ship inside the Python package; this keeps them honest about their sources.

Each front end (the dashboard, the checkout example) is built with Node into
``src/micropay/entrypoints/http/static/<app>/`` and that output is committed, so ``pip install`` and
``make run`` need no Node.js. A build ends with ``stamp``: it writes ``build-manifest.json`` beside the
output, naming the build's inputs (files and folders, relative to the repository root) and a SHA-256 over
their contents. ``check`` recomputes that digest for every manifest; the test suite runs it (no Node.js
needed), so assets older than their sources fail CI.

    python scripts/frontend_assets.py stamp dashboard dashboard/src dashboard/index.html dashboard/package.json
    python scripts/frontend_assets.py check
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "micropay" / "entrypoints" / "http" / "static"
MANIFEST = "build-manifest.json"
#: Never inputs: installed packages, build output, test artifacts, editor and OS litter.
SKIPPED_PARTS = frozenset({"node_modules", "dist", "test-results", ".vite", "coverage", "__pycache__"})
SKIPPED_NAMES = frozenset({".DS_Store"})


def _files(inputs: Iterable[str]) -> Iterator[Path]:
    for name in inputs:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(ROOT).parts
                if found.is_file() and not SKIPPED_PARTS.intersection(relative) and found.name not in SKIPPED_NAMES:
                    yield found
        else:
            raise FileNotFoundError(f"build input {name!r} does not exist")


def digest(inputs: Iterable[str]) -> str:
    """SHA-256 over every input file's path and bytes, in a stable order (line endings as committed)."""
    hasher = hashlib.sha256()
    for path in sorted(set(_files(inputs))):
        hasher.update(path.relative_to(ROOT).as_posix().encode())
        hasher.update(b"\0")
        hasher.update(path.read_bytes())
        hasher.update(b"\0")
    return hasher.hexdigest()


def stamp(app: str, inputs: list[str]) -> Path:
    out = STATIC / app
    if not out.is_dir():
        raise FileNotFoundError(f"no build output at {out}")
    manifest = out / MANIFEST
    manifest.write_text(json.dumps({"app": app, "inputs": inputs, "sha256": digest(inputs)}, indent=2) + "\n")
    return manifest


def stale() -> list[str]:
    """One line per front end whose committed build no longer matches its sources."""
    problems = []
    for manifest in sorted(STATIC.glob(f"*/{MANIFEST}")):
        recorded = json.loads(manifest.read_text())
        try:
            current = digest(recorded["inputs"])
        except FileNotFoundError as exc:
            problems.append(f"{recorded['app']}: {exc}")
            continue
        if current != recorded["sha256"]:
            problems.append(
                f"{recorded['app']}: the built assets in {manifest.parent.relative_to(ROOT)} are older than "
                f"their sources ({', '.join(recorded['inputs'])}); rebuild them (make frontend)"
            )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "stamp":
        print(stamp(argv[1], argv[2:]).relative_to(ROOT))
        return 0
    if argv == ["check"]:
        problems = stale()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
