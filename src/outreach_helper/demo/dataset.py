"""Sample Outreach Dashboard data: the fake Dashboard's fixtures and the offline demo's data.

It lives in the package so that ``outreach-helper demo`` can serve it without the test
suite; ``tests/fakedash`` serves the same data over HTTP. Every payload is a deep copy of a
file in ``samples/`` (the upstream's exact shapes) with its identity fields changed, and
every date is computed from the ``now`` given to :func:`build_dataset`, so the fixtures mean
the same thing in any year. Titles such as "Wikidata Days 2025" are names from the samples,
not dates.

Course windows (``start``/``end`` = tracking, ``timeline_*`` = the event), by state::

    active_event     start now-14d .. end now+30d, event now-1d .. now+1d (contains now)
    active_tracking  start now-60d .. end now+20d, event now-45d .. now-44d (over)
    ended            start now-200d .. end now-100d (``ended: true``)
    future           start now+30d .. end now+90d, event now+40d .. now+41d
    undated          start now-10d .. end now+50d; ``timeline_start`` is null and
                     ``timeline_end`` is missing altogether

Courses (constants of this module). ``user_count`` is what users' ``courses_details`` say
(an integer, the course's ``student_count``, as in Rails); roster rows are "username
(role)", in order::

    SLUG_ACTIVE     Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)
                    active_event, user_count 42, course.id 31877. The sample roster:
                    Ada (1) AND Ada (0) again, Chidi (2), Zoë (0), O'Brien (0), Ngozi (0).
    SLUG_TRACKING   Bibliothèque_d'Exemple/Art+Feminism_Édit-a-thon_(2025)
                    active_tracking, user_count 17. Élodie (1, role_description "", with
                    real_name AND email: must be stripped), Ada (0), Marc-André (0).
    SLUG_ENDED      Wiki_Club_(Ibadan)/Photo_Walk_(Old_Town),_Women's_Day_(Spring)
                    ended, user_count 1400. Chidi (1), Marc-André (0, role_description ""),
                    Past Participant (0).
    SLUG_FUTURE     Université_de_Genève/Wikisource_Transcribathon_(Next)
                    future, user_count 0. Staffer (4), Ana-Lucía (0).
    SLUG_UNDATED    Misc_Events/Undated_Meetup_(TBD)
                    undated, user_count 3. Staffer (3), Marc-André (0).
    SLUG_PRIVATE    Secret_Society/Closed_Workshop_(Private)
                    PRIVATE (course.json and users.json 404), else active_event.
                    Staffer (1), O'Brien (0).
    SLUG_AMPERSAND  Arts_&_Letters_Foundation/Women_in_Red_&_Friends_(Autumn)
                    active_event, user_count 6440. O'Brien (1), O'Brien (0, enrolled
                    later, role_description ""), Ana-Lucía (0).
    FORTY_SLUGS     Batch_Wiki_Club/Batch_Workshop_01_(Series) .. Batch_Workshop_40_(Series)
                    state cycle*, user_count 3 * NN.
                    Batch Facilitator (1), Forty Courses (1 if NN % 5 == 0 else 0).
    TEN_SLUGS       Decade_Wiki_Club/Session_1_(Ten) .. Session_10_(Ten)
                    state cycle*, user_count int. Ten Courses (0) only: no staff at all.
    UNKNOWN_SLUG    No_Such_School/No_Such_Course_(Never): absent, 404.

    * course NN (1-based) is ("active_event", "active_tracking", "ended", "future")[(NN-1) % 4];
      ``Dataset.states`` maps every slug to its state.

Users. ``courses_details`` is derived from the rosters (newest enrollment first, private
courses left out), except Ada's, which is the sample payload with only its dates changed::

    NOBODY             Nobody Enrolled          no rows, no as_* blocks, max_project null
    ZOE                Zoë Müller               ACTIVE (Student); one upload
    NGOZI              Ngozi Placeholder        ACTIVE (Student)
    ADA                Ada Example              ACTIVE (Instructor), TRACKING (Student); the
                                                sample's course_id 512334 and 498812
    OBRIEN             O'Brien Test             ACTIVE (Student), AMPERSAND (Student),
                                                AMPERSAND (Instructor): the duplicated
                                                enrollment; also in PRIVATE, left out
    CHIDI              Chidi Sample             ACTIVE (Campus Volunteer), ENDED (Instructor)
    STAFFER            Staffer (Wiki Ed), Test  FUTURE (Wiki Education Staff),
                                                UNDATED (Online Volunteer); instructor of
                                                PRIVATE, left out
    ELODIE             Élodie Martin            TRACKING (Instructor)
    MARC               Marc-André Tremblay      UNDATED, TRACKING, ENDED (all Student)
    ANA                Ana-Lucía Pérez          FUTURE, AMPERSAND (both Student)
    PAST               Past Participant         ENDED (Student): only an ended course
    FORTY              Forty Courses            40 rows, one per FORTY_SLUGS (8 Instructor)
    BATCH_FACILITATOR  Batch Facilitator        40 rows (all Instructor)
    TEN                Ten Courses              10 rows, one per TEN_SLUGS (all Student)
    UNKNOWN_USER       Does Not Exist           absent: 404 JSON {"error": "User not found"}

Every course payload keeps the sample's sensitive and operational fields (``passcode``
"****", ``flags`` with 60 ``update_logs``, ``updates``, ``course_stats``,
``canUploadSyllabus``) and adds ``requestedAccounts`` and ``survey_notifications``, so tests
can check they are stripped. A ``courses_details`` ``course_id`` is an enrollment-row id
(600001 and up, or the sample's), never the course's own ``course.id``.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

SAMPLES_DIR = Path(__file__).parent / "samples"
OUTREACH_URL = "https://outreachdashboard.wmflabs.org"  # the sample's request.base_url

ROLE_LABELS = {
    0: "Student",
    1: "Instructor",
    2: "Campus Volunteer",
    3: "Online Volunteer",
    4: "Wiki Education Staff",
}

STATES = ("active_event", "active_tracking", "ended", "future", "undated")
_CYCLE = ("active_event", "active_tracking", "ended", "future")


def make_slug(school: str, title: str, term: str) -> str:
    """Build a slug the way the upstream does: ``SCHOOL/TITLE_(TERM)``, spaces as underscores."""
    return f"{school}/{title}_({term})".replace(" ", "_")


# Usernames, exactly as the upstream stores them (spaces, not underscores).
ADA = "Ada Example"
ZOE = "Zoë Müller"
OBRIEN = "O'Brien Test"
CHIDI = "Chidi Sample"
NGOZI = "Ngozi Placeholder"
ELODIE = "Élodie Martin"
MARC = "Marc-André Tremblay"
ANA = "Ana-Lucía Pérez"
PAST = "Past Participant"
STAFFER = "Staffer (Wiki Ed), Test"
FORTY = "Forty Courses"
TEN = "Ten Courses"
BATCH_FACILITATOR = "Batch Facilitator"
NOBODY = "Nobody Enrolled"
UNKNOWN_USER = "Does Not Exist"

SLUG_ACTIVE = make_slug("Example Wikimedians User Group, Lagos", "Wikidata Days 2025", "November")
SLUG_TRACKING = make_slug("Bibliothèque d'Exemple", "Art+Feminism Édit-a-thon", "2025")
SLUG_ENDED = make_slug("Wiki Club (Ibadan)", "Photo Walk (Old Town), Women's Day", "Spring")
SLUG_FUTURE = make_slug("Université de Genève", "Wikisource Transcribathon", "Next")
SLUG_UNDATED = make_slug("Misc Events", "Undated Meetup", "TBD")
SLUG_PRIVATE = make_slug("Secret Society", "Closed Workshop", "Private")
SLUG_AMPERSAND = make_slug("Arts & Letters Foundation", "Women in Red & Friends", "Autumn")
FORTY_SLUGS = [
    make_slug("Batch Wiki Club", f"Batch Workshop {n:02d}", "Series") for n in range(1, 41)
]
TEN_SLUGS = [make_slug("Decade Wiki Club", f"Session {n}", "Ten") for n in range(1, 11)]
UNKNOWN_SLUG = make_slug("No Such School", "No Such Course", "Never")


@dataclass
class Dataset:
    """Everything the fake serves. Mutable on purpose: tests may edit it (through the server's
    ``set_user``/``set_course`` while it runs)."""

    now: datetime
    users: dict[str, dict]  # exact username -> user_stats.json payload
    courses: dict[str, dict]  # slug -> course.json payload {"course": {...}}
    rosters: dict[str, dict]  # slug -> users.json payload {"course": {"users": [...]}}
    private: set[str] = field(default_factory=set)  # slugs answered 404
    states: dict[str, str] = field(default_factory=dict)  # slug -> one of STATES
    # campaign slug -> the slugs of its courses (campaigns_courses), for the bulk views
    campaigns: dict[str, list[str]] = field(default_factory=dict)
    # Features.default_course_string_prefix of this Dashboard: what user_stats.json's
    # as_instructor/as_student blocks say (`courses` on the Wiki Education Dashboard).
    course_string_prefix: str = "courses_generic"
    # Rails renders as_instructor for `User#course_instructor?` (a role-1 row); the Outreach
    # world has always given it to any staff role.
    as_instructor_for_role_1_only: bool = False

    def details_for(self, username: str) -> list[dict]:
        """The user's ``courses_details`` rows (duplicates included), or [] if unknown."""
        return list(self.users.get(username, {}).get("courses_details", []))

    def slugs_for(self, username: str) -> list[str]:
        """Distinct course slugs of a user, in ``courses_details`` order (newest first)."""
        return list(dict.fromkeys(row["course_slug"] for row in self.details_for(username)))

    def course(self, slug: str) -> dict:
        """The inner ``course`` object of course.json."""
        return self.courses[slug]["course"]

    def roster(self, slug: str) -> list[dict]:
        """The raw roster rows of users.json (duplicates and sensitive fields included)."""
        return self.rosters[slug]["course"]["users"]

    def facilitators_of(self, slug: str) -> list[str]:
        """Sorted distinct usernames with role >= 1 in any row: the course staff."""
        return sorted({row["username"] for row in self.roster(slug) if row["role"] >= 1})

    def participants_of(self, slug: str) -> list[str]:
        """Sorted distinct usernames whose every row is role 0 (highest role wins)."""
        staff = set(self.facilitators_of(slug))
        return sorted({row["username"] for row in self.roster(slug)} - staff)

    def is_active(self, slug: str, at: datetime | None = None) -> bool:
        """Whether the tracking window (start..end) contains ``at`` (default: ``now``)."""
        course = self.course(slug)
        at = _utc(at or self.now)
        return _parse(course["start"]) <= at <= _parse(course["end"])

    @property
    def public_slugs(self) -> list[str]:
        """Slugs that answer 200."""
        return [slug for slug in self.courses if slug not in self.private]

    # Mutations, as the Dashboard's own actions change its tables: every view that reads
    # the changed rows (course.json, users.json, user_stats.json, the bulk lists) changes.

    def enroll(
        self,
        slug: str,
        username: str,
        role: int = 0,
        *,
        enrolled_at: datetime | None = None,
        role_description: str | None = None,
    ) -> dict:
        """Add an enrollment row (a second one if the person is there already) to the
        course's roster and, for a nonprivate course, to the person's ``courses_details``
        (newest first; a person the Dashboard did not know gets a user_stats payload).
        Returns the new users.json row."""
        if role not in ROLE_LABELS:
            raise ValueError(f"role must be one of {sorted(ROLE_LABELS)}, not {role!r}")
        course = self.course(slug)
        rows = self.rosters.setdefault(slug, {"course": {"users": []}})["course"]["users"]
        user_id, global_id = self._ids_of(username)
        row = _clone(_row_template())
        wiki_name = username.replace(" ", "_")
        host = _wiki_host(course.get("home_wiki") or {})
        row.update(
            id=user_id, username=username, global_id=global_id, role=role,
            role_description=role_description, enrolled_at=_iso(enrolled_at or self.now),
            registered_at=_iso(self.now - 365 * _DAY), character_sum_ms=0,
            character_sum_us=0, character_sum_draft=0, references_count=0,
            recent_revisions=0, total_uploads=0,
            contribution_url=f"https://{host}/wiki/Special:Contributions/{wiki_name}",
            sandbox_url=f"https://{host}/wiki/Special:PrefixIndex/User:{wiki_name}",
            global_contribution_url="https://guc.toolforge.org/?user=" + username.replace(" ", "+"),
        )  # fmt: skip
        rows.append(row)
        if slug not in self.private:
            payload = self.users.setdefault(
                username, {"user_recent_uploads": [], "courses_details": [], "max_project": None}
            )
            details = payload.setdefault("courses_details", [])
            used = [d.get("course_id", 0) for rows in self.users.values()
                    for d in rows.get("courses_details", [])]  # fmt: skip
            details.insert(0, {
                "course_id": max(used, default=600000) + 1, "course_title": course.get("title"),
                "course_school": course.get("school"), "course_term": course.get("term"),
                "user_count": course.get("student_count", 0), "user_role": ROLE_LABELS[role],
                "course_slug": slug,
            })  # fmt: skip
            _refresh_user_blocks(payload, course, self)
        return row

    def unenroll(self, slug: str, username: str, role: int | None = None) -> int:
        """Remove the person's rows (of ``role``, or all) from the roster and from their
        ``courses_details``; returns how many roster rows went."""
        roster = self.roster(slug)
        keep = [
            r for r in roster
            if not (r["username"] == username and (role is None or r["role"] == role))
        ]  # fmt: skip
        removed = len(roster) - len(keep)
        roster[:] = keep
        payload = self.users.get(username)
        if payload is not None:
            label = None if role is None else ROLE_LABELS[role]
            payload["courses_details"] = [
                d for d in payload.get("courses_details", [])
                if not (d.get("course_slug") == slug and label in (None, d.get("user_role")))
            ]  # fmt: skip
            _refresh_user_blocks(payload, None, self)
        return removed

    def set_dates(
        self, slug: str, *, start: datetime | str | None = ..., end: datetime | str | None = ...
    ) -> None:
        """Change a course's tracking window (``...`` keeps a bound; ``None`` makes it null,
        a string is stored as given, so a test can serve an impossible date)."""
        course = self.course(slug)
        for key, value in (("start", start), ("end", end)):
            if value is not ...:
                course[key] = _iso(value) if isinstance(value, datetime) else value
        end_value = course.get("end")
        if isinstance(end_value, str) and _ISO_RE.match(end_value):
            course["ended"] = _parse(end_value) < self.now

    def set_private(self, slug: str, private: bool = True) -> None:
        """Make a course private (404, left out of the lists that leave private courses
        out) or public again."""
        self.course(slug)["private"] = private
        if private:
            self.private.add(slug)
        else:
            self.private.discard(slug)

    def _ids_of(self, username: str) -> tuple[int, int]:
        """The user's `id` and `global_id` as on their other rows, or fresh ones."""
        top_id, top_global = 700000, 91000000
        for roster in self.rosters.values():
            for row in roster["course"]["users"]:
                if row["username"] == username:
                    return row["id"], row["global_id"]
                top_id, top_global = max(top_id, row["id"]), max(top_global, row["global_id"])
        return top_id + 1, top_global + 1


