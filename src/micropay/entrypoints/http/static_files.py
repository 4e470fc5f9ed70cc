"""Serving a built front end out of the package (ADR 0011): files by path, immutable caching for hashed assets."""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath
from typing import Final

import anyio
from litestar import Response

STATIC_ROOT: Final = Path(__file__).resolve().parent / "static"
#: Vite names every asset after its content hash, so a browser may keep it for a year.
IMMUTABLE: Final = "public, max-age=31536000, immutable"
REVALIDATE: Final = "no-cache"


def safe_file(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``root``, or None (missing, a folder, or outside root)."""
    parts = PurePosixPath(relative).parts
    if any(part in {"..", ""} or part.startswith(".") or "\\" in part for part in parts):
        return None
    candidate = root.joinpath(*parts)
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def media_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    if path.suffix in {".js", ".mjs"}:
        return "text/javascript; charset=utf-8"
    if guessed and (guessed.startswith("text/") or guessed in {"image/svg+xml", "application/json"}):
        return f"{guessed}; charset=utf-8"
    return guessed or "application/octet-stream"


async def file_response(path: Path, cache_control: str, status: int = 200) -> Response[bytes]:
    body = await anyio.Path(path).read_bytes()
    return Response(body, status_code=status, media_type=media_type(path), headers={"Cache-Control": cache_control})


def text_response(message: str, status: int) -> Response[bytes]:
    return Response(
        message.encode(),
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
