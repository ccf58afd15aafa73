"""Helpers of the alert tests: synthetic events and zones, a webhook receiver (PostgreSQL schemas: tests/pg.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import shapely

from geowarn.model import (
    AlertZone,
    Certainty,
    Corridor,
    Event,
    Phase,
    RegionKind,
    ResponseType,
    Severity,
    TimeWindow,
    Urgency,
)
from tests.pg import pg_schema_url as pg_schema_url  # the shared PostGIS schema (tests/pg.py)

T0 = datetime(2016, 2, 6, 12, 0, tzinfo=UTC)
WINDOW = (TimeWindow(T0 + timedelta(hours=10, minutes=30), T0 + timedelta(hours=15, minutes=30)),)


def make_zone(
    region_id: str = "JP-47",
    *,
    corridor_id: str = "c1",
    geometry: Any = None,
    area_km2: float = 1000.0,
    severity: Severity = Severity.SEVERE,
    windows: tuple[TimeWindow, ...] = WINDOW,
    phase: Phase = Phase.OVERFLIGHT,
    layer: str = "jp-prefectures",
    distance_km: float = 0.0,
    event_id: str = "ev1",
) -> AlertZone:
    geom = geometry if geometry is not None else shapely.box(124.0, 24.0, 125.0, 25.0)
    return AlertZone(
        id=f"{event_id}-{corridor_id}-{region_id}",
        event_id=event_id,
        corridor_id=corridor_id,
        phase=phase,
        layer=layer,
        region_id=region_id,
        region_name={"JP-47": "Okinawa", "JP-13": "Tokyo"}.get(region_id, region_id),
        region_name_ja={"JP-47": "沖縄県", "JP-13": "東京都"}.get(region_id),
        region_kind=RegionKind.TERRITORIAL_SEA if region_id.startswith("TS-") else RegionKind.ADMIN,
        geometry=geom,
        area_km2=area_km2,
        region_fraction=0.1,
        corridor_fraction=0.2,
        distance_km=distance_km,
        severity=severity,
        urgency=Urgency.EXPECTED,
        certainty=Certainty.LIKELY,
        response=ResponseType.AVOID,
        windows=windows,
    )


def make_event(event_id: str = "ev1", *, corridors: list[Corridor] | None = None, **kw: Any) -> Event:
    if corridors is None:
        corridors = [
            Corridor(id="c1", geometry=shapely.box(124.0, 23.0, 125.0, 26.0), phase=Phase.OVERFLIGHT, windows=WINDOW)
        ]
    return Event(id=event_id, name="Test launch", corridors=corridors, created=T0, updated=T0, **kw)


def moved(zone: AlertZone, dx: float) -> AlertZone:
    return dataclasses.replace(zone, geometry=shapely.affinity.translate(zone.geometry, dx, 0.0))


# --------------------------------------------------------------------------- webhook receiver


@dataclasses.dataclass
class Received:
    message_id: str
    msg_type: str
    signature_ok: bool
    body: bytes
    headers: dict[str, str]
    at: float


class WebhookReceiver:
    """A real HTTP server on loopback that records POSTs and can fail or stall on demand."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.fail_with: int | None = None  # answer this status instead of 200
        self.fail_count = 0  # fail the next N requests
        self.stall_s = 0.0  # sleep before answering
        self.requests = 0
        self.peers: set[tuple[str, int]] = set()  # client (address, port): one per TCP connection
        self.lock = threading.Lock()
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with receiver.lock:
                    receiver.requests += 1
                    receiver.peers.add(self.client_address[:2])
                    status = 200
                    if receiver.fail_count > 0:
                        receiver.fail_count -= 1
                        status = receiver.fail_with or 500
                    elif receiver.fail_with:
                        status = receiver.fail_with
                    stall = receiver.stall_s
                if stall:
                    time.sleep(stall)
                if status == 200:
                    expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                    sig = self.headers.get("X-Geowarn-Signature", "")
                    with receiver.lock:
                        receiver.received.append(
                            Received(
                                self.headers.get("X-Geowarn-Message-Id", ""),
                                self.headers.get("X-Geowarn-Message-Type", ""),
                                hmac.compare_digest(expected, sig),
                                body,
                                dict(self.headers.items()),
                                time.monotonic(),
                            )
                        )
                    receiver.event.set()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= n:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- real processes


