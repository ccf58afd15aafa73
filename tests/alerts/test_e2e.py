"""End to end with real processes: ``geowarn serve`` + ``geowarn worker`` + a webhook receiver + Mosquitto.

Subscriptions JP-47 (webhook + MQTT), TS-JP-47 (webhook) and JP-13 Tokyo (webhook, the negative);
POST the 2016 NAVAREA notice (re-dated to next year) plus the Sakishima overflight corridor → one
signed Alert per Okinawa subscription; PUT with the corridor moved → one Update referencing the
Alert; cancel → one Cancel; Tokyo hears nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import shapely.affinity
from lxml import etree

from geowarn.publish.cap import CAP_NS, validate_cap
from geowarn.store import open_store
from tests.alerts.helpers import WebhookReceiver, future_notice, start_service, stop_process
from tests.examples import NAVAREA_XI_2016

NS = {"c": CAP_NS}


def _missing() -> str | None:
    if importlib.util.find_spec("geowarn.zones") is None or importlib.util.find_spec("geowarn.layers") is None:
        return "the alert-zone engine (geowarn.zones / geowarn.layers) is not installed"
    from geowarn.errors import NotFound
    from geowarn.layers import find_region

    for rid in ("JP-47", "TS-JP-47", "JP-13"):
        try:
            find_region(rid)
        except NotFound:
            return f"the shipped layers lack region {rid}"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def cli(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "GEOWARN_DATA": str(data_dir)}
    env.pop("GEOWARN_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "geowarn.cli", *args], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return out.stdout.strip()


def request(method: str, url: str, token: str, body: Any = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"{}")


def corridors_fc(shift_deg: float = 0.0) -> dict[str, Any]:
    """The re-dated notice's corridors plus the Sakishima overflight corridor (optionally moved east)."""
    from geowarn.demo import sakishima_overflight
    from geowarn.model import corridors_to_collection
    from geowarn.sources import parse

    notice = parse(future_notice(NAVAREA_XI_2016.read_text()))
    over = sakishima_overflight()
    over.windows = notice.corridors[0].windows
    if shift_deg:
        over.geometry = shapely.affinity.translate(over.geometry, shift_deg, 0.0)
    return corridors_to_collection([*notice.corridors, over])


def refs_of(body: bytes) -> tuple[str, list[str]]:
    root = etree.fromstring(body)
    me = ",".join(root.findtext(f"c:{k}", namespaces=NS) or "" for k in ("sender", "identifier", "sent"))
    return me, (root.findtext("c:references", namespaces=NS) or "").split()


def test_post_update_cancel_reaches_okinawa_only(tmp_path: Path, receiver: WebhookReceiver) -> None:
    import paho.mqtt.client as mqtt

    store = open_store(data_dir=tmp_path)
    _, token = store.create_token("e2e")
    store.close()
    hook = ["--webhook", receiver.url, "--secret", receiver.secret]
    topic = f"geowarn-e2e/{uuid.uuid4().hex}/jp-47"
    okinawa = cli(tmp_path, "subscriptions", "add", "--region", "JP-47", *hook, "--mqtt", topic, "--name", "Okinawa")
    waters = cli(tmp_path, "subscriptions", "add", "--region", "TS-JP-47", *hook, "--name", "Okinawa waters")
    tokyo = cli(tmp_path, "subscriptions", "add", "--region", "JP-13", *hook, "--name", "Tokyo")
    listed = cli(tmp_path, "subscriptions", "list")
    assert all(s in listed for s in (okinawa, waters, tokyo)) and receiver.secret not in listed

    mqtt_got: list[Any] = []
    subscribed = threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_subscribe = lambda *a, **k: subscribed.set()
    sub.on_message = lambda c, u, m: mqtt_got.append(m)
    sub.connect("127.0.0.1", 1883)
    sub.loop_start()
    sub.subscribe(topic, qos=1)
    assert subscribed.wait(5)

    server, url = start_service(tmp_path)
    env = {**os.environ, "GEOWARN_DATA": str(tmp_path)}
    env.pop("GEOWARN_DATABASE_URL", None)
    with open(tmp_path / "worker.log", "ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "geowarn.cli", "worker", "--poll-interval", "0.05"], env=env, stderr=log
        )
    try:
        created = request("POST", f"{url}/api/events", token, {"geojson": corridors_fc(), "id": "kms4-e2e"})
        assert len(created["messages"]) == 2, created["messages"]
        got = receiver.wait_for(2, timeout=15)
        assert sorted(r.message_id.split("-sub-")[1].rsplit("-", 1)[0] for r in got) == sorted(
            s.removeprefix("sub-") for s in (okinawa, waters)
        )
        assert all(r.signature_ok and r.msg_type == "Alert" for r in got)
        for r in got:
            assert validate_cap(r.body) == []
        alerts = {r.message_id.split("-sub-")[1].rsplit("-", 1)[0]: refs_of(r.body)[0] for r in got}

        updated = request("PUT", f"{url}/api/events/kms4-e2e", token, {"geojson": corridors_fc(0.3)})
        assert len(updated["messages"]) == 2
        got = receiver.wait_for(4, timeout=15)
        for r in got[2:]:
            assert r.msg_type == "Update" and r.signature_ok
            key = r.message_id.split("-sub-")[1].rsplit("-", 1)[0]
            assert refs_of(r.body)[1] == [alerts[key]]

        request("POST", f"{url}/api/events/kms4-e2e/cancel", token)
        got = receiver.wait_for(6, timeout=15)
        time.sleep(0.5)  # anything extra (duplicates, Tokyo) would arrive now
        got = list(receiver.received)
        assert [r.msg_type for r in got[4:]] == ["Cancel", "Cancel"]
        assert len(got) == 6 and len({r.message_id for r in got}) == 6
        assert not [r for r in got if tokyo.removeprefix("sub-") in r.message_id]
        for r in got[4:]:
            assert len(refs_of(r.body)[1]) == 2
        deadline = time.monotonic() + 5
        while len(mqtt_got) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [dict(m.properties.UserProperty)["msg-type"] for m in mqtt_got] == ["Alert", "Update", "Cancel"]
    finally:
        sub.disconnect()
        sub.loop_stop()
        assert stop_process(worker) == 0
        stop_process(server)
