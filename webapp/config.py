"""The web app's settings: :class:`geowarn.settings.Settings`, with Flask-style ``test_config`` keys mapped on.

``create_app(test_config)`` accepts the old upper-case keys (``DATA_DIR``,
``DATABASE_URL``, ``CAP_SENDER`` …, each the variable name without
``GEOWARN_``, ``GEOWARN_DATA`` being ``DATA_DIR``), the field names of
:class:`~geowarn.settings.Settings` and ``SETTINGS`` (a whole ``Settings``);
other keys (``TESTING``, ``STORE`` …) stay Flask config.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from geowarn.errors import InvalidParameter
from geowarn.settings import Settings, env_var

#: Flask-style key → :class:`Settings` field.
KEYS: dict[str, str] = {
    ("DATA_DIR" if f.metadata["env"] == "GEOWARN_DATA" else f.metadata["env"].removeprefix("GEOWARN_")): f.name
    for f in dataclasses.fields(Settings)
}

#: Every documented variable → its Flask-style key (kept for callers of the old table).
SETTINGS: dict[str, str] = {env_var(name): key for key, name in KEYS.items()}


def split_config(
    test_config: Mapping[str, Any] | None, base: Settings | None = None
) -> tuple[Settings, dict[str, Any]]:
    """Split ``test_config`` over ``base`` (default: the environment) into (settings, remaining Flask config).

    String values are parsed as the variable would be; ``None`` means the default.

    >>> s, rest = split_config({"CAP_SENDER": "ops@city.example", "MAX_UPLOAD_MB": "0.5", "TESTING": True},
    ...                        Settings())
    >>> s.cap_sender, s.max_upload_mb, rest
    ('ops@city.example', 0.5, {'TESTING': True})
    """
    config = dict(test_config or {})
    settings = config.pop("SETTINGS", None) or base or Settings.from_env()
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    overrides: dict[str, Any] = {}
    for key in list(config):
        name = KEYS.get(key) or (key if key in fields else None)
        if name is None:
            continue
        value = config.pop(key)
        f = fields[name]
        if value is None:
            overrides[name] = f.default
        elif isinstance(value, str):
            try:
                overrides[name] = f.metadata["parse"](value) if value else f.default
            except ValueError as exc:
                raise InvalidParameter(f"{key}: {exc}") from None
        elif name == "alert_layers":
            overrides[name] = tuple(value) or None
        else:
            overrides[name] = value
    return settings.replace(**overrides), config
