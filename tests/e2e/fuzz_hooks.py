"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.e2e.fuzz_hooks``): also send bytes that cannot be JSON.

Schemathesis generates JSON values, so it never sends invalid UTF-8 or 1,000-deep nesting (issue 10,
defect 2). For every request that carries a body, this hook replaces the body in turn with invalid UTF-8
inside a JSON string, deeply nested arrays, deeply nested objects, or leaves it as generated; each
replacement is appended to the file named by ``MICROPAY_FUZZ_HOSTILE_LOG`` so the test can prove they were
sent. The run's ``not_a_server_error`` check then applies to them as to every other request.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Final

import schemathesis

HOSTILE: Final = {
    "invalid-utf8": b'{"amount": 1500, "currency": "kes", "description": "\xc3\x28\xff"}',
    "deep-arrays": b"[" * 1200 + b"]" * 1200,
    "deep-objects": b'{"a":' * 1100 + b"1" + b"}" * 1100,
}
_turns = itertools.cycle([*HOSTILE, None])


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() != "POST":
        return
    kind = next(_turns)
    if kind is None:
        return
    kwargs["data"] = HOSTILE[kind]
    kwargs.pop("json", None)
    if case.headers is None:
        case.headers = {}
    case.headers["Content-Type"] = "application/json"
    log = os.environ.get("MICROPAY_FUZZ_HOSTILE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{kind} {case.method} {case.path}\n")
