"""How fast a closed live stream gives its server slot back, on waitress (``geowarn serve``) and gunicorn gthread.

Each server runs with a 600 s heartbeat, so a slot can only come back early through the stream's
disconnect probe (:mod:`webapp.live`): the script opens ``--streams`` streams (every slot of the
process), closes all their clients, then reopens streams until all of them are admitted again
(each refusal is a 503) and prints the time from the closes to the first and to the last admission.
A server whose probe does not work shows the ``--give-up`` time ("not within"). No assertion: the
figures are for the issue notes (the test is ``tests/webapp/test_stream.py``).

Usage: ``python bench/stream_release.py [--streams 4] [--give-up 20] [--server both|waitress|gunicorn]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.webapp.live import SSEClient, start_gunicorn, start_server  # noqa: E402


def measure(url: str, streams: int, give_up: float) -> tuple[float | None, float | None]:
    """Close ``streams`` open streams; seconds until the first and the last slot is admitted again."""
    clients = [SSEClient(url) for _ in range(streams)]
    for c in clients:
        assert c.status == 200, c.status
        c.next("ready")
    refused = SSEClient(url)
    full = refused.status == 503
    refused.close()
    if not full:
        raise SystemExit(f"{streams} streams do not fill the process (the next got {refused.status})")
    for c in clients:
        c.close()
    start = time.perf_counter()
    first: float | None = None
    admitted: list[SSEClient] = []
    while len(admitted) < streams and time.perf_counter() - start < give_up:
        c = SSEClient(url)
        if c.status == 200:
            admitted.append(c)
            first = first if first is not None else time.perf_counter() - start
        else:
            c.close()
            time.sleep(0.05)
    last = time.perf_counter() - start if len(admitted) == streams else None
    for c in admitted:
        c.close()
    return first, last


def show(name: str, got: tuple[float | None, float | None], give_up: float) -> None:
    def fmt(v: float | None) -> str:
        return f"{v:6.2f} s" if v is not None else f"not within {give_up:.0f} s"

    print(f"  {name:<22} first slot back {fmt(got[0])}   all slots back {fmt(got[1])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--give-up", type=float, default=20.0)
    ap.add_argument("--server", choices=["both", "waitress", "gunicorn"], default="both")
    args = ap.parse_args()
    env = {"GEOWARN_LIVE_MAX_STREAMS": str(args.streams), "GEOWARN_LIVE_HEARTBEAT_S": "600"}
    print(f"{args.streams} streams closed at once, heartbeat 600 s:")
    if args.server in ("both", "waitress"):
        with tempfile.TemporaryDirectory() as tmp:
            w = start_server(Path(tmp), extra_env=env, threads=2 * args.streams)
            try:
                show(f"waitress {2 * args.streams} threads", measure(w.url, args.streams, args.give_up), args.give_up)
            finally:
                w.stop()
    if args.server in ("both", "gunicorn"):
        with tempfile.TemporaryDirectory() as tmp:
            g = start_gunicorn(Path(tmp), workers=1, extra_env=env)
            try:
                show("gunicorn gthread 1 wkr", measure(g.url, args.streams, args.give_up), args.give_up)
            finally:
                g.stop()


if __name__ == "__main__":
    main()
