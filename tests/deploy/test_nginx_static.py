"""Published files served by nginx from ``GEOWARN_STATIC_DIR``, gunicorn behind it (issue 16).

Real nginx and gunicorn on loopback: the per-version and current-version GeoJSON/CAP files come
from disk (``X-Cache-Status: STATIC``) with the app's headers and bytes; a cancel is visible on the
current URL as soon as its POST has answered; a file missing on disk, or a request with a query
string or a token, is answered by the app. Without nginx: a failed write never refuses the warning,
and a render finishing after a newer version committed leaves no current file behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geowarn.deploy import NginxSite, nginx_conf
from geowarn.publish.static import StaticFiles
from tests.alerts.helpers import free_port, stop_process
from tests.deploy.test_nginx import APP, GUNICORN, NGINX, ROOT, _get, _need_nginx, _wait, cancel_through

#: Headers a file from disk must carry as the app's answer does.
SAME = (
    "Content-Type",
    "Content-Length",
    "Cache-Control",
    "Content-Disposition",
    "Last-Modified",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
)


@dataclass
class Site:
    nginx: str
    app: str
    token: str
    static: StaticFiles


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    _need_nginx()
    from geowarn.demo import load_demo
    from geowarn.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="geowarn-nginx-static-"))  # not under pytest's 0700 tree
    tmp.chmod(0o755)
    data, static = tmp / "data", tmp / "static"
    static.mkdir()
    store = open_store(data_dir=data)
    load_demo(store)  # rendered without the static directory: the app writes the files when nginx asks
    _, token = store.create_token("nginx-static-test")
    store.close()
    gport, nport = free_port(), free_port()
    env = {**os.environ, "GEOWARN_DATA": str(data), "GEOWARN_STATIC_DIR": str(static), "PYTHONWARNINGS": "ignore"}
    env.pop("GEOWARN_DATABASE_URL", None)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        glog = tmp / "gunicorn.log"
        with glog.open("wb") as out:
            cmd = [GUNICORN, "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{gport}", "-w", "2", APP]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        _wait(f"http://127.0.0.1:{gport}/healthz", procs[0], glog)
        conf = tmp / "nginx.conf"
        conf.write_text(nginx_conf(NginxSite.scratch(tmp, nport, gport, static_dir=static)), encoding="utf-8")
        nlog = tmp / "nginx.out"
        with nlog.open("wb") as out:
            cmd = [NGINX, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"]
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=out))
        _wait(f"http://127.0.0.1:{nport}/healthz", procs[1], nlog)
        yield Site(f"http://127.0.0.1:{nport}", f"http://127.0.0.1:{gport}", token, StaticFiles(static))
    finally:
        for p in reversed(procs):
            stop_process(p)
        shutil.rmtree(tmp, ignore_errors=True)


def _from_disk(site: Site, path: str) -> tuple[dict[str, str], bytes]:
    """GET ``path`` through nginx until it comes from the static directory (the first miss writes it)."""
    for _ in range(2):
        status, headers, body = _get(site.nginx + path)
        assert status == 200, (path, status, body[:300])
        if headers.get("X-Cache-Status") == "STATIC":
            return headers, body
    raise AssertionError(f"{path} was not served from the static directory: {headers}")


@pytest.mark.parametrize(
    "path",
    [
        "/events/kwangmyongsong-4-2016.geojson",
        "/alerts/kwangmyongsong-4-2016.cap",
        "/events/kwangmyongsong-4-2016/v1.geojson",
        "/events/kwangmyongsong-4-2016/v2.cap",
    ],
)
def test_published_files_come_from_disk_with_the_apps_headers(site: Site, path: str) -> None:
    headers, body = _from_disk(site, path)
    status, direct, direct_body = _get(site.app + path)
    assert status == 200 and body == direct_body
    assert {h: headers.get(h) for h in SAME} == {h: direct.get(h) for h in SAME}
    assert (site.static.root / path.lstrip("/")).read_bytes() == body
    immutable = "/v" in path
    assert ("immutable" in headers["Cache-Control"]) is immutable
    code, _, empty = _get(site.nginx + path, {"If-None-Match": headers["ETag"]})
    assert code == 304 and empty == b""


def test_a_query_string_or_a_token_goes_to_the_app(site: Site) -> None:
    path = "/events/kwangmyongsong-4-2016.geojson"
    _from_disk(site, path)
    for query, headers in (("?x=1", {}), ("", {"Authorization": "Bearer x"})):
        status, h, got = _get(site.nginx + path + query, headers)
        assert (status, got) == _get(site.app + path + query, headers)[::2]  # the app's answer (?x=1: a 400)
        assert h.get("X-Cache-Status") != "STATIC", (query, headers)
    assert _get(site.nginx + path + "?x=1")[0] == 400


def test_a_missing_file_falls_back_to_the_app_which_writes_it_again(site: Site) -> None:
    path = "/alerts/kwangmyongsong-4-2016.cap"
    _, body = _from_disk(site, path)
    site.static.current_path("kwangmyongsong-4-2016", "cap").unlink()
    status, headers, got = _get(site.nginx + path)
    assert status == 200 and got == body and headers.get("X-Cache-Status") != "STATIC"
    assert _from_disk(site, path)[1] == body


def test_a_cancel_is_visible_on_the_current_url_at_once(site: Site) -> None:
    from geowarn.demo import CHOLLIMA_ID

    path = f"/events/{CHOLLIMA_ID}.geojson"
    _, before = _from_disk(site, path)
    assert json.loads(before)["event"]["status"] != "cancelled"
    cancel_through(site.nginx, site.token, CHOLLIMA_ID)
    status, _, now = _get(site.nginx + path)  # from the app or from the cancel's own file: never the old one
    assert status == 200 and json.loads(now)["event"]["status"] == "cancelled"
    _, again = _from_disk(site, path)
    assert json.loads(again)["event"]["status"] == "cancelled"
    assert site.static.version_path(CHOLLIMA_ID, "geojson", 1).read_bytes() == before  # v1 stays as it was


def test_a_failed_write_never_refuses_the_warning(tmp_path: Path) -> None:
    from geowarn.demo import CHOLLIMA_ID, load_demo
    from geowarn.service import Options, cancel_event
    from geowarn.store import open_store

    blocker = tmp_path / "static"
    blocker.write_text("a file where the directory should be")  # every write below it fails
    store = open_store(data_dir=tmp_path / "data")
    try:
        load_demo(store, options=Options(static_dir=str(blocker)))
        result = cancel_event(store, CHOLLIMA_ID, options=Options(static_dir=str(blocker)))
        assert result.event.version == 2 and "geojson" in result.artifacts
        assert store.get_event(CHOLLIMA_ID).status.value == "cancelled"
    finally:
        store.close()


def test_a_render_finishing_after_a_newer_version_leaves_no_current_file(tmp_path: Path) -> None:
    from geowarn.demo import CHOLLIMA_ID, load_demo
    from geowarn.service import Options, cancel_event
    from geowarn.store import open_store

    static = StaticFiles(tmp_path / "static")
    store = open_store(data_dir=tmp_path / "data")
    try:
        load_demo(store, options=Options(static_dir=str(static.root)))
        current = static.current_path(CHOLLIMA_ID, "geojson")
        v1 = store.get_artifact(CHOLLIMA_ID, "geojson")
        assert current.read_bytes() == v1.body
        cancel_event(store, CHOLLIMA_ID, options=Options(static_dir=str(static.root)))
        v2 = store.get_artifact(CHOLLIMA_ID, "geojson")
        assert current.read_bytes() == v2.body != v1.body
        current.unlink()
        assert static.write(store, v1) is False  # a late render of v1
        assert not current.exists() and static.version_path(CHOLLIMA_ID, "geojson", 1).read_bytes() == v1.body
        assert static.write(store, v2) is True and current.read_bytes() == v2.body
    finally:
        store.close()


def _publish(site: Site, event_id: str, start: datetime, end: datetime) -> None:
    from geowarn.model import format_time
    from tests.webapp.helpers import corridor_fc
    from tests.webapp.live import api

    fc = corridor_fc({"a": (125.1, 24.6, 125.5, 24.9)}, format_time(start), format_time(end))  # off Okinawa
    status, body = api(site.nginx, site.token, "POST", "/api/events", {"geojson": fc, "id": event_id})
    assert status == 201, body


def _state(body: bytes) -> str:
    m = re.search(rb'class="verdict state-([a-z_-]+)"', body)
    assert m, body[:500]
    return m.group(1).decode()


def test_the_region_page_comes_from_disk_and_a_publish_shows_at_once(site: Site) -> None:
    page = "/regions/JP-47"
    for _ in range(30):  # a 10 s window in which the page changes (the minute it shows) is left to the app
        status, headers, body = _get(site.nginx + page)
        assert status == 200
        if headers.get("X-Cache-Status") == "STATIC":
            break
        time.sleep(0.5)
    assert headers.get("X-Cache-Status") == "STATIC", headers
    _, direct, _ = _get(site.app + page)
    same = [h for h in SAME if h not in ("Content-Length", "Last-Modified", "Content-Disposition")]
    assert {h: headers.get(h) for h in (*same, "Vary")} == {h: direct.get(h) for h in (*same, "Vary")}
    assert b'href="/events/static-publish"' not in body
    now = datetime.now(UTC)
    _publish(site, "static-publish", now + timedelta(hours=2), now + timedelta(hours=5))
    # The commit removed the region pages; nginx's own copy of a window (from a render that began before the
    # commit, stored up to one render later) lives 1 s: never the 3 s of max-age + stale-while-revalidate.
    for _ in range(2):
        time.sleep(1.1)
        status, headers, body = _get(site.nginx + page)
        if b'href="/events/static-publish"' in body:
            break
    assert status == 200 and b'href="/events/static-publish"' in body, headers


def test_a_window_starting_flips_the_region_page_at_that_second(site: Site) -> None:
    page = "/regions/JP-47"
    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(seconds=15 - (now.second % 10) + 5)  # the middle of a 10 s window, 10-20 s from now
    _publish(site, "static-window", start, start + timedelta(hours=1))
    seen = []
    while datetime.now(UTC) < start + timedelta(seconds=3):
        asked = datetime.now(UTC)
        status, headers, body = _get(site.nginx + page)
        assert status == 200
        seen.append((asked, _state(body), headers.get("X-Cache-Status")))
        time.sleep(0.2)
    before = {s for t, s, _ in seen if t < start - timedelta(seconds=1)}
    after = {s for t, s, _ in seen if t >= start + timedelta(seconds=1)}
    assert before and after and not before & after, seen
    assert "STATIC" in {c for t, _, c in seen if t < start - timedelta(seconds=1)}, seen  # nginx served it before


def test_nginx_matches_what_the_app_writes() -> None:
    """The patterns of the nginx locations and maps are the app's own (ids, region ids, language key)."""
    from geowarn import deploy
    from geowarn.ids import EVENT_ID_BODY
    from geowarn.publish.static import FIRST_LANGUAGE, REGION_ID

    conf = nginx_conf(NginxSite(static_dir="/srv/static"))
    assert deploy._ID == EVENT_ID_BODY
    assert f'"^/regions/(?<gw_region>{REGION_ID.pattern})$"' in conf
    assert f'"~^(?<l>{FIRST_LANGUAGE.pattern[1:]}" $l;' in conf
    assert "root /srv/static;" in conf and "$geowarn_static" not in nginx_conf(NginxSite(static_dir=None))


