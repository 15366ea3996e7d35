"""Offline incident-response workbench: exported logs in, defensible findings out."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("workbench")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
