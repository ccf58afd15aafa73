"""CLI commands on the store: tokens create|list|revoke, events list|show|cancel, demo (SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from geowarn.cli import main
from geowarn.store import open_store


def test_tokens_and_events_commands(tmp_path: Path) -> None:
    env = {"GEOWARN_DATA": str(tmp_path), "GEOWARN_DATABASE_URL": "", "GEOWARN_ALERT_LAYERS": "jp-prefectures"}
    runner = CliRunner()
    r = runner.invoke(main, ["tokens", "create", "--name", "ops"], env=env)
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    store = open_store(data_dir=tmp_path)
    token_id = store.verify_token(token)
    assert token_id is not None
    listing = runner.invoke(main, ["tokens", "list"], env=env).stdout
    assert token_id in listing and "ops" in listing and token not in listing
    assert runner.invoke(main, ["tokens", "revoke", token_id], env=env).exit_code == 0
    assert store.verify_token(token) is None
    r = runner.invoke(main, ["tokens", "revoke", "nope"], env=env)
    assert r.exit_code == 1 and "no token" in r.output

    r = runner.invoke(main, ["demo"], env=env)
    assert r.exit_code == 0, r.output
    listing = runner.invoke(main, ["events", "list"], env=env).stdout.splitlines()
    assert {line.split("\t")[0] for line in listing} == {"kwangmyongsong-4-2016", "chollima-1-2023"}
    assert "already loaded" in runner.invoke(main, ["demo"], env=env).output
    shown = json.loads(runner.invoke(main, ["events", "show", "chollima-1-2023"], env=env).stdout)
    assert shown["type"] == "FeatureCollection" and shown["event"]["id"] == "chollima-1-2023"
    r = runner.invoke(main, ["events", "cancel", "chollima-1-2023"], env=env)
    assert r.exit_code == 0 and store.get_event("chollima-1-2023").status == "cancelled"
    r = runner.invoke(main, ["events", "show", "nope"], env=env)
    assert r.exit_code == 1 and "nope" in r.output
    store.close()
