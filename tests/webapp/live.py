"""A real geowarn server (waitress) in a subprocess on a free loopback port, for live tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]

SERVER = r"""
import sys
sys.path.insert(0, {root!r})
from waitress import serve
from webapp import create_app
app = create_app({{"DATA_DIR": {data!r}}})
_id, token = app.extensions["geowarn.store"].create_token("live tests")
with open({token_file!r}, "w") as fh:
    fh.write(token)
serve(app, host="127.0.0.1", port={port}, threads=4, _quiet=True)
"""


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


def start_server(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> LiveServer:
    port = free_port()
    token_file = data_dir / "token.txt"
    code = SERVER.format(root=str(ROOT), data=str(data_dir), token_file=str(token_file), port=port)
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "GEOWARN_ALERT_LAYERS": "jp-prefectures,eez-like",
        **(extra_env or {}),
    }
    env.pop("GEOWARN_DATABASE_URL", None)
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200 and token_file.exists():
                    return LiveServer(url, token_file.read_text().strip(), data_dir, proc)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")
