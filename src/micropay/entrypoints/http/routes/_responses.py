from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar import Response

_ENCODER: Final = msgspec.json.Encoder()


def json_response(body: Any, status: int = 200) -> Response[bytes]:
    """Encode once with msgspec; the bytes are what idempotent replays send again."""
    return Response(_ENCODER.encode(body), status_code=status, media_type="application/json")
