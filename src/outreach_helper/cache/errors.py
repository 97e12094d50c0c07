"""The store's one error type; a leaf module that anything in the package may import."""

from __future__ import annotations


class StoreError(Exception):
    """The store could not be reached or answered badly; the caller degrades, never fails."""
