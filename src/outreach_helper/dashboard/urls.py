"""Upstream paths built from percent-encoded segments.

Nothing a caller sends can change which path or query is requested: every segment is
encoded with no safe characters, so `/`, `?`, `#`, `%` and `..` stay inside their segment.
"""

from __future__ import annotations

from urllib.parse import quote, quote_plus


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


# The Dashboard's endpoints the service reads; each has its own breaker and marks.
ENDPOINTS = ("user_stats", "course", "users", "all_courses")
USER_STATS_PATH = "/user_stats.json"
# Every nonprivate course ever, with its facilitators and editors (see all_courses.py).
ALL_COURSES_PATH = "/all_courses.json"


def user_stats_query(username: str) -> str:
    """The query string of `user_stats.json` for `username`, escaped twice.

    Rails decodes the query string, then `UserProfilesController#set_user` runs
    `CGI.unescape(params[:username]).tr('_', ' ')` on the value
    (app/controllers/user_profiles_controller.rb). Escaped once, `Ann+Bob` would arrive
    as `Ann Bob` and `100%41` as `100A`: another user, or none. So the name is
    CGI-escaped first (`quote_plus` is Ruby's `CGI.escape`: space as `+`, everything but
    `A-Za-z0-9_.-~` percent-encoded as UTF-8), then percent-encoded again as the query
    value: `Ann+Bob` -> `username=Ann%252BBob`. `_` needs neither: a normalised name
    has none (MediaWiki reads `_` as a space, and so does the Dashboard).
    """
    return "username=" + quote(quote_plus(username, safe=""), safe="")