def test_a_commit_without_the_setting_still_drops_the_registered_files(tmp_path: Path) -> None:
    """A CLI or worker started without GEOWARN_STATIC_DIR must not leave nginx answering the old version."""
    from geowarn.demo import CHOLLIMA_ID, load_demo
    from geowarn.publish.static import registered
    from geowarn.service import Options, cancel_event
    from geowarn.store import open_store

    static = StaticFiles(tmp_path / "static")
    store = open_store(data_dir=tmp_path / "data")
    try:
        load_demo(store, options=Options(static_dir=str(static.root)))  # the web app, with the setting
        current = static.current_path(CHOLLIMA_ID, "geojson")
        page = static.region_path("JP-47", "ja", 1)
        page.parent.mkdir(parents=True)
        page.write_bytes(b"<p>before the cancel</p>")
        assert current.exists()
        with store.snapshot() as tx:
            assert registered(tx) == [str(static.root.resolve())]
        cancel_event(store, CHOLLIMA_ID, options=Options())  # e.g. `geowarn cancel` in a shell without it
        assert not current.exists() and not page.exists()
        assert static.version_path(CHOLLIMA_ID, "geojson", 1).exists()  # the immutable copy stays
    finally:
        store.close()


def test_the_web_app_registers_its_static_directory(tmp_path: Path) -> None:
    from geowarn.publish.static import registered
    from webapp import create_app

    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": None, "STATIC_DIR": str(tmp_path / "s")}
    )
    with app.extensions["geowarn.store"].snapshot() as tx:
        assert registered(tx) == [str((tmp_path / "s").resolve())]