def future_notice(text: str) -> str:
    """The 2016 NAVAREA XI 0123/16 text re-dated to next year's February (windows in the future)."""
    yy = f"{(datetime.now(UTC).year + 1) % 100:02d}"
    return text.replace("0123/16", f"0123/{yy}").replace("FEB 16", f"FEB {yy}")


def start_service(
    data_dir: Any, env: dict[str, str] | None = None, *, database_url: str | None = None, port: int | None = None
) -> tuple[Any, str]:
    """``geowarn serve`` on a free loopback port with ``GEOWARN_DATA=data_dir`` (SQLite there, or
    ``database_url``); returns (process, base URL). ``port``: listen there (a restart on the same URL)."""
    import subprocess
    import sys
    import urllib.request

    port = port or free_port()
    full_env = {**os.environ, "GEOWARN_DATA": str(data_dir), "PYTHONWARNINGS": "ignore", **(env or {})}
    full_env.pop("GEOWARN_DATABASE_URL", None)
    if database_url:
        full_env["GEOWARN_DATABASE_URL"] = database_url
    with open(f"{data_dir}/serve.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "geowarn.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(Path(f"{data_dir}/serve.log").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("geowarn serve did not start")


def stop_process(proc: Any) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            return int(proc.wait(10))
        except Exception:
            proc.kill()
    return int(proc.wait(10))


def worker_proc(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, database_url: str = ""
) -> subprocess.Popen[bytes]:
    """``geowarn worker`` as a real process on the store in ``data_dir`` (or ``database_url``); log: worker.log."""
    with (Path(data_dir) / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "geowarn.cli", "worker", "--poll-interval", "0.05", *args],
            env={**os.environ, "GEOWARN_DATA": str(data_dir), "GEOWARN_DATABASE_URL": database_url, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def wait_delivered(store: Any, n: int, timeout: float = 20.0) -> dict[str, int]:
    """Outbox counts once ``n`` rows are delivered or parked (or ``timeout`` passed)."""
    from geowarn.alerts import outbox

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = outbox.stats(store)
        if st.get("delivered", 0) + st.get("parked", 0) >= n:
            return st
        time.sleep(0.05)
    return outbox.stats(store)


def tally(receiver: WebhookReceiver, sent: Iterable[str]) -> dict[str, int]:
    """Sent / received / unique / duplicated / lost message ids (and bad signatures) at ``receiver``."""
    sent = list(sent)
    ids = Counter(r.message_id for r in receiver.received)
    return {
        "sent": len(sent),
        "received": len(receiver.received),
        "unique": len(ids),
        "duplicates": sum(c - 1 for c in ids.values()),
        "lost": len(set(sent) - set(ids)),
        "bad_signatures": sum(1 for r in receiver.received if not r.signature_ok),
    }


def queue_messages(store: Any, url: str, secret: str, n: int, event_id: str = "ev1") -> list[str]:
    """``n`` subscriptions to JP-47 (one webhook each) and one event: ``n`` Alert messages in the outbox."""
    from geowarn.alerts import lifecycle, rules
    from geowarn.alerts.rules import Channel, Subscription

    with store.transaction() as tx:
        for i in range(n):
            rules.save_subscription(
                tx,
                Subscription.create(id=f"sub-{i:03d}", regions=["JP-47"], channels=[Channel("webhook", url, secret)]),
            )
    with store.transaction() as tx:
        return lifecycle.process_event(tx, make_event(event_id), [make_zone("JP-47", event_id=event_id)], T0)
