"""Real geowarn servers in subprocesses on free loopback ports (waitress; gunicorn workers) and an SSE client."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geowarn.live import PROBE_S

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    token: str
    data_dir: Path
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(data_dir: Path, *, extra_env: dict[str, str] | None = None, threads: int = 8) -> LiveServer:
    """Run ``geowarn serve`` (waitress, as shipped) on a free loopback port over a SQLite store in ``data_dir``."""
    from geowarn.store import open_store

    port = free_port()
    store = open_store(data_dir=data_dir)
    _id, token = store.create_token("live tests")
    store.close()
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "GEOWARN_DATA": str(data_dir),
        "GEOWARN_ALERT_LAYERS": "jp-prefectures,eez-like",
        "GEOWARN_LIVE_MAX_STREAMS": "4",  # `geowarn serve` keeps half of its threads for pages anyway
        "GEOWARN_LIVE_HEARTBEAT_S": "2",
        **(extra_env or {}),
    }
    env.pop("GEOWARN_DATABASE_URL", None)
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    command = [str(Path(sys.executable).with_name("geowarn")), "serve", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--threads", str(threads)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return LiveServer(url, token, data_dir, proc)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


# --------------------------------------------------------------------------- gunicorn and SSE clients


def child_pids(parent: int) -> set[int]:
    """The pids of ``parent``'s live child processes, read from ``/proc/*/stat`` (Linux)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            out.add(int(stat.parent.name))
    return out


@dataclass
class Gunicorn:
    """A gunicorn master (``deploy/gunicorn.conf.py``) with its workers, on a free loopback port."""

    url: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def worker_pids(self) -> set[int]:
        """The pids of the master's live worker processes."""
        return child_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_gunicorn(
    data_dir: Path, *, workers: int, database_url: str | None = None, extra_env: dict[str, str] | None = None
) -> Gunicorn:
    """Start gunicorn with ``deploy/gunicorn.conf.py`` and ``workers`` workers; wait until all of them run."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "GEOWARN_DATA": str(data_dir),
        "GEOWARN_ALERT_LAYERS": "jp-prefectures,eez-like",
        "GEOWARN_SECRET_KEY": "live-tests",
        **(extra_env or {}),
    }
    env.pop("GEOWARN_DATABASE_URL", None)
    if database_url:
        env["GEOWARN_DATABASE_URL"] = database_url
    log = data_dir / "gunicorn.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "webapp:create_app()",
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", port, proc, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as r:
                if r.status == 200 and len(server.worker_pids()) == workers:
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError("gunicorn did not start: " + log.read_text(errors="replace")[-3000:])


def _socket_inode(local_port: int, server_port: int) -> str | None:
    """The inode of the server side of the loopback TCP connection from ``local_port``."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            lport = int(parts[1].rsplit(":", 1)[1], 16)
            rport = int(parts[2].rsplit(":", 1)[1], 16)
            if lport == server_port and rport == local_port:
                return parts[9]
    return None


def serving_pid(server: Gunicorn, local_port: int) -> int | None:
    """Which worker of ``server`` holds the accepted end of the connection from ``local_port``."""
    inode = _socket_inode(local_port, server.port)
    if inode is None:
        return None
    link = f"socket:[{inode}]"
    for pid in server.worker_pids():
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                if os.readlink(fd) == link:
                    return pid
            except OSError:
                continue
    return None


@dataclass
class Message:
    """One SSE message as a client sees it."""

    event: str
    id: str | None
    data: str
    at: float  # time.perf_counter() when its blank line arrived

    def json(self) -> Any:
        return json.loads(self.data)


class SSEClient:
    """A real HTTP/1.1 client of ``/events/stream`` reading messages in a thread (comments kept as ``:``)."""

    def __init__(self, base_url: str, query: str = "", *, last_event_id: str | None = None) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/events/stream" + (f"?{query}" if query else ""), headers=headers)
        # http.client drops conn.sock when the answer says ``Connection: close`` (waitress's streams do):
        # keep the socket, so that close() really hangs up as a closed tab does
        self.sock: socket.socket = self.conn.sock
        self.local_port = int(self.sock.getsockname()[1])
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = dict(self.response.getheaders())
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.seen: list[Message] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            self._thread.start()

    def _read(self) -> None:
        event, data, mid, comments = "message", [], None, []
        try:
            while True:
                line = self.response.readline()
                if not line:
                    break
                text = line.decode("utf-8").rstrip("\r\n")
                if text == "":
                    now = time.perf_counter()
                    if data:
                        self.messages.put(Message(event, mid, "\n".join(data), now))
                    elif comments:
                        self.messages.put(Message(":", mid, comments[-1], now))
                    elif mid is not None:
                        self.messages.put(Message("id", mid, "", now))
                    event, data, mid, comments = "message", [], None, []
                    continue
                field, _, value = text.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "":
                    comments.append(value)
                elif field == "data":
                    data.append(value)
                elif field == "event":
                    event = value
                elif field == "id":
                    mid = value
                elif field == "retry":
                    self.messages.put(Message("retry", None, value, time.perf_counter()))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):  # closed meanwhile
            pass
        finally:
            self.messages.put(None)

    def next(self, event: str, timeout: float = 30.0) -> Message:
        """The next message of type ``event`` (others are kept in :attr:`seen`); AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event!r} message within {timeout} s; seen {self.seen}")
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise AssertionError(f"the stream ended before a {event!r} message; seen {self.seen}")
            self.seen.append(msg)
            if msg.event == event:
                return msg

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()
        self.response.close()
        self.sock.close()


def one_stream_per_worker(server: Gunicorn, workers: int, query: str = "") -> list[SSEClient]:
    """Open streams until each worker serves one; close the extra ones.

    A closed stream keeps its slot until its worker's probe sees the hang-up (up to ``PROBE_S``), so
    quick opens and closes landing on one worker can fill its ``GEOWARN_LIVE_MAX_STREAMS``: a 503
    with ``Retry-After`` is then the documented answer, and the loop waits a probe period as a page would.
    """
    by_pid: dict[int, SSEClient] = {}
    for _ in range(40):
        client = SSEClient(server.url, query)
        if client.status == 503 and client.headers.get("Retry-After"):
            client.close()
            time.sleep(PROBE_S)
            continue
        assert client.status == 200, client.status
        client.next("ready")
        pid = serving_pid(server, client.local_port)
        if pid is not None and pid not in by_pid:
            by_pid[pid] = client
        else:
            client.close()
        if len(by_pid) == workers:
            return list(by_pid.values())
    raise AssertionError(f"40 connections reached only the workers {sorted(by_pid)} of {server.worker_pids()}")


def api(base_url: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One JSON API call with the bearer token; ``(status, decoded body)``."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        base_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return int(r.status), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"null")
