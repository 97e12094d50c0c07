"""Upstream paths built from percent-encoded segments.

Nothing a caller sends can change which path or query is requested: every segment is
encoded with no safe characters, so `/`, `?`, `#`, `%` and `..` stay inside their segment.
"""

from __future__ import annotations

from urllib.parse import quote


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment; `.` and `..` are encoded too, so never resolved."""
    encoded = quote(segment, safe="")
    if encoded in {".", ".."}:
        return encoded.replace(".", "%2E")
    return encoded


def course_path(school: str, title: str, document: str) -> str:
    """`/courses/SCHOOL/TITLE/course.json` or `.../users.json`."""
    if document not in {"course.json", "users.json"}:
        raise ValueError(f"unknown course document {document!r}")
    return f"/courses/{encode_segment(school)}/{encode_segment(title)}/{document}"


USER_STATS_PATH = "/user_stats.json"
