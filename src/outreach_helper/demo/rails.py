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
- the bulk views (all_courses, campaign users, courses_by_wiki, active_courses; below)
  render lists from the same data, private courses left out where the views leave them out;
- Rack::ETag sets `W/"` + the first 32 hex digits of the body's SHA-256 + `"`, and
  Rack::ConditionalGet answers 304 only when `If-None-Match` equals it exactly
  (rack 3.2, after the whole action ran).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, unquote, unquote_plus

from outreach_helper.domain.counts import parse_count
from outreach_helper.domain.identity import collation_key

if TYPE_CHECKING:
    from outreach_helper.demo.dataset import Dataset

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
    row) equal to `name` under the collation, or None.

    Large tables (the large world's thousands of users) are looked up through an index of
    their collation keys, rebuilt whenever the set of stored keys changed; small ones are
    scanned as before."""
    key = collation_key(name)
    if len(rows) > _INDEX_FROM:
        stored = _collation_index(rows).get(key)
        return None if stored is None else (stored, rows[stored])
    for stored, row in rows.items():
        if collation_key(stored) == key:
            return stored, row
    return None


_INDEX_FROM = 256  # rows; below this a scan is as fast as checking the index
# id(rows) -> (rows, its keys when indexed, collation key -> stored key); a few tables.
_INDEXES: OrderedDict[int, tuple[Mapping[str, Any], frozenset[str], dict[str, str]]] = OrderedDict()


def _collation_index(rows: Mapping[str, Any]) -> dict[str, str]:
    """The collation index of ``rows``, checked against its keys (a set comparison in C,
    far cheaper than computing every collation key again)."""
    entry = _INDEXES.get(id(rows))
    if entry is not None and entry[0] is rows and entry[1] == rows.keys():
        _INDEXES.move_to_end(id(rows))
        return entry[2]
    index: dict[str, str] = {}
    for stored in rows:
        index.setdefault(collation_key(stored), stored)
    _INDEXES[id(rows)] = (rows, frozenset(rows), index)
    while len(_INDEXES) > 8:
        _INDEXES.popitem(last=False)
    return index


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


# --- bulk endpoints ---------------------------------------------------------------------------
#
# The JSON views the Dashboard answers lists of courses and people with, modelled over a
# `Dataset` (course.json payloads, users.json rosters, the private set, campaigns). Order
# without ORDER BY is the primary key's (InnoDB), so courses come in `course.id` order and
# enrollments in roster order.

BULK_ENDPOINTS = (
    "all_courses", "campaign_users", "courses_by_wiki", "active_courses",
    "campaign_active_courses",
)  # fmt: skip

# CoursesUsers::ROLE_NAMES (app/models/course_data/courses_users.rb): the campaign
# users.json role strings, not the translated user_stats labels.
ROLE_NAMES = {
    0: "Editor",
    1: "Facilitator",
    2: "Campus Volunteer",
    3: "Online Volunteer",
    4: "Wiki Education Staff",
}
# Wiki::PROJECTS and Wiki::MULTILINGUAL_PROJECTS (app/models/wiki.rb).
WIKI_PROJECTS = frozenset((
    "wikipedia", "wikibooks", "wikidata", "wikimedia", "wikinews", "wikiquote", "wikisource",
    "wikiversity", "wikivoyage", "wiktionary",
))  # fmt: skip
MULTILINGUAL_DOMAINS = {"wikidata": "www.wikidata.org", "wikisource": "wikisource.org"}
UPDATE_LENGTH = timedelta(days=30)  # Course::UPDATE_LENGTH on the Outreach Dashboard
ACTIVE_COURSES_LIMIT = 100  # CoursesPresenter#active_courses_by_recent_edits
CAMPAIGN_NOT_FOUND = {"message": "Campaign does not exist"}  # CampaignsController#set_campaign
_BYTES_PER_WORD = 5.175  # lib/word_count.rb, WordCount.from_characters
_HUMAN_UNITS = ("", "K", "M", "B", "T", "Q")
_WIKI_PATH = re.compile(r"^/courses_by_wiki/([^./]+)\.([^./]+)(?:\.org)?\.json$")
_CAMPAIGN_PATH = re.compile(r"^/campaigns/([^/]+)/(users|active_courses)\.json$")


@dataclass(frozen=True)
class BulkRequest:
    """A bulk endpoint and its parameters, read from the request as Rails routes it."""

    endpoint: str  # one of BULK_ENDPOINTS
    campaign: str | None = None  # the campaign slug, decoded once
    language: str | None = None  # courses_by_wiki
    project: str | None = None
    year: int | None = None  # courses_by_wiki ?year=N (`params[:year].to_i`)

    @property
    def target(self) -> str | None:
        if self.campaign is not None:
            return self.campaign
        if self.project is not None:
            return f"{self.language}.{self.project}"
        return None


def route_bulk(raw_path: str, query: str = "") -> BulkRequest | None:
    """The bulk endpoint of a still percent-encoded path, or None if it is not one.

    config/routes.rb: `get 'all_courses'` and `get 'active_courses'` (format json),
    `resources :campaigns, param: :slug` members `users` and `active_courses`, and
    `get '/courses_by_wiki/:language.:project(.org)'`, whose segments stop at dots.
    """
    if raw_path == "/all_courses.json":
        return BulkRequest("all_courses")
    if raw_path == "/active_courses.json":
        return BulkRequest("active_courses")
    if match := _CAMPAIGN_PATH.match(raw_path):
        endpoint = "campaign_users" if match[2] == "users" else "campaign_active_courses"
        return BulkRequest(endpoint, campaign=unquote(match[1]))
    if match := _WIKI_PATH.match(raw_path):
        year = dict(parse_qsl(query, keep_blank_values=True)).get("year")
        return BulkRequest(
            "courses_by_wiki",
            language=unquote(match[1]),
            project=unquote(match[2]),
            year=_ruby_to_i(year) if year is not None else None,
        )
    return None


def answer_bulk(data: Dataset, request: BulkRequest, now: datetime) -> tuple[int, Any]:
    """(status, JSON payload) of a bulk endpoint over ``data`` at ``now``."""
    if request.endpoint == "all_courses":
        return 200, all_courses(data)
    if request.endpoint == "active_courses":
        return 200, active_courses(data, now)
    if request.endpoint in ("campaign_users", "campaign_active_courses"):
        found = find_by_collation(data.campaigns, request.campaign or "")
        if found is None:
            return 404, CAMPAIGN_NOT_FOUND
        if request.endpoint == "campaign_users":
            return 200, campaign_users(data, found[0])
        return 200, campaign_active_courses(data, found[0], now)
    assert request.project is not None
    return 200, courses_by_wiki(data, request.language, request.project, request.year)


def all_courses(data: Dataset, *, admin: bool = False) -> dict[str, Any]:
    """analytics/all_courses.json.jbuilder over `Course.nonprivate` (`Course.all` for an
    admin): facilitators are the `instructors` (role 1) and editors the `students`
    (role 0), one name per enrollment row; no other role, no date filter."""
    items = []
    for slug, course in _by_id(data):
        if slug in data.private and not admin:
            continue
        rows = _rows(data, slug)
        items.append({
            "id": course.get("id"), "slug": course.get("slug", slug),
            "title": course.get("title"), "institution": course.get("school"),
            "term": course.get("term"), "created_at": course.get("created_at"),
            "start": course.get("start"), "end": course.get("end"),
            "home_wiki": wiki_domain(course.get("home_wiki")),
            "tracked_wikis": [wiki_domain(w) for w in course.get("wikis") or []],
            "facilitators": [r["username"] for r in rows if r.get("role") == 1],
            "editors": [r["username"] for r in rows if r.get("role") == 0],
            "campaign_slugs": [c for c, slugs in data.campaigns.items() if slug in slugs],
        })  # fmt: skip
    return {"all_courses": items}


def campaign_users(data: Dataset, campaign: str) -> dict[str, Any]:
    """Campaign#users_to_json: every enrollment row (roles 0-4) of the campaign's
    nonprivate courses, whatever their dates, role as a CoursesUsers::ROLE_NAMES string."""
    users = []
    for slug in data.campaigns.get(campaign, []):
        if slug in data.private or slug not in data.courses:
            continue
        course_slug = data.courses[slug]["course"].get("slug", slug)
        for row in _rows(data, slug):
            role = ROLE_NAMES.get(row.get("role"))  # type: ignore[arg-type]
            users.append({"course": course_slug, "role": role, "username": row["username"]})
    return {"campaign": campaign, "users": users}


def courses_by_wiki(
    data: Dataset, language: str | None, project: str, year: int | None = None
) -> dict[str, Any]:
    """courses_by_wiki/show.json.jbuilder: every course whose home wiki it is, private ones
    included (the presenter is given the list, not a campaign), newest id first; stats
    but no dates and no people."""
    language = language_for_multilingual(language, project)
    chosen = [
        (slug, course)
        for slug, course in reversed(_by_id(data))
        if _home(course) == (language, project)
        and (year is None or str(course.get("created_at", ""))[:4] == f"{year:04d}")
    ]
    courses = [_listed_course(data, slug, course) for slug, course in chosen]
    stats = [_course_numbers(course, _rows(data, slug)) for slug, course in chosen]

    def total(key: str) -> int:
        return sum(numbers[key] for numbers in stats)

    users, trained = total("user_count"), total("trained_count")
    trained_percent = 100 if users == 0 else 100 * trained / users
    return {
        "courses": courses,
        "statistics": {
            "courses_count": number_to_human(len(chosen)),
            "user_count": number_to_human(users),
            "new_article_count_human": number_to_human(total("new_article_count")),
            "word_count_human": number_to_human(total("word_count")),
            "references_count_human": number_to_human(total("references_count")),
            "view_sum_human": number_to_human(total("view_sum")),
            "article_count_human": number_to_human(total("article_count")),
            "upload_count_human": number_to_human(total("upload_count")),
            "uploads_in_use_count_human": number_to_human(total("uploads_in_use_count")),
            "uploads_in_use_count": total("uploads_in_use_count"),
            "upload_usage_count_human": number_to_human(total("upload_usages_count")),
            "upload_usage_count": total("upload_usages_count"),
            "trained_percent_human": number_to_human(trained_percent),
        },
        "wiki_domain": wiki_domain({"language": language, "project": project}),
    }


def active_courses(data: Dataset, now: datetime) -> dict[str, Any]:
    """active_courses/index.json.jbuilder: `Course.strictly_current.where('end < ?',
    3.days.from_now)`, top 100 by recent edits. Despite the name, only courses that end
    within three days; private ones are not filtered."""
    soon = now + timedelta(days=3)
    chosen = [
        (slug, course)
        for slug, course in _by_id(data)
        if (window := _window(course)) is not None
        and window[0] <= now <= window[1]
        and window[1] < soon
    ]
    return {"courses": _top_by_recent_edits(data, chosen)}


def campaign_active_courses(data: Dataset, campaign: str, now: datetime) -> dict[str, Any]:
    """campaigns/active_courses.jbuilder: the campaign's nonprivate courses with
    `end > now - UPDATE_LENGTH` (future ones too), top 100 by recent edits."""
    since = now - UPDATE_LENGTH
    chosen = [
        (slug, data.courses[slug]["course"])
        for slug in data.campaigns.get(campaign, [])
        if slug in data.courses
        and slug not in data.private
        and (window := _window(data.courses[slug]["course"])) is not None
        and window[1] > since
    ]
    return {"courses": _top_by_recent_edits(data, chosen)}


def wiki_domain(wiki: Mapping[str, Any] | None) -> str | None:
    """Wiki#domain: `language.project.org`, or the multilingual project's own domain."""
    if not wiki:
        return None
    language, project = wiki.get("language"), wiki.get("project")
    if language:
        return f"{language}.{project}.org"
    return MULTILINGUAL_DOMAINS.get(str(project))


def valid_wiki(language: str | None, project: str) -> bool:
    """Whether `Wiki.get_or_create` would accept it (the project list; any plausible
    language code, which Rails checks against Wiki::LANGUAGES and the wiki's siteinfo)."""
    if project not in WIKI_PROJECTS:
        return False
    language = language_for_multilingual(language, project)
    return language is None or re.fullmatch(r"[a-z][a-z0-9-]{1,15}", language) is not None


def home_wikis(data: Dataset) -> set[tuple[str | None, str]]:
    """The (language, project) of every course's home wiki: the wikis the Dashboard has."""
    return {_home(payload["course"]) for payload in data.courses.values()}


def number_to_human(value: float) -> str:
    """ActionView's number_to_human with the Dashboard's units (config/locales/en.yml
    `number.human.decimal_units`, format "%n%u"): three significant digits, insignificant
    zeros stripped."""
    number = float(value)
    exponent = 0
    if number != 0:
        exponent = min(int(math.floor(math.log10(abs(number)))) // 3, len(_HUMAN_UNITS) - 1)
        exponent = max(exponent, 0)
    scaled = number / 10 ** (3 * exponent)
    digits = 3 - (int(math.floor(math.log10(abs(scaled)))) + 1) if scaled else 2
    rounded = round(scaled, max(digits, 0))
    if abs(rounded) >= 1000 and exponent < len(_HUMAN_UNITS) - 1:  # 999.5K is 1M
        exponent += 1
        rounded = round(rounded / 1000, 2)
    text = f"{rounded:.{max(digits, 0)}f}" if digits > 0 else str(int(rounded))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{_HUMAN_UNITS[exponent]}"


def _by_id(data: Dataset) -> list[tuple[str, dict]]:
    """(slug, inner course) in `course.id` order, the table's primary key."""
    items = [(slug, payload["course"]) for slug, payload in data.courses.items()]
    items.sort(key=lambda item: (not isinstance(item[1].get("id"), int), item[1].get("id") or 0))
    return items


def _rows(data: Dataset, slug: str) -> list[dict]:
    return data.rosters.get(slug, {}).get("course", {}).get("users", [])


def _home(course: Mapping[str, Any]) -> tuple[str | None, str]:
    home = course.get("home_wiki") or {}
    project = str(home.get("project"))
    return language_for_multilingual(home.get("language"), project), project


def language_for_multilingual(language: str | None, project: str) -> str | None:
    """Wiki.language_for_multilingual."""
    if project == "wikidata":
        return None
    if project == "wikisource" and language == "www":
        return None
    if project == "wikimedia" and language not in ("incubator", "commons", "meta"):
        return None
    return language


def _window(course: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    try:
        start = datetime.fromisoformat(str(course.get("start")))
        end = datetime.fromisoformat(str(course.get("end")))
    except ValueError:
        return None
    return _aware(start), _aware(end)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _count(value: Any) -> int:
    """An exact count, or the value of course.json's human string ("6.44K" is 6440)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    parsed = parse_count(value) if isinstance(value, str) else None
    return int(parsed) if parsed is not None else 0


def _course_numbers(course: Mapping[str, Any], rows: list[dict]) -> dict[str, int]:
    """The courses-table columns the list views read. course.json gives some as human
    strings; the model's own integer wins where the payload has it (the large world)."""
    users = _count(course.get("user_count", course.get("student_count", 0)))
    words = int(_count(course.get("character_sum", 0)) / _BYTES_PER_WORD)
    return {
        "word_count": words,
        "recent_revision_count": _count(
            course.get("recent_revision_count", sum(r.get("recent_revisions", 0) for r in rows))
        ),
        "references_count": _count(course.get("references_count", 0)),
        "view_sum": _count(course.get("view_sum", course.get("view_count", 0))),
        "user_count": users,
        "average_word_count": words // users if users else 0,
        "trained_count": _count(course.get("trained_count", 0)),
        "new_article_count": _count(
            course.get("new_article_count", course.get("created_count", 0))
        ),
        "article_count": _count(course.get("article_count", 0)),
        "upload_count": _count(course.get("upload_count", 0)),
        "uploads_in_use_count": _count(course.get("uploads_in_use_count", 0)),
        "upload_usages_count": _count(course.get("upload_usages_count", 0)),
    }


def _listed_course(data: Dataset, slug: str, course: Mapping[str, Any]) -> dict[str, Any]:
    """One item of the course-list views (active_courses, courses_by_wiki, campaigns)."""
    rows = _rows(data, slug)
    numbers = _course_numbers(course, rows)
    instructor = next((r["username"] for r in rows if r.get("role") == 1), None)
    created = str(course.get("created_at") or "")[:10]
    return {
        "id": course.get("id"), "title": course.get("title"), "slug": course.get("slug", slug),
        "description": course.get("description"), "school": course.get("school"),
        "term": course.get("term"), "word_count": numbers["word_count"],
        "recent_revision_count": numbers["recent_revision_count"],
        "references_count": numbers["references_count"], "view_sum": numbers["view_sum"],
        "user_count": numbers["user_count"],
        "average_word_count": numbers["average_word_count"],
        "trained_count": numbers["trained_count"],
        "human_references_count": number_to_human(numbers["references_count"]),
        "human_word_count": number_to_human(numbers["word_count"]),
        "human_view_sum": number_to_human(numbers["view_sum"]),
        "creation_date": created,  # I18n.l(date), English default format "%Y-%m-%d"
        "instructor": instructor,
        "human_average_word_count": number_to_human(numbers["average_word_count"]),
    }  # fmt: skip


def _top_by_recent_edits(data: Dataset, chosen: list[tuple[str, dict]]) -> list[dict]:
    listed = [_listed_course(data, slug, course) for slug, course in chosen]
    listed.sort(key=lambda item: (-item["recent_revision_count"], str(item["title"])))
    return listed[:ACTIVE_COURSES_LIMIT]


def _ruby_to_i(text: str) -> int:
    """String#to_i: the leading integer, 0 if none."""
    match = re.match(r"\s*([-+]?\d+)", text)
    return int(match[1]) if match else 0
