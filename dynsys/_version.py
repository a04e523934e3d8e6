"""The installed version of dynsys (from the package metadata, one source of truth)."""

from __future__ import annotations

from importlib import metadata

__all__ = ["__version__"]

try:
    __version__ = metadata.version("dynsys")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
