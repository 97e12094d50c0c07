"""Outreach Dashboard Helper: a cached JSON API in front of the Outreach Dashboard."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("outreach-helper")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
