"""Where the server's time went, by layer: ``python bench/profile_summary.py bench/results/<stamp>-profile.pyisession``.

Each sample is charged to the innermost frame on its stack that belongs to a known layer (its "self" time):
time in built-ins and in the standard library (json, random, contextlib, greenlet switches...) counts for
the library or module that called them. SQLAlchemy runs its sync core inside greenlets, so those samples
have short stacks; mapping by file still charges them right.
"""

from __future__ import annotations

import sys
from typing import Final

from pyinstrument.session import Session

OTHER: Final = "other (stdlib called from the top of the stack)"
#: (layer, path fragments), first match wins; the order puts our own code before the libraries it calls.
LAYERS: Final = (
    ("micropay persistence adapters", ("micropay/adapters/persistence",)),
    ("micropay Daraja adapter", ("micropay/adapters/daraja",)),
    ("micropay HTTP entrypoints", ("micropay/entrypoints",)),
    ("micropay domain and use cases", ("micropay/domain",)),
    ("micropay other", ("micropay/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("asyncpg", ("asyncpg/",)),
    ("greenlet", ("greenlet/",)),
    ("httpx + httpcore + h11 (Daraja client)", ("httpx/", "httpcore/", "h11/", "anyio/", "sniffio/")),
    ("Litestar", ("litestar/",)),
    ("dishka", ("dishka/", "<dishka_")),
    ("uvicorn", ("uvicorn/",)),
    ("msgspec", ("msgspec/",)),
    ("logging", ("logging/",)),
    ("asyncio and the event loop", ("asyncio/", "uvloop/", "<thread>", "selectors")),
)


def layer_of(identifier: str) -> str:
    path = identifier.split("\x00")[1] if "\x00" in identifier else identifier
    function = identifier.split("\x00")[0]
    probe = f"{path} {function}"
    for layer, fragments in LAYERS:
        if any(fragment in probe for fragment in fragments):
            return layer
    return OTHER


def charged_layer(stack: list[str]) -> str:
    for identifier in reversed(stack):
        layer = layer_of(identifier)
        if layer != OTHER:
            return layer
    return OTHER


def summarize(session: Session) -> list[tuple[str, float]]:
    seconds: dict[str, float] = {}
    for stack, duration in session.frame_records:
        layer = charged_layer(stack)
        seconds[layer] = seconds.get(layer, 0.0) + duration
    return sorted(seconds.items(), key=lambda item: -item[1])


def main(path: str) -> None:
    session = Session.load(path)
    rows = summarize(session)
    total = sum(value for _, value in rows)
    print(f"{session.duration:.1f} s sampled, {session.cpu_time:.1f} s CPU; self time by layer:")
    for layer, value in rows:
        print(f"  {value:7.2f} s  {value / total:6.1%}  {layer}")


if __name__ == "__main__":
    main(sys.argv[1])
