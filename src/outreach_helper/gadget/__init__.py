"""The wiki gadget: ``outreach-helper.js`` and ``outreach-helper.css`` in this folder.

Wikis install their own copy (their Content-Security-Policy forbids loading scripts from
Toolforge); the service serves these files at ``/gadget/`` so they are easy to fetch, and
the offline demo runs them on its stand-in wiki pages.
"""

from __future__ import annotations

from importlib.resources import files

MEDIA_TYPES = {
    "outreach-helper.js": "text/javascript; charset=utf-8",
    "outreach-helper.css": "text/css; charset=utf-8",
}


def read(name: str) -> bytes:
    """The current bytes of one of the gadget's files (read afresh: the demo shows edits)."""
    if name not in MEDIA_TYPES:
        raise KeyError(f"not a gadget file: {name!r}")
    return files(__name__).joinpath(name).read_bytes()
