"""Every environment variable the service reads, in one place.

The names of the first block are a fixed contract (existing deployments set them); the
rest are tuning knobs with defaults that suit Toolforge.
"""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_helper.dashboard.config import DashboardConfig, parse_dashboards


class Settings(BaseSettings):
    """Configuration from the environment (case-insensitive names, all optional)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    # --- fixed contract (design.md) ---------------------------------------------------
    outreach_base_url: str = "https://outreachdashboard.wmflabs.org"
    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: PositiveInt = 6379
    redis_key_prefix: str = "outreach-helper:"
    user_cache_ttl: PositiveInt = 3600
    course_cache_ttl: PositiveInt = 86400
    course_users_cache_ttl: PositiveInt = 3600
    not_found_cache_ttl: PositiveInt = 600
    stale_if_error_ttl: int = Field(default=604800, ge=0)
    # Which dashboards to answer for (dashboard/config.py); the first is the default.
    dashboards: str = "outreach"
    # How long what the service knows of the current courses and their people stays
    # fresh (/api/participants); see the README's "Participants knowledge".
    participants_ttl: PositiveInt = 3600
    # How long the list of current courses read from all_courses.json (every course ever,
    # built uncached by the Dashboard: its heaviest public answer) stays fresh.
    course_list_ttl: PositiveInt = 86400
    # The whole all_courses.json request: tens of MB, rendered on the spot.
    all_courses_deadline: PositiveFloat = 300.0
    # Course documents read at once while the participants knowledge is built.
    knowledge_concurrency: PositiveInt = 2

    # --- tuning ------------------------------------------------------------------------
    # How long past freshness an entry is answered at once while it is refreshed in the
    # background; older entries are refetched in the foreground (and still served if that
    # fails, up to stale_if_error_ttl).
    stale_while_revalidate_ttl: int = Field(default=86400, ge=0)
    # Who to contact about our traffic; goes into the User-Agent Wikimedia asks for.
    contact: str = "https://outreach-helper.toolforge.org/"
    # Requests in flight to the Dashboard at once, per process.
    upstream_max_in_flight: PositiveInt = 8
    upstream_connect_timeout: PositiveFloat = 5.0
    # The whole upstream request, including waiting for a slot under the in-flight cap.
    upstream_deadline: PositiveFloat = 60.0
    # How long an API caller waits for an upstream fetch; a slower fetch carries on in the
    # background and fills the cache for the next caller.
    foreground_timeout: PositiveFloat = 10.0
    # `dashboard=all`: once one dashboard has answered, how long the others may still take
    # before the answer goes out without them (their fetch carries on and fills the cache).
    all_dashboards_wait: PositiveFloat = 2.0
    # Bound on every Redis command so that a hung Redis cannot hang a request.
    redis_timeout: PositiveFloat = 1.0
    # While Redis is unreachable the memory store answers; Redis is tried again this often.
    redis_retry_interval: PositiveFloat = 5.0
    # Connections each worker keeps to Redis for its commands (a command waits for a free
    # one, within REDIS_TIMEOUT); the worker adds 2 for publishing invalidations and 1 for
    # the subscription. Toolforge's shared Redis has one `maxclients` for every tool, and
    # once refused new clients: unbounded, a burst of 300 requests opened 110-195 per worker.
    redis_max_connections: PositiveInt = 8

    # --- resilience (see the README's design section) -----------------------------------
    # A worker fetching a key holds a lease on it in Redis for this long, renewed while the
    # fetch runs, so that a crashed worker's lease lapses quickly.
    fetch_lease_ttl: PositiveFloat = 10.0
    # After a failed fetch of a key, it is not fetched again for a random time between 0
    # and min(cap, base * 2**(failures - 1)) seconds (full jitter); stale is served.
    backoff_base: PositiveFloat = 2.0
    backoff_cap: PositiveFloat = 60.0
    # Failures in a row of one upstream endpoint that open its circuit, and how long it
    # then stays open before one probe is let through: BREAKER_FIRST_COOLDOWN at first,
    # an eighth of the outage's age while it is under 30 s, then doubling with each
    # failed probe up to BREAKER_COOLDOWN (see dashboard/breaker.py).
    breaker_failures: PositiveInt = 5
    breaker_cooldown: PositiveFloat = 30.0
    breaker_first_cooldown: PositiveFloat = 1.0
    # Attempts of a background refresh (callers who wait are never retried).
    refresh_attempts: int = Field(default=3, ge=1, le=3)
    # XFetch's beta: how eagerly hot entries are refreshed before they go stale; 0 = never.
    early_refresh_beta: float = Field(default=1.0, ge=0)
    # Store expiries are stretched by a random 0..this fraction (negative entries are
    # shortened by it), so entries written together do not expire together.
    expiry_jitter: float = Field(default=0.1, ge=0, le=0.5)
    # Entries the in-process memory store (or, over Redis, the in-process tier) keeps
    # before evicting the least recently used.
    memory_max_entries: PositiveInt = 20000
    # Over Redis: how long a worker uses its own copy of an entry before reading Redis
    # again, which bounds how long a lost invalidation can go unnoticed.
    tier_recheck_interval: PositiveFloat = 1.0
    # The maintainer's history (/stats): count answers and upstream requests, and add
    # this worker's counts into the shared store every STATS_FLUSH_INTERVAL seconds.
    stats_recording: bool = True
    stats_flush_interval: PositiveFloat = 5.0
    log_level: str = "INFO"
    # Where the code is published; linked from the home page.
    source_url: str = "https://gitlab.wikimedia.org/toolforge-repos/outreach-helper"

    @model_validator(mode="after")
    def _base_url_without_trailing_slash(self) -> Settings:
        self.outreach_base_url = self.outreach_base_url.rstrip("/")
        # Parsed now, so that a bad DASHBOARDS stops the start with its reason.
        self._dashboard_configs = parse_dashboards(
            self.dashboards, outreach_base_url=self.outreach_base_url
        )
        return self

    @property
    def dashboard_configs(self) -> tuple[DashboardConfig, ...]:
        """The configured dashboards, the default first."""
        return self._dashboard_configs

    @property
    def effective_redis_url(self) -> str | None:
        """REDIS_URL wins; REDIS_HOST/REDIS_PORT is the older Toolforge style."""
        if self.redis_url:
            return self.redis_url
        if self.redis_host:
            return f"redis://{self.redis_host}:{self.redis_port}/0"
        return None
