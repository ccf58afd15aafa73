"""Settings from ``GEOWARN_*`` environment variables, each documented in README §Configuration."""

from __future__ import annotations

import os
from typing import Any

#: Every setting: environment variable → (config key, default, description).
SETTINGS: dict[str, tuple[str, Any, str]] = {
    "GEOWARN_DATA": ("DATA_DIR", "instance", "Data directory of the embedded SQLite store and published files."),
    "GEOWARN_DATABASE_URL": ("DATABASE_URL", None, "postgresql://… to use PostgreSQL + PostGIS instead of SQLite."),
    "GEOWARN_LAYERS_DIR": ("LAYERS_DIR", None, "Directory of the reference layers (default: the shipped ones)."),
    "GEOWARN_SECRET_KEY": ("SECRET_KEY", None, "Flask secret key (sessions, CSRF); random per process if unset."),
    "GEOWARN_TILE_URL": ("TILE_URL", None, "Optional XYZ tile URL for map backgrounds (offline base map if unset)."),
    "GEOWARN_TILE_ATTRIBUTION": ("TILE_ATTRIBUTION", "", "Attribution text shown with GEOWARN_TILE_URL."),
    "GEOWARN_CAP_SENDER": ("CAP_SENDER", "geowarn@localhost", "CAP <sender> (no spaces or commas)."),
    "GEOWARN_CAP_SENDER_NAME": ("CAP_SENDER_NAME", "geowarn", "CAP <senderName>, the human-readable issuer."),
    "GEOWARN_CAP_STATUS": ("CAP_STATUS", "Actual", "CAP <status>: Actual, Exercise or Test."),
    "GEOWARN_ALERT_LAYERS": (
        "ALERT_LAYERS",
        None,
        "Comma-separated layer ids to compute alert zones over (default: all alert layers).",
    ),
    "GEOWARN_MAX_UPLOAD_MB": ("MAX_UPLOAD_MB", "5", "Largest accepted request body / upload in MB (larger: 413)."),
}


def from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the documented ``GEOWARN_*`` settings from the environment."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for var, (key, default, _doc) in SETTINGS.items():
        out[key] = env.get(var, default)
    if not out["SECRET_KEY"]:
        out["SECRET_KEY"] = os.urandom(32).hex()
        out["SECRET_KEY_GENERATED"] = True
    return out
