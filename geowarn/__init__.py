"""geowarn: where may rocket and space debris fall, when, and who must be told."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("geowarn")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
