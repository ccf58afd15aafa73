"""Where the tests find their example inputs: ``tests/data``, or the package's demo copy.

The 2016 NAVAREA XI text and the 2023 profile ship with the package (``geowarn/data/demo``, read by
``geowarn demo``); the tests read that copy rather than keeping their own.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DATA = Path(__file__).parent / "data"
DEMO = Path(str(resources.files("geowarn"))) / "data" / "demo"
NAVAREA_XI_2016 = DEMO / "navarea-xi-2016-kms4.txt"
PROFILE_2023 = DEMO / "profile-2023-chollima.toml"


def example_path(name: str) -> Path:
    """``geowarn/data/demo/<name>`` for a shipped demo input, else ``tests/data/<name>``."""
    demo = DEMO / name
    return demo if demo.is_file() else DATA / name