def build_dataset(now: datetime | None = None) -> Dataset:
    """Build the fixtures for ``now`` (default: the current time; naive means UTC)."""
    now = _utc(now or datetime.now(UTC))
    course_template = load_sample("course.json")
    roster_template = load_sample("users.json")
    user_template = load_sample("user_stats.json")
    builder = _Builder(now, course_template, roster_template["course"]["users"][0])

    for spec in _course_specs():
        builder.add_course(spec)
    # The sample roster, re-dated: Ada twice (Instructor, then Student), Chidi, Zoë, ...
    builder.add_sample_roster(SLUG_ACTIVE, roster_template)

    enrollments: list[tuple[str, str, int, int, str | None, dict[str, Any]]] = [
        # (slug, username, role, enrolled days after course start, role_description, extra)
        (SLUG_TRACKING, ELODIE, 1, -30, "", {"real_name": ELODIE, "email": "elodie@example.org"}),
        (SLUG_TRACKING, ADA, 0, -2, None, {}),
        (SLUG_TRACKING, MARC, 0, 1, None, {}),
        (SLUG_ENDED, CHIDI, 1, -20, None, {}),
        (SLUG_ENDED, MARC, 0, 0, "", {}),
        (SLUG_ENDED, PAST, 0, 2, None, {}),
        (SLUG_FUTURE, STAFFER, 4, -25, "Wiki Education staff", {}),
        (SLUG_FUTURE, ANA, 0, -3, None, {}),
        (SLUG_UNDATED, STAFFER, 3, -6, None, {}),
        (SLUG_UNDATED, MARC, 0, -1, None, {}),
        (SLUG_PRIVATE, STAFFER, 1, -10, None, {}),
        (SLUG_PRIVATE, OBRIEN, 0, -1, None, {}),
        (SLUG_AMPERSAND, OBRIEN, 1, -20, None, {}),
        (SLUG_AMPERSAND, OBRIEN, 0, -3, "", {}),
        (SLUG_AMPERSAND, ANA, 0, -1, None, {}),
    ]
    for n, slug in enumerate(FORTY_SLUGS, start=1):
        enrollments.append((slug, BATCH_FACILITATOR, 1, -10, None, {}))
        enrollments.append((slug, FORTY, 1 if n % 5 == 0 else 0, -5 + n % 3, None, {}))
    for slug in TEN_SLUGS:
        enrollments.append((slug, TEN, 0, -4, "", {}))
    for slug, username, role, days, description, extra in enrollments:
        builder.enroll(slug, username, role, days, description, extra)

    builder.add_users(user_template)
    builder.add_user(NOBODY, user_template, details=[], uploads=[])
    builder.add_sample_user(user_template)
    builder.dataset.campaigns = _default_campaigns()
    return builder.dataset


