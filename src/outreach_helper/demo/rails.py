"""How the Dashboard's Rails application reads requests and renders answers, modelled.

Shared by the tests' fake Dashboard (tests/fakedash) and the offline demo's upstream, so
both behave like WikiEducationFoundation/WikiEduDashboard where it matters to us:

- `username` is decoded twice: Rack parses the query string, then
  `UserProfilesController#set_user` runs `CGI.unescape(params[:username]).tr('_', ' ')`
  (app/controllers/user_profiles_controller.rb);
- users and courses are found with `find_by` on `utf8mb4_unicode_ci` columns
  (db/schema.rb): case and accents ignored (`domain.identity.collation_key` models it);
- a missing course raises `RoutingError` with "Course SLUG not found"
  (app/helpers/course_helper.rb), a private one "not found" (courses_controller.rb,
  `protect_privacy`), rendered as JSON 404 `{"message": ...}` (lib/errors/rescue_errors.rb);
- `ended` is `@course.end < Time.zone.now` when rendering (courses/course.json.jbuilder);
- Rack::ETag sets `W/"` + the first 32 hex digits of the body's SHA-256 + `"`, and
  Rack::ConditionalGet answers 304 only when `If-None-Match` equals it exactly
  (rack 3.2, after the whole action ran).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote_plus

from outreach_helper.domain.identity import collation_key

T = TypeVar("T")

# Rack refuses a query with a `%` not followed by two hex digits (400 Bad Request).
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class BadQuery(ValueError):
    """Rack::QueryParser::InvalidParameterError: Rails answers 400."""


def read_username(query: str) -> str | None:
    """The username `set_user` looks up, from the raw query string; None when absent."""
    if _BAD_ESCAPE.search(query):
        raise BadQuery("invalid %-encoding in the query string")
    value = dict(parse_qsl(query, keep_blank_values=True)).get("username")  # Rack
    if value is None:
        return None
    return unquote_plus(value).replace("_", " ")  # CGI.unescape(...).tr('_', ' ')


def find_by_collation(rows: Mapping[str, T], name: str) -> tuple[str, T] | None:
    """`find_by(column: name)` on a unique `utf8mb4_unicode_ci` column: the (stored key,
    row) equal to `name` under the collation, or None."""
    key = collation_key(name)
    for stored, row in rows.items():
        if collation_key(stored) == key:
            return stored, row
    return None


def course_not_found(slug: str) -> dict[str, str]:
    return {"message": f"Course {slug} not found"}


PRIVATE_COURSE = {"message": "not found"}


def render_course(payload: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """course.json with `ended` computed now, as the view does on every render."""
    course = dict(payload["course"])
    end = course.get("end")
    if isinstance(end, str):
        moment = now or datetime.now(UTC)
        course["ended"] = datetime.fromisoformat(end) < moment
    return {**payload, "course": course}


def etag(body: bytes) -> str:
    """Rack::ETag's weak validator of a body."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def not_modified(if_none_match: str | None, current: str) -> bool:
    """Rack::ConditionalGet: exact string equality, no lists, no `*`, no weak compare."""
    return if_none_match is not None and if_none_match == current
