"""geowarn: where may rocket and space debris fall, when, and who must be told.

``geowarn.__version__`` is looked up on first use (PEP 562): :mod:`importlib.metadata` scans the
installed distributions, which a short command such as ``geowarn zones`` need not pay for.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """Return ``__version__`` (the installed distribution's version), computed once."""
    if name != "__version__":
        raise AttributeError(f"module 'geowarn' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("geowarn")
    except PackageNotFoundError:  # running from a checkout without installation
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
