"""geowarn.settings: one declaration per GEOWARN_* variable; README's table is generated from it."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geowarn.alerts import outbox
from geowarn.alerts.worker import WorkerOptions
from geowarn.errors import InvalidParameter
from geowarn.settings import END_MARKER, START_MARKER, Settings, env_var, settings_table_markdown, update_readme
from geowarn.store import alerts as repo

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"


def test_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s == Settings()
    assert s.data_dir == Path("instance") and s.database_url is None and s.alert_layers is None
    assert (s.smtp_port, s.smtp_starttls, s.max_upload_mb, s.port) == (25, False, 5.0, 8000)
    assert s.user_layers_dir == Path("instance") / "layers"


def test_values_are_parsed_to_types() -> None:
    s = Settings.from_env(
        {
            "GEOWARN_DATA": "/srv/geowarn",
            "GEOWARN_SMTP_PORT": "587",
            "GEOWARN_SMTP_STARTTLS": "yes",
            "GEOWARN_MAX_UPLOAD_MB": "0.5",
            "GEOWARN_ALERT_LAYERS": " jp-prefectures , eez-like,",
            "GEOWARN_WORKER_MAX_ATTEMPTS": "3",
            "GEOWARN_LAYERS_DIR": "/srv/layers",
            "GEOWARN_TILE_URL": "",
        }
    )
    assert s.data_dir == Path("/srv/geowarn") and s.layers_dir == Path("/srv/layers")
    assert s.smtp_port == 587 and s.smtp_starttls is True and s.max_upload_mb == 0.5
    assert s.alert_layers == ("jp-prefectures", "eez-like") and s.worker_max_attempts == 3
    assert s.tile_url is None  # empty = unset
    assert s.user_layers_dir == Path("/srv/layers")


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("GEOWARN_SMTP_PORT", "smtp"),
        ("GEOWARN_SMTP_PORT", "70000"),
        ("GEOWARN_PORT", "-1"),
        ("GEOWARN_MAX_UPLOAD_MB", "lots"),
        ("GEOWARN_MAX_UPLOAD_MB", "0"),
        ("GEOWARN_SMTP_STARTTLS", "maybe"),
        ("GEOWARN_CAP_STATUS", "Real"),
        ("GEOWARN_CAP_SENDER", "two words"),
        ("GEOWARN_DATABASE_URL", "mysql://x"),
        ("GEOWARN_WORKER_MAX_ATTEMPTS", "0"),
        ("GEOWARN_DELIVERY_TIMEOUT_S", "-3"),
    ],
)
def test_bad_values_name_the_variable(var: str, value: str) -> None:
    with pytest.raises(InvalidParameter, match=f"^{var}: "):
        Settings.from_env({var: value})


def test_only_parses_the_named_fields() -> None:
    s = Settings.from_env({"GEOWARN_SMTP_PORT": "bad", "GEOWARN_CAP_SENDER": "ops@x.example"}, only=["cap_sender"])
    assert s.cap_sender == "ops@x.example" and s.smtp_port == 25


def test_replace_and_frozen() -> None:
    s = Settings()
    t = s.replace(cap_sender="ops@x.example")
    assert t.cap.sender == "ops@x.example" and s.cap.sender == "geowarn@localhost"
    with pytest.raises(InvalidParameter, match="nope"):
        s.replace(nope=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]


def test_every_field_has_a_geowarn_variable() -> None:
    names = [f.metadata["env"] for f in dataclasses.fields(Settings)]
    assert all(re.fullmatch(r"GEOWARN_[A-Z_]+", n) for n in names)
    assert len(set(names)) == len(names)
    assert env_var("smtp_port") == "GEOWARN_SMTP_PORT"


def test_worker_defaults_agree_with_the_outbox() -> None:
    s = Settings()
    assert (s.worker_lease_s, s.worker_retry_base_s, s.worker_retry_cap_s, s.worker_max_attempts) == (
        outbox.LEASE_S,
        outbox.RETRY_BASE_S,
        outbox.RETRY_CAP_S,
        outbox.MAX_ATTEMPTS,
    )
    d = WorkerOptions()
    w = WorkerOptions.from_settings(s)
    assert (w.poll_interval, w.lease_s, w.retry_base, w.retry_cap, w.max_attempts, w.timeout) == (
        d.poll_interval,
        d.lease_s,
        d.retry_base,
        d.retry_cap,
        d.max_attempts,
        d.timeout,
    )
    w = WorkerOptions.from_settings(s.replace(worker_max_attempts=7), lease_s=5.0, retry_base=None)
    assert (w.max_attempts, w.lease_s, w.retry_base) == (7, 5.0, s.worker_retry_base_s)


def test_readme_table_is_generated() -> None:
    text = README.read_text(encoding="utf-8")
    assert update_readme(text) == text, (
        "README.md §Configuration is stale: run python -m geowarn.settings --markdown README.md"
    )
    for f in dataclasses.fields(Settings):
        assert f"`{f.metadata['env']}`" in settings_table_markdown()


def test_markdown_command_regenerates_the_table(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(
        f"# x\n\n{START_MARKER}\nold\n{END_MARKER}\nend\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "geowarn.settings", "--markdown", str(stale)], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    new = stale.read_text(encoding="utf-8")
    assert "old" not in new and "| `GEOWARN_SMTP_PORT` | `25` |" in new and new.endswith("<!-- settings:end -->\nend\n")
    r = subprocess.run(
        [sys.executable, "-m", "geowarn.settings", "--markdown"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0 and r.stdout == settings_table_markdown()


def test_runtime_reads_the_environment_only_through_settings() -> None:
    hits = []
    for path in [*(ROOT / "geowarn").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("geowarn/settings.py", "geowarn/layers/build.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if "os.environ" in text or "getenv(" in text:
            hits.append(rel)
    assert hits == []


def test_cap_identity_reaches_alert_messages(tmp_path: Path) -> None:
    from geowarn.alerts import lifecycle, rules
    from geowarn.alerts.rules import Channel, Subscription
    from geowarn.publish.cap import NS, parse_cap
    from geowarn.settings import CapIdentity
    from geowarn.store import open_store
    from tests.alerts.helpers import T0, make_event, make_zone

    store = open_store(data_dir=tmp_path)
    sub = Subscription.create(regions=["JP-47"], channels=[Channel("email", "a@b.org")])
    with store.transaction() as tx:
        rules.save_subscription(tx, sub)
    ident = CapIdentity("ops@city.example.jp", "City of Example", "Exercise")
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0, cap=ident)
    assert len(ids) == 1
    with store.snapshot() as tx:
        row = tx.fetchall("SELECT subscription_id, body, body_ref, reference FROM alert_messages")[0]
        repo.resolve_bodies(tx, [row])
    root = parse_cap(bytes(row["body"]))
    assert root.findtext("cap:sender", namespaces=NS) == "ops@city.example.jp"
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert root.findtext("cap:info/cap:senderName", namespaces=NS) == "City of Example"
    assert row["reference"].startswith("ops@city.example.jp,")
    store.close()


def test_cli_reports_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from geowarn.cli import GeowarnGroup, main

    r = CliRunner().invoke(main, ["tokens", "list"], env={"GEOWARN_DATA": str(tmp_path), "GEOWARN_SMTP_PORT": "x"})
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == ["Error: GEOWARN_SMTP_PORT: expected an integer, got 'x'"]
    assert all(isinstance(c, GeowarnGroup) for c in (main, *main.commands.values()) if hasattr(c, "commands"))
    # settings passed down: the store opens in GEOWARN_DATA
    r = CliRunner().invoke(main, ["tokens", "create", "--name", "t"], env={"GEOWARN_DATA": str(tmp_path)})
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "geowarn.sqlite3").exists()


def test_library_reads_the_environment_in_one_place() -> None:
    """Only the entry points build settings from the environment; library calls without settings go
    through ``settings.library_fallback``, which reads only the fields it declares."""
    from geowarn.settings import LIBRARY_FALLBACKS, library_fallback

    fields = {f.name for f in dataclasses.fields(Settings)}
    assert all(names and set(names) <= fields for names in LIBRARY_FALLBACKS.values())
    entry_points = {"geowarn/settings.py", "geowarn/cli.py", "webapp/config.py", "webapp/core.py"}
    hits = []
    for path in [*(ROOT / "geowarn").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel not in entry_points and "from_env(" in path.read_text(encoding="utf-8"):
            hits.append(rel)
    assert hits == []
    # a bad variable outside the part's fields does not matter; inside, it is a named error
    env = {"GEOWARN_SMTP_PORT": "x", "GEOWARN_CAP_SENDER": "ops@city.example"}
    assert library_fallback("cap", environ=env).cap.sender == "ops@city.example"
    with pytest.raises(InvalidParameter, match="GEOWARN_SMTP_PORT"):
        library_fallback("smtp", environ=env)
