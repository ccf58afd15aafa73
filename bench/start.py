"""Start-up benchmark (issue 16): ``geowarn zones`` on the demo corridors, and a gunicorn worker after fork.

Run with ``make bench`` (or ``.venv/bin/python bench/start.py [--runs 7]``). Not a timed test.

Part 1, the command line (as installed: bytecode compiled once and cached, here under a temporary
``PYTHONPYCACHEPREFIX``; one row without the cache, as with ``PYTHONDONTWRITEBYTECODE=1``):
``geowarn zones demo-corridors.geojson -o /dev/null`` (the three NAVAREA XI 0123/16 corridors of
the demo notice, parsed beforehand) run ``--runs`` times as a fresh process, wall and CPU seconds
(user + system of the child, from ``wait4``); beside it the peers that bound it from below, each a
fresh process too: the bare interpreter (``python -c pass``) and the scientific imports every run
needs (numpy, shapely, pyproj). Then one in-process breakdown per run (a child timing its own
stages): imports, reading the layers, the engine's layer index (pieces shipped by ``make layers``),
the compute and writing the GeoJSON.

Part 2, the web: gunicorn with ``deploy/gunicorn.conf.py`` (the master loads the app's modules and
the layers with their index before forking) and one worker; the worker is killed ``--runs`` times
and the master forks a new one. Reported: seconds from the fork (``post_fork``) to the worker being
ready (``post_worker_init``: the app made), and to its first answer of ``/api/affected`` (which
looks a point up in the alert layers), wall and the worker's CPU.

Targets (issue 16): ``geowarn zones`` on the demo < 0.4 s wall; a worker ready < 0.5 s after fork.
The machine may be shared: the load average is printed before and after, CPU seconds beside wall.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.webapp.live import child_pids  # noqa: E402

PY = sys.executable
GEOWARN = str(Path(PY).with_name("geowarn"))

STAGES = r"""
import json, sys, time
t = [time.perf_counter()]; c = [time.process_time()]
def mark():
    t.append(time.perf_counter()); c.append(time.process_time())
import geowarn.cli  # what `geowarn zones` imports
from geowarn.layers import load_layers
from geowarn.model import corridors_from_collection
from geowarn.publish.geojson import dumps, feature_collection
from geowarn.zones import compute_zones, layer_index
mark()
corridors = corridors_from_collection(json.loads(open(sys.argv[1], encoding="utf-8").read()))
layers = load_layers()
mark()
for layer in layers:
    layer_index(layer)
mark()
zones = compute_zones(corridors, layers)
mark()
text = dumps(feature_collection([z.to_feature() for z in zones]))
mark()
names = ["imports", "read layers", "layer index", "compute", "write GeoJSON"]
print(json.dumps({n: [t[i + 1] - t[i], c[i + 1] - c[i]] for i, n in enumerate(names)}))
"""

HOOKS = """
import os, time
exec(compile(open({conf!r}, encoding="utf-8").read(), {conf!r}, "exec"))
_deploy_post_worker_init = post_worker_init


def post_fork(server, worker):
    worker.geowarn_forked = time.monotonic()


def post_worker_init(worker):
    _deploy_post_worker_init(worker)
    with open({log!r}, "a", encoding="utf-8") as fh:
        fh.write(f"{{os.getpid()}} {{worker.geowarn_forked}} {{time.monotonic()}} {{time.process_time()}}\\n")
"""


def load() -> str:
    """Return the 1-minute load average and the number of CPUs."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, bytes]:
    """Run ``argv`` to completion: (wall seconds, CPU seconds of the child, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, out


def row(label: str, walls: list[float], cpus: list[float]) -> str:
    return (
        f"{label:<34} {min(walls):>7.3f} {statistics.median(walls):>7.3f} | "
        f"{min(cpus):>7.3f} {statistics.median(cpus):>7.3f}"
    )


def demo_corridors(tmp: Path) -> Path:
    """The demo notice's corridors as a GeoJSON file (what ``geowarn parse`` writes)."""
    out = tmp / "demo-corridors.geojson"
    notice = ROOT / "geowarn" / "data" / "demo" / "navarea-xi-2016-kms4.txt"
    run_child([GEOWARN, "parse", str(notice), "-o", str(out)])
    return out


