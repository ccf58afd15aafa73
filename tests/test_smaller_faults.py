"""The smaller faults of issue 14 (#12), each reproduced: GeoJSON auto-detection up to the file limit,
the operator's publish step within the upload limit, ``layers add`` of a file with several layers,
owner-only data files, ``PATCH {"status": "cancelled"}`` keeping ``name`` and ``if_version``, and
``geowarn outbox requeue`` for parked messages."""

from __future__ import annotations

import io
import json
import re
import stat
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from flask import Flask

from geowarn.alerts import outbox
from geowarn.cli import main
from geowarn.errors import InvalidParameter
from geowarn.layers import add_layer
from geowarn.sources import detect_format, parse
from geowarn.store import alerts as repo
from geowarn.store import open_store
from tests.alerts.helpers import queue_messages
from tests.webapp.helpers import corridor_fc
from tests.webapp.test_pages import login
from webapp import create_app
from webapp.core import close_app


def test_large_geojson_is_detected_up_to_the_file_limit() -> None:
    fc = corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)})
    fc["features"][0]["properties"]["raw"] = "x" * 18_700_000  # 18.7 MB: over the 1 MB of notice text
    data = json.dumps(fc).encode()
    assert detect_format(data) == "geojson"
    assert len(parse(data).corridors[0].raw) == 18_700_000


def test_operator_publishes_a_file_near_the_upload_limit(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "MAX_UPLOAD_MB": "0.1"})
    try:
        c = app.test_client()
        csrf = login(c, app.extensions["geowarn.store"].create_token("op")[1])
        fc = corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)})
        fc["features"][0]["properties"]["raw"] = "x" * 90_000  # 94 % of the 0.1 MB limit
        data = json.dumps(fc).encode()
        form = {"csrf_token": csrf, "mode": "file", "name": "Near the limit", "action": "preview"}
        r = c.post("/operator", data={**form, "file": (io.BytesIO(data), "c.geojson")})
        assert r.status_code == 200, r.data[:300]
        b64 = re.search(r'name="file_b64" value="([^"]+)"', r.get_data(as_text=True))
        assert b64 is not None
        r = c.post("/operator", data={**form, "action": "publish", "file_b64": b64.group(1), "filename": "c.geojson"})
        assert r.status_code == 303, r.data[:300]  # re-posted base64 (4/3) in a form: within the allowance
        too_big = json.dumps({**fc, "pad": "y" * 120_000}).encode()
        r = c.post("/operator", data={**form, "file": (io.BytesIO(too_big), "c.geojson")})
        assert r.status_code == 413
        api = c.post("/api/events", data=too_big, headers={"Content-Type": "application/geo+json"})
        assert api.status_code in (401, 413)
    finally:
        close_app(app)


def test_layers_add_refuses_to_guess_among_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    for name, box in (("north", (124, 35, 125, 36)), ("south", (124, 24, 125, 25))):
        gdf = gpd.GeoDataFrame({"name": [name]}, geometry=[shapely.box(*box)], crs=4326)
        gdf.to_file(path, layer=name, driver="GPKG")
    with pytest.raises(InvalidParameter) as ei:
        add_layer(path, "two", name_field="name", target_dir=tmp_path / "layers")
    assert "north" in str(ei.value) and "south" in str(ei.value) and "--layer" in str(ei.value)
    entry = add_layer(path, "two", name_field="name", target_dir=tmp_path / "layers", source_layer="south")
    assert entry["features"] == 1


def test_sqlite_files_are_owner_only(tmp_path: Path) -> None:
    store = open_store(data_dir=tmp_path)
    store.create_token("t")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir() if p.name.startswith("geowarn")}
    store.close()
    assert "geowarn.sqlite3" in modes and "geowarn.sqlite3-wal" in modes
    assert all(m & 0o077 == 0 for m in modes.values()), {k: oct(m) for k, m in modes.items()}


def test_patch_cancel_keeps_name_and_if_version(tmp_path: Path) -> None:
    app: Flask = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None})
    try:
        c = app.test_client()
        auth = {"Authorization": f"Bearer {app.extensions['geowarn.store'].create_token('t')[1]}"}
        fc = corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)})
        assert c.post("/api/events", json={"geojson": fc, "id": "ev-p"}, headers=auth).status_code == 201
        stale = c.patch("/api/events/ev-p", json={"status": "cancelled", "if_version": 7}, headers=auth)
        assert stale.status_code == 409  # was: cancelled anyway
        r = c.patch("/api/events/ev-p", json={"status": "cancelled", "name": "Scrubbed", "if_version": 1}, headers=auth)
        assert r.status_code == 200
        body = r.get_json()
        assert body["status"] == "cancelled" and body["name"] == "Scrubbed" and body["version"] == 2
    finally:
        close_app(app)


def test_outbox_requeue_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOWARN_DATA", str(tmp_path))
    monkeypatch.delenv("GEOWARN_DATABASE_URL", raising=False)
    store = open_store(data_dir=tmp_path)
    queue_messages(store, "http://127.0.0.1:9/h", "0123456789", 2)
    ids = [r["id"] for r in outbox.rows(store)]
    with store.transaction() as tx:
        for oid in ids:
            repo.park(tx, oid, "HTTP 410 Gone")
    runner = CliRunner()
    listed = runner.invoke(main, ["outbox", "list", "--status", "parked"])
    assert listed.exit_code == 0 and all(oid in listed.output for oid in ids) and "HTTP 410" in listed.output
    none = runner.invoke(main, ["outbox", "requeue"])
    assert none.exit_code == 1 and "--all-parked" in none.output
    r = runner.invoke(main, ["outbox", "requeue", "--all-parked"])
    assert r.exit_code == 0, r.output
    assert outbox.stats(store) == {"pending": 2}
    again = runner.invoke(main, ["outbox", "requeue", ids[0]])
    assert again.exit_code == 1 and "no parked outbox row" in again.output
    store.close()


def test_opening_a_connection_keeps_the_locks_of_the_others(tmp_path: Path) -> None:
    """Opening a connection must not open and close the database file itself: closing any descriptor
    drops the process's SQLite (fcntl) locks, and another process then sees the database unused (its
    last connection checkpoints and removes the WAL under us: "database disk image is malformed")."""
    import subprocess
    import sys
    import threading

    store = open_store(data_dir=tmp_path)
    store.generation()  # this thread's connection holds SQLite's shared lock on the file
    probe = (  # may another process lock SQLite's SHARED byte range exclusively? (0x40000002, 510 bytes)
        "import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002); print('free')\n"
        "except OSError:\n    print('held')\n"
    )

    def other_process_sees() -> str:
        args = [sys.executable, "-c", probe, str(tmp_path / "geowarn.sqlite3")]
        return subprocess.run(args, capture_output=True, text=True, timeout=30).stdout.strip()

    assert other_process_sees() == "held"
    t = threading.Thread(target=store.generation)  # another thread opens its own connection
    t.start()
    t.join(10)
    assert other_process_sees() == "held"
    store.close()
