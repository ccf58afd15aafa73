"""deploy/gunicorn.conf.py: what the master loads before forking (issue 16, start fast).

The master's ``on_starting`` hook runs in a fresh interpreter (as gunicorn's master would run it)
with ``GEOWARN_ALERT_LAYERS`` set: the layers the service will use are loaded with both of their
indexes (the engine's pieces and the regions' STRtree), so that forked workers share them, and no
other layer is read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, runpy
conf = runpy.run_path({conf!r})
conf["on_starting"](None)
from geowarn import layers, zones
loaded = sorted(key[1] for key in layers._CACHE)
indexed = sorted(entry[2].layer_id for entry in zones._INDEX_CACHE.values())
trees = sorted(layer.id for layer in layers._CACHE.values() if "tree" in vars(layer))
print(json.dumps({{"loaded": loaded, "indexed": indexed, "trees": trees}}))
"""


def test_master_preloads_the_service_layers_with_both_indexes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GEOWARN_ALERT_LAYERS": "jp-prefectures,eez-like",
        "GEOWARN_DATA": str(tmp_path),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("GEOWARN_LAYERS_DIR", None)
    code = PROBE.format(conf=str(ROOT / "deploy" / "gunicorn.conf.py"))
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=180, check=False
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    want = ["eez-like", "jp-prefectures"]
    assert got == {"loaded": want, "indexed": want, "trees": want}