def load_sample(name: str) -> dict:
    """A fresh copy of a file in ``samples/``."""
    return orjson.loads((SAMPLES_DIR / name).read_bytes())


# The default campaigns: campaign slug -> course slugs, in campaigns_courses order.
CAMPAIGN_OUTREACH = "outreach_2025"
CAMPAIGN_BATCH = "batch_series"
CAMPAIGN_DECADE = "decade_sessions"
UNKNOWN_CAMPAIGN = "no_such_campaign"


def _default_campaigns() -> dict[str, list[str]]:
    return {
        CAMPAIGN_OUTREACH: [SLUG_ACTIVE, SLUG_TRACKING, SLUG_ENDED, SLUG_PRIVATE, SLUG_AMPERSAND],
        CAMPAIGN_BATCH: list(FORTY_SLUGS),
        CAMPAIGN_DECADE: list(TEN_SLUGS),
    }


def build_large_world(
    *,
    courses: int = 2000,
    people: int = 10_000,
    enrollments: int = 20_000,
    current: int = 40,
    future: int = 5,
    seed: int = 1,
    now: datetime | None = None,
) -> Dataset:
    """A synthetic, seeded Dashboard at scale, for benches: ``courses`` courses (``current``
    of them running now, half with their event on, ``future`` not started, the rest ended),
    ``people`` distinct users (most only in ended courses, some in none: they answer 404),
    and ``enrollments`` roster rows (one facilitator per course, the rest editors, a few
    volunteers). Every course serves course.json and users.json, every enrolled person
    user_stats.json, and the bulk views list them all. Course payloads keep two
    ``update_logs`` entries instead of sixty, so 30,000 courses still fit in memory.
    The same arguments give the same world (``Dataset.states`` tells each course's state)."""
    if not 0 <= current + future <= courses or enrollments < courses or people < 1:
        raise ValueError("need current + future <= courses <= enrollments and people >= 1")
    rng = random.Random(seed)  # noqa: S311 - a reproducible fixture, not a secret
    now = _utc(now or datetime.now(UTC))
    course_template = load_sample("course.json")
    logs = course_template["course"]["flags"]["update_logs"]
    course_template["course"]["flags"]["update_logs"] = {k: logs[k] for k in list(logs)[-2:]}
    builder = _Builder(now, course_template, _row_template())
    states = ["active_event", "active_tracking"] * (current // 2) + ["active_event"] * (current % 2)
    states += ["future"] * future + ["ended"] * (courses - current - future)
    rng.shuffle(states)
    specs = []
    for n, state in enumerate(states):
        spec = _CourseSpec(
            school=f"World School {n // 50:03d}",
            title=f"{_word(rng)} Edit-a-thon {n:05d}",
            term=("Spring", "Autumn", "2025", "Week 3")[n % 4],
            course_id=100_000 + n,
            state=state,
            student_count=0,
            wikis=(("en", "wikipedia"),) if n % 3 else ((None, "wikidata"), ("fr", "wikipedia")),
        )
        builder.add_course(spec)
        specs.append(spec)
    names = [f"{_word(rng)} {_word(rng)} {n:05d}" for n in range(people)]
    # Who is enrolled where: one facilitator per course, then editors at random, one row per
    # (course, person); course sizes follow a long tail.
    weights = [rng.paretovariate(1.2) for _ in specs]
    pairs: set[tuple[int, int]] = set()
    rows: list[tuple[int, int, int]] = []
    for c in range(len(specs)):
        person = rng.randrange(people)
        pairs.add((c, person))
        rows.append((c, person, 1))
    attempts = 0
    while len(rows) < enrollments and attempts < enrollments * 20:
        attempts += 1
        c = rng.choices(range(len(specs)), weights)[0] if attempts % 2 else rng.randrange(courses)
        person = rng.randrange(people)
        if (c, person) in pairs:
            continue
        pairs.add((c, person))
        rows.append((c, person, 2 if rng.random() < 0.01 else 0))
    sizes = [0] * len(specs)
    for c, person, role in rows:
        builder.enroll(specs[c].slug, names[person], role, rng.randint(-20, 5), None, {})
        sizes[c] += 1 if role == 0 else 0
    for spec, size in zip(specs, sizes, strict=True):
        builder.dataset.course(spec.slug)["student_count"] = size
        builder.specs[spec.slug] = dataclasses.replace(spec, student_count=size)
    builder.add_users(load_sample("user_stats.json"))
    data = builder.dataset
    data.campaigns = {f"world_campaign_{k}": [] for k in range(10)}
    for n, spec in enumerate(specs):
        data.campaigns[f"world_campaign_{n % 10}"].append(spec.slug)
    return data


_WORDS = ("Ada", "Bola", "Chidi", "Dara", "Eszter", "Farid", "Gita", "Hana", "Ife", "Jun",
          "Kofi", "Lena", "Mei", "Nia", "Omar", "Pía", "Quinn", "Rosa", "Sade", "Timo",
          "Uche", "Vera", "Wen", "Xóchitl", "Yusuf", "Zoë")  # fmt: skip


def _word(rng: random.Random) -> str:
    return rng.choice(_WORDS)


@functools.lru_cache(maxsize=1)
def _row_template_bytes() -> bytes:
    return orjson.dumps(load_sample("users.json")["course"]["users"][0])


def _row_template() -> dict:
    """A fresh copy of the sample's first users.json row."""
    return orjson.loads(_row_template_bytes())


def _wiki_host(home: dict) -> str:
    language, project = home.get("language"), home.get("project")
    return "www.wikidata.org" if project == "wikidata" else f"{language}.{project}.org"


def _refresh_user_blocks(payload: dict, course: dict | None, data: Dataset) -> None:
    """The as_* blocks and max_project of a user_stats payload after its rows changed."""
    details = payload.get("courses_details", [])
    prefix = data.course_string_prefix
    staff = [d for d in details if d.get("user_role") in _teaching_labels(data)]
    students = [d for d in details if d.get("user_role") == ROLE_LABELS[0]]
    if staff:
        payload.setdefault("as_instructor", {"course_string_prefix": prefix,
                                             "courses_count": 0, "user_count": 0,
                                             "trained_percent": "0"})  # fmt: skip
        payload["as_instructor"]["courses_count"] = len({d["course_slug"] for d in staff})
        payload.setdefault("by_students", {"word_count": 0, "references_count": 0})
    if students:
        payload.setdefault("as_student", {"course_string_prefix": prefix})
        payload["as_student"]["individual_courses_count"] = len(
            {d["course_slug"] for d in students}
        )
    if course is not None and payload.get("max_project") is None:
        payload["max_project"] = (course.get("home_wiki") or {}).get("project")


def _teaching_labels(data: Dataset) -> tuple[str, ...]:
    """The roles whose rows give a user_stats payload its as_instructor block."""
    if data.as_instructor_for_role_1_only:
        return (ROLE_LABELS[1],)
    return tuple(label for code, label in ROLE_LABELS.items() if code != 0)


# --- internals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CourseSpec:
    school: str
    title: str
    term: str
    course_id: int
    state: str
    student_count: int
    wikis: tuple[tuple[str | None, str], ...] = (("en", "wikipedia"),)  # first = home wiki
    course_type: str = "Editathon"
    subject: str = "Local history"
    description: str = "A fixture course of the fake Outreach Dashboard."
    private: bool = False
    # None keeps the sample's value (`courses_generic`, submitted false, published true).
    string_prefix: str | None = None
    submitted: bool | None = None
    published: bool | None = None
    # (start, end, timeline_start, timeline_end) in days from today, instead of the
    # state's windows; a timeline bound of None is null.
    days: tuple[int, int, int | None, int | None] | None = None
    more: tuple[tuple[str, Any], ...] = ()  # other course.json fields, as (key, value)

    @property
    def slug(self) -> str:
        return make_slug(self.school, self.title, self.term)


def _course_specs() -> Iterable[_CourseSpec]:
    """The named courses first, then the bulk ones of Forty Courses and Ten Courses."""
    yield _CourseSpec(
        school="Example Wikimedians User Group, Lagos",
        title="Wikidata Days 2025",
        term="November",
        course_id=31877,
        state="active_event",
        student_count=42,
        wikis=((None, "wikidata"), ("yo", "wikipedia")),
        subject="Cultural heritage",
        description="A two-day Wikidata workshop and a month of follow-up editing.",
    )
    yield _CourseSpec(
        school="Bibliothèque d'Exemple",
        title="Art+Feminism Édit-a-thon",
        term="2025",
        course_id=30455,
        state="active_tracking",
        student_count=17,
        wikis=(("fr", "wikipedia"),),
        subject="Art",
        description="Un édit-a-thon Art+Feminism à la bibliothèque.",
    )
    yield _CourseSpec(
        school="Wiki Club (Ibadan)",
        title="Photo Walk (Old Town), Women's Day",
        term="Spring",
        course_id=29001,
        state="ended",
        student_count=1400,
        wikis=(("commons", "wikimedia"),),
        subject="Photography",
    )
    yield _CourseSpec(
        school="Université de Genève",
        title="Wikisource Transcribathon",
        term="Next",
        course_id=33002,
        state="future",
        student_count=0,
        wikis=(("fr", "wikisource"),),
        course_type="ClassroomProgramCourse",
    )
    yield _CourseSpec(
        school="Misc Events",
        title="Undated Meetup",
        term="TBD",
        course_id=33003,
        state="undated",
        student_count=3,
    )
    yield _CourseSpec(
        school="Secret Society",
        title="Closed Workshop",
        term="Private",
        course_id=33004,
        state="active_event",
        student_count=2,
        private=True,
    )
    yield _CourseSpec(
        school="Arts & Letters Foundation",
        title="Women in Red & Friends",
        term="Autumn",
        course_id=33005,
        state="active_event",
        student_count=6440,
    )
    for n in range(1, 41):
        yield _CourseSpec(
            school="Batch Wiki Club",
            title=f"Batch Workshop {n:02d}",
            term="Series",
            course_id=40000 + n,
            state=_CYCLE[(n - 1) % 4],
            student_count=n * 3,
        )
    for n in range(1, 11):
        yield _CourseSpec(
            school="Decade Wiki Club",
            title=f"Session {n}",
            term="Ten",
            course_id=41000 + n,
            state=_CYCLE[(n - 1) % 4],
            student_count=n,
        )


_WIKI_IDS = {"wikidata": 3, "wikipedia": 1, "wikimedia": 7, "wikisource": 12}
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_DAY = timedelta(days=1)


class _Builder:
    """Accumulates courses, rosters and enrollments, then derives the users from them."""

    def __init__(
        self,
        now: datetime,
        course_template: dict,
        row_template: dict,
        *,
        base_url: str = OUTREACH_URL,
        string_prefix: str = "courses_generic",
        first_user_id: int = 710001,
        first_global_id: int = 91000001,
        global_ids: dict[str, int] | None = None,
        instructor_block_for_role_1_only: bool = False,
    ) -> None:
        self.now = now
        self.course_template = course_template
        self.row_template = row_template
        self.base_url = base_url  # request.base_url in enroll_url
        self.dataset = Dataset(
            now=now, users={}, courses={}, rosters={}, course_string_prefix=string_prefix,
            as_instructor_for_role_1_only=instructor_block_for_role_1_only,
        )  # fmt: skip
        self.specs: dict[str, _CourseSpec] = {}
        self.next_row_id = 710001  # counts users.json rows
        self.user_ids: dict[str, int] = {}  # users.id: each Dashboard numbers its own
        self.first_user_id = first_user_id
        self.next_enrollment_id = 600001  # courses_details course_id values
        # global_id is the wikis' (CentralAuth) id: one person has the same one everywhere,
        # so a second Dashboard is given the ids of the people the first one knows.
        self.global_ids: dict[str, int] = dict(global_ids or {})
        self.next_global_id = first_global_id

    # courses and rosters

    def add_course(self, spec: _CourseSpec) -> None:
        start, end, tl_start, tl_end = _windows(spec.state, self.now, spec.days)
        course = _clone(self.course_template["course"])
        # Move update_logs & co. so that the last stats update happened a few hours ago (or
        # just before the end of an ended course), as on the real server.
        last_update = min(self.now, end) - timedelta(hours=3)
        _shift_dates(course, last_update - _parse(course["updated_at"]))
        (home_language, home_project), *_ = spec.wikis
        course.update(
            id=spec.course_id,
            title=spec.title,
            school=spec.school,
            term=spec.term,
            slug=spec.slug,
            type=spec.course_type,
            subject=spec.subject,
            description=spec.description,
            home_wiki={
                "id": _WIKI_IDS.get(home_project, 99),
                "language": home_language,
                "project": home_project,
            },
            wikis=[{"language": lang, "project": proj} for lang, proj in spec.wikis],
            start=_iso(start),
            end=_iso(end),
            timeline_start=_iso(tl_start) if tl_start else None,
            timeline_end=_iso(tl_end) if tl_end else None,
            created_at=_iso(min(start, self.now) - 12 * _DAY),
            updated_at=_iso(last_update),
            update_until=_iso(end + 30 * _DAY),
            ended=end < self.now,
            private=spec.private,
            student_count=spec.student_count,
            expected_students=max(spec.student_count, 10),
            enroll_url=f"{self.base_url}/courses/{spec.slug}/enroll/",
            passcode="****",
            requestedAccounts=3,
            survey_notifications=[{"id": spec.course_id, "survey_url": "https://example.org/s"}],
        )
        course["course_stats"]["id"] = spec.course_id + 100000
        for key in ("string_prefix", "submitted", "published"):
            if getattr(spec, key) is not None:
                course[key] = getattr(spec, key)
        course.update(spec.more)
        if spec.state == "undated":
            del course["timeline_end"]  # missing, while timeline_start is null
        self.specs[spec.slug] = spec
        self.dataset.courses[spec.slug] = {"course": course}
        self.dataset.rosters[spec.slug] = {"course": {"users": []}}
        self.dataset.states[spec.slug] = spec.state
        if spec.private:
            self.dataset.private.add(spec.slug)

    def add_sample_roster(self, slug: str, roster_template: dict) -> None:
        """Use the sample roster for ``slug``, its dates moved along with the course."""
        roster = _clone(roster_template)
        sample_start = _parse(self.course_template["course"]["start"])
        _shift_dates(roster, _parse(self.dataset.course(slug)["start"]) - sample_start)
        self.dataset.rosters[slug] = roster

    def enroll(
        self,
        slug: str,
        username: str,
        role: int,
        days_after_start: int,
        role_description: str | None,
        extra: dict[str, Any],
    ) -> None:
        """Append one users.json row (a duplicate if the user is already there)."""
        course = self.dataset.course(slug)
        start = _parse(course["start"])
        language, project = course["home_wiki"]["language"], course["home_wiki"]["project"]
        host = "www.wikidata.org" if project == "wikidata" else f"{language}.{project}.org"
        wiki_name = username.replace(" ", "_")
        row_number, self.next_row_id = self.next_row_id, self.next_row_id + 1
        n = row_number - 710000  # varies the counters a little
        row = _clone(self.row_template)
        # `id` and `global_id` are the user's (courses/_users.json.jbuilder), the same on
        # every row of one person.
        row.update(
            id=self.user_ids.setdefault(username, self.first_user_id + len(self.user_ids)),
            username=username,
            global_id=self._global_id(username),
            role=role,
            role_description=role_description,
            enrolled_at=_iso(start + days_after_start * _DAY + timedelta(hours=9, minutes=n)),
            registered_at=_iso(start - 5 * 365 * _DAY),
            character_sum_ms=1000 * n,
            character_sum_us=200 * n,
            references_count=n % 7,
            recent_revisions=n % 5,
            total_uploads=n % 3,
            contribution_url=f"https://{host}/wiki/Special:Contributions/{wiki_name}",
            sandbox_url=f"https://{host}/wiki/Special:PrefixIndex/User:{wiki_name}",
            global_contribution_url="https://guc.toolforge.org/?user=" + username.replace(" ", "+"),
            **extra,
        )
        self.dataset.rosters[slug]["course"]["users"].append(row)

    def _global_id(self, username: str) -> int:
        if username not in self.global_ids:
            self.global_ids[username] = self.next_global_id
            self.next_global_id += 1
        return self.global_ids[username]

    # users

    def add_users(self, template: dict) -> None:
        """One user per roster username, ``courses_details`` derived from the public rosters."""
        rows_by_user: dict[str, list[tuple[str, dict]]] = {}
        for slug, roster in self.dataset.rosters.items():
            for row in roster["course"]["users"]:
                rows_by_user.setdefault(row["username"], [])
                if slug not in self.dataset.private:
                    rows_by_user[row["username"]].append((slug, row))
        for username, rows in rows_by_user.items():
            rows.sort(key=lambda item: item[1]["enrolled_at"], reverse=True)  # newest first
            details = [self._detail(slug, row["role"]) for slug, row in rows]
            uploads = [self._upload(template, username)] if username == ZOE else []
            self.add_user(username, template, details=details, uploads=uploads)

    def add_user(self, username: str, template: dict, *, details: list, uploads: list) -> None:
        """A user_stats.json payload; the as_* blocks appear only for the matching roles."""
        payload: dict[str, Any] = {"user_recent_uploads": uploads, "courses_details": details}
        teaching = _teaching_labels(self.dataset)
        staff = {d["course_slug"] for d in details if d["user_role"] in teaching}
        student = {d["course_slug"] for d in details if d["user_role"] == ROLE_LABELS[0]}
        prefix = self.dataset.course_string_prefix
        if staff:
            payload["as_instructor"] = {
                "course_string_prefix": prefix,
                "courses_count": len(staff),
                "user_count": sum(self.specs[slug].student_count for slug in staff),
                "trained_percent": "0",
            }
            payload["by_students"] = _clone(template["by_students"])
        if student:
            payload["as_student"] = _clone(template["as_student"])
            payload["as_student"]["course_string_prefix"] = prefix
            payload["as_student"]["individual_courses_count"] = len(student)
        newest = details[0]["course_slug"] if details else None
        payload["max_project"] = (
            self.dataset.course(newest)["home_wiki"]["project"] if newest else None
        )
        self.dataset.users[username] = payload

    def add_sample_user(self, template: dict) -> None:
        """Ada is the sample payload itself, only her upload re-dated."""
        payload = _clone(template)
        for upload in payload["user_recent_uploads"]:
            upload["uploaded_at"] = _iso(self.now - 5 * _DAY + timedelta(hours=14))
        self.dataset.users[ADA] = payload

    def _detail(self, slug: str, role: int) -> dict:
        spec = self.specs[slug]
        self.next_enrollment_id += 1
        return {
            "course_id": self.next_enrollment_id - 1,
            "course_title": spec.title,
            "course_school": spec.school,
            "course_term": spec.term,
            # `course.user_count`, the same number as course.json's `student_count`.
            "user_count": spec.student_count,
            "user_role": ROLE_LABELS[role],
            "course_slug": slug,
        }

    def _upload(self, template: dict, username: str) -> dict:
        upload = _clone(template["user_recent_uploads"][0])
        upload.update(
            id=881300,
            uploaded_at=_iso(self.now - 2 * _DAY),
            file_name="Marché de Noël à Zürich.jpg",
            url="https://commons.wikimedia.org/wiki/File:March%C3%A9_de_No%C3%ABl_%C3%A0_Z%C3%BCrich.jpg",
            uploader=username,
        )
        return upload


def _windows(
    state: str, now: datetime, days: tuple[int, int, int | None, int | None] | None = None
) -> tuple[datetime, datetime, datetime | None, datetime | None]:
    """(start, end, timeline_start, timeline_end) for a state, or for ``days`` from today,
    whole days around ``now``."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)

    def begin(n: int) -> datetime:
        return day + n * _DAY

    def finish(n: int) -> datetime:
        return day + n * _DAY + timedelta(hours=23, minutes=59, seconds=59)

    if days is not None:
        start, end, tl_start, tl_end = days
        return (
            begin(start), finish(end),
            None if tl_start is None else begin(tl_start),
            None if tl_end is None else finish(tl_end),
        )  # fmt: skip
    windows = {
        "active_event": (begin(-14), finish(30), begin(-1), finish(1)),
        "active_tracking": (begin(-60), finish(20), begin(-45), finish(-44)),
        "ended": (begin(-200), finish(-100), begin(-150), finish(-149)),
        "future": (begin(30), finish(90), begin(40), finish(41)),
        "undated": (begin(-10), finish(50), None, None),
    }
    return windows[state]


def _shift_dates(node: Any, delta: timedelta) -> None:
    """Move every ISO-8601 timestamp string inside ``node`` by ``delta``, in place."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, str) and _ISO_RE.match(value):
            node[key] = _iso(_parse(value) + delta)
        elif isinstance(value, dict | list):
            _shift_dates(value, delta)


def _clone(obj: Any) -> Any:
    """A deep copy; orjson is much faster than copy.deepcopy for plain JSON."""
    return orjson.loads(orjson.dumps(obj))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse(text: str) -> datetime:
    return _utc(datetime.fromisoformat(text))


def _iso(moment: datetime) -> str:
    """The upstream's format: ``2025-11-01T00:00:00.000Z``."""
    moment = _utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