def bytecode_env(tmp: Path) -> dict[str, str]:
    """Environment of an installed deployment: compiled bytecode cached (here under ``tmp``, not in the tree)."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command_line(runs: int, tmp: Path) -> None:
    corridors = demo_corridors(tmp)
    env = bytecode_env(tmp)
    zones = [GEOWARN, "zones", str(corridors), "-o", os.devnull]
    run_child(zones, env)  # warm-up: writes the bytecode cache
    run_child([PY, "-c", STAGES, str(corridors)], env)
    peers = [
        ("python -c pass", [PY, "-c", "pass"]),
        ("python: import numpy shapely pyproj", [PY, "-c", "import numpy, shapely, pyproj"]),
        ("python: import geowarn.cli", [PY, "-c", "import geowarn.cli"]),
        ("geowarn zones (demo, 3 corridors)", zones),
    ]
    print(f"{'fresh process (bytecode cached)':<34} {'wall':>7} {'':>7} | {'cpu':>7}")
    print(f"{'':<34} {'min':>7} {'median':>7} | {'min':>7} {'median':>7}")
    no_cache = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for label, argv, run_env in [
        *((label, argv, env) for label, argv in peers),
        ("  the same, no bytecode cache", zones, no_cache),
    ]:
        walls, cpus = [], []
        for _ in range(runs):
            w, c, _ = run_child(argv, run_env)
            walls.append(w)
            cpus.append(c)
        print(row(label, walls, cpus), flush=True)
    stages: dict[str, list[list[float]]] = {}
    for _ in range(runs):
        _, _, out = run_child([PY, "-c", STAGES, str(corridors)], env)
        for name, (w, c) in json.loads(out).items():
            stages.setdefault(name, []).append([w, c])
    print()
    print(f"{'inside geowarn zones (in-process)':<34} {'wall':>7} {'':>7} | {'cpu':>7}")
    for name, vals in stages.items():
        print(row("  " + name, [v[0] for v in vals], [v[1] for v in vals]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        return int(r.status)


def web(runs: int, tmp: Path) -> None:
    log = tmp / "ready.log"
    conf = tmp / "gunicorn-bench.conf.py"
    conf.write_text(HOOKS.format(conf=str(ROOT / "deploy" / "gunicorn.conf.py"), log=str(log)), encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**bytecode_env(tmp), "GEOWARN_DATA": str(tmp / "data"), "GEOWARN_SECRET_KEY": "bench-start"}
    env.pop("GEOWARN_DATABASE_URL", None)
    gun = str(Path(PY).with_name("gunicorn"))
    argv = [gun, "-c", str(conf), "-w", "1", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "webapp:create_app()"]
    with open(tmp / "gunicorn.log", "wb") as out:
        t0 = time.monotonic()
        master = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    affected = f"{base}/api/affected?lat=26.21&lon=127.68"
    try:
        while True:
            if master.poll() is not None:
                raise RuntimeError((tmp / "gunicorn.log").read_text(errors="replace"))
            try:
                get(affected)
                break
            except OSError:
                time.sleep(0.05)
        print(f"gunicorn master start to first answer: {time.monotonic() - t0:.2f} s (imports, layers, index)")
        ready, answer, cpu = [], [], []
        for _ in range(runs):
            lines = log.read_text().splitlines() if log.exists() else []
            (old,) = child_pids(master.pid)
            os.kill(old, signal.SIGKILL)
            while True:  # the request waits in the listening socket until the new worker accepts it
                try:
                    get(affected)
                    break
                except OSError:
                    time.sleep(0.01)
            done = time.monotonic()
            while len(log.read_text().splitlines()) <= len(lines):
                time.sleep(0.01)
            _pid, forked, inited, worker_cpu = log.read_text().splitlines()[len(lines)].split()
            ready.append(float(inited) - float(forked))
            answer.append(done - float(forked))
            cpu.append(float(worker_cpu))
        print(f"{'gunicorn worker (1 of 1), after fork':<34} {'min':>7} {'median':>7}")
        print(f"{'  ready (app made), wall':<34} {min(ready):>7.3f} {statistics.median(ready):>7.3f}")
        print(f"{'  ready, CPU of the worker':<34} {min(cpu):>7.3f} {statistics.median(cpu):>7.3f}")
        print(f"{'  first /api/affected answered':<34} {min(answer):>7.3f} {statistics.median(answer):>7.3f}")
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="repetitions of each measurement")
    ap.add_argument("--quick", action="store_true", help="3 repetitions (make bench BENCH_ARGS=--quick)")
    ap.add_argument("--no-web", action="store_true", help="only the command line")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 3)
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="geowarn-bench-start-") as tmp:
        command_line(args.runs, Path(tmp))
        if not args.no_web:
            print()
            web(args.runs, Path(tmp))
    print(f"after: {load()}")
    print("targets (issue 16): geowarn zones on the demo < 0.4 s wall; a worker ready < 0.5 s after fork")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
