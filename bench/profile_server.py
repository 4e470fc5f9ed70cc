"""The API exactly as ``micropay serve --workers 1`` runs it, with pyinstrument switchable by signal.

``SIGUSR1`` starts sampling (every 1 ms, the whole event-loop thread), ``SIGUSR2`` stops it and writes
``<out>-tree.txt`` (call tree), ``<out>-flat-self.txt`` and ``<out>-flat-total.txt`` (functions by own
and by inclusive time), ``<out>.pyisession`` (for bench/profile_summary.py) and ``<out>.html``.
Used by ``bench/lifecycle.py --profile``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

import uvicorn
from pyinstrument import Profiler

from micropay.entrypoints.http.app import create_app
from micropay.entrypoints.settings import Settings


def write_reports(profiler: Profiler, out: str) -> None:
    if profiler.last_session is not None:
        profiler.last_session.save(f"{out}.pyisession")  # for bench/profile_summary.py
    Path(f"{out}-tree.txt").write_text(profiler.output_text(show_all=False))
    Path(f"{out}-flat-self.txt").write_text(profiler.output_text(flat=True, flat_time="self"))
    Path(f"{out}-flat-total.txt").write_text(profiler.output_text(flat=True, flat_time="total"))
    html = Path(f"{out}.html.partial")
    html.write_text(profiler.output_html())
    html.rename(f"{out}.html")  # last, and atomically: the benchmark waits for this file


async def serve(host: str, port: int, out: str) -> None:
    profiler = Profiler(interval=0.001, async_mode="disabled")
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if profiler.is_running:
            profiler.stop()
            write_reports(profiler, out)

    loop.add_signal_handler(signal.SIGUSR1, profiler.start)
    loop.add_signal_handler(signal.SIGUSR2, stop)
    config = uvicorn.Config(
        create_app(Settings.from_env(), configure_logs=True),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
    await uvicorn.Server(config).serve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True, help="path prefix of the reports")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # uvicorn's "auto" loop falls back the same way
        asyncio.run(serve(args.host, args.port, args.out))
    else:
        uvloop.run(serve(args.host, args.port, args.out))


if __name__ == "__main__":
    main()
