"""Summaries, the targets of issue #16, the printed table and the JSON written per run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Final

import msgspec
from _load import Samples

STEPS: Final = ("create", "confirm", "callback", "retrieve")
TARGET_RATIO: Final = 0.50  # of the same-run raw replica
TARGET_MINIMAL_RATIO: Final = 0.25  # of the same-run minimal lifecycle
TARGET_CREATE_P99_MS: Final = 15.0
TARGET_RSS_MIB: Final = 128.0
TARGET_STARTUP_S: Final = 1.0


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 2) if seconds is not None else None


def summarize(samples: Samples, elapsed: float) -> dict[str, Any]:
    steps = {
        step: {
            "count": len(values),
            "p50_ms": _ms(percentile(values, 50)),
            "p99_ms": _ms(percentile(values, 99)),
            "max_ms": _ms(max(values) if values else None),
        }
        for step, values in samples.latencies.items()
    }
    return {
        "seconds": elapsed,
        "lifecycles": samples.lifecycles,
        "lifecycles_per_s": round(samples.lifecycles / elapsed, 1),
        "errors": dict(samples.errors),
        "dropped_starts": samples.dropped,
        "latency": steps,
    }


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue with what this run measured; ``met`` is False for a miss (never hidden)."""
    ratio = result.get("api_to_raw_ratio")
    minimal = result.get("api_to_minimal_ratio")
    half = result.get("api_half_rate", {}).get("latency", {}).get("create", {}).get("p99_ms")
    peak_rss = max((w["peak_rss_mib"] for w in result.get("workers", [])), default=None)
    startup = result["startup"]["first_healthz_200_s"]
    rows = [
        (
            "lifecycles/s vs raw-SQL ceiling",
            f">= {TARGET_RATIO:.0%}",
            ratio,
            ratio is not None and ratio >= TARGET_RATIO,
        ),
        (
            "lifecycles/s vs minimal ceiling",
            f">= {TARGET_MINIMAL_RATIO:.0%}",
            minimal,
            minimal is not None and minimal >= TARGET_MINIMAL_RATIO,
        ),
        (
            "p99 create at half peak (ms)",
            f"<= {TARGET_CREATE_P99_MS:g}",
            half,
            half is not None and half <= TARGET_CREATE_P99_MS,
        ),
        (
            "peak RSS per worker (MiB)",
            f"<= {TARGET_RSS_MIB:g}",
            peak_rss,
            peak_rss is not None and peak_rss <= TARGET_RSS_MIB,
        ),
        (
            "first /healthz 200 (s)",
            f"<= {TARGET_STARTUP_S:g}",
            startup,
            startup is not None and startup <= TARGET_STARTUP_S,
        ),
    ]
    return [{"target": name, "goal": goal, "measured": value, "met": met} for name, goal, value, met in rows]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header, *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(result: dict[str, Any]) -> str:
    phases = [
        ("API, closed loop", "api_peak"),
        ("API, half peak rate", "api_half_rate"),
        ("API + wait", "api_wait"),
        ("API + webhook endpoint", "api_webhook"),
        ("raw SQL replica", "raw_sql"),
        ("minimal lifecycle", "minimal_sql"),
        ("minimal + delivery rows", "minimal_sql_webhook"),
    ]
    rows: list[list[Any]] = []
    for label, key in phases:
        phase = result.get(key)
        if not phase:
            continue
        latency = phase["latency"]
        row: list[Any] = [label, phase["lifecycles_per_s"], phase["lifecycles"], sum(phase["errors"].values())]
        cpu_ms = phase.get("api_workers_cpu_ms_per_lifecycle", phase.get("bench_process_cpu_ms_per_lifecycle"))
        row += [cpu_ms, phase.get("postgres_bench_db_cpu_ms_per_lifecycle")]
        for step in ("create", "confirm", "callback"):
            row += [latency[step]["p50_ms"], latency[step]["p99_ms"]]
        rows.append(row)
    header = ["phase", "lifecycles/s", "n", "errors", "client CPU ms/lc", "pg CPU ms/lc"]
    header += ["create p50", "p99", "confirm p50", "p99", "callback p50", "p99"]
    parts = [_table(header, rows), ""]
    parts.append("client CPU ms/lc: the API worker's CPU per lifecycle (the asyncpg client's for the ceilings)")
    if result.get("api_to_raw_ratio") is not None:
        parts.append(f"API / raw-SQL replica: {result['api_to_raw_ratio']:.1%}")
    if result.get("api_to_minimal_ratio") is not None:
        parts.append(f"API / minimal lifecycle: {result['api_to_minimal_ratio']:.1%}")
    if result.get("api_webhook_to_minimal_webhook_ratio") is not None:
        parts.append(f"API + webhook / minimal + delivery rows: {result['api_webhook_to_minimal_webhook_ratio']:.1%}")
    for name, cost in result.get("variant_costs", {}).items():
        parts.append(
            f"{name}: {cost['lifecycles_per_s_delta']:+.1f} lifecycles/s"
            f" ({cost['lifecycles_per_s_ratio']:.0%} of peak),"
            f" {cost['added_api_cpu_ms_per_lifecycle']} ms of API CPU added per lifecycle"
        )
    hooks = result.get("api_webhook", {}).get("webhooks")
    if hooks:
        parts.append(f"webhooks: {hooks}")
    cpu = result.get("cpu", {})
    for phase, shares in cpu.items():
        parts.append(f"CPU during {phase} (cores): " + ", ".join(f"{name} {value}" for name, value in shares.items()))
    for worker in result.get("workers", []):
        parts.append(f"worker pid {worker['pid']}: peak RSS {worker['peak_rss_mib']:.1f} MiB")
    parts.append(f"process start -> first /healthz 200: {result['startup']['first_healthz_200_s']:.3f} s")
    if result.get("targets"):
        rows = [[t["target"], t["goal"], t["measured"], "met" if t["met"] else "MISSED"] for t in result["targets"]]
        parts += ["", _table(["target", "goal", "measured", ""], rows)]
    return "\n".join(parts)


def write_json(result: dict[str, Any], directory: Path, stamp: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stamp}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=2) + b"\n")
    return path
