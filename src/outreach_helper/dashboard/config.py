"""Which dashboards the service answers for: `DASHBOARDS` parsed into frozen configs.

`outreach` and `wikiedu` are presets; any other entry is `name=https://base.url`. The
first entry is the default dashboard. Errors name the entry and show a valid one, so a
deployment that cannot start says how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

PRESETS = {
    "outreach": "https://outreachdashboard.wmflabs.org",
    "wikiedu": "https://dashboard.wikiedu.org",
}
_NAME = re.compile(r"[a-z0-9]{1,32}")
# Plain http only where nothing leaves the machine: loopback, and `.invalid` (RFC 2606:
# never resolves), which the demo's in-process Dashboard uses.
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXAMPLE = "DASHBOARDS=outreach,wikiedu or DASHBOARDS=outreach,test=https://dashboard.example.org"


class DashboardsError(ValueError):
    """`DASHBOARDS` cannot be used as given."""


# What answers and messages call each preset; another dashboard is "the NAME dashboard".
LABELS = {"outreach": "Outreach Dashboard", "wikiedu": "Wiki Education Dashboard"}
# `dashboard=all` asks every configured dashboard, so no dashboard may be called that.
RESERVED = frozenset({"all"})


@dataclass(frozen=True, slots=True)
class DashboardConfig:
    """One dashboard: its name (in `dashboard=`, keys and metrics) and base URL."""

    name: str
    base_url: str

    @property
    def label(self) -> str:
        return LABELS.get(self.name, f"{self.name} dashboard")

    @property
    def string_prefix(self) -> str:
        """The words of its default course type (Rails' Features.default_course_string_prefix:
        ClassroomProgramCourse's `courses` on Wiki Education, BasicCourse's
        `courses_generic` elsewhere), for courses whose own prefix is not known."""
        wiki_ed = self.name == "wikiedu" or urlsplit(self.base_url).hostname == WIKI_ED_HOST
        return "courses" if wiki_ed else "courses_generic"


WIKI_ED_HOST = urlsplit(PRESETS["wikiedu"]).hostname


def _check_url(entry: str, url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host in _LOOPBACK or host.endswith(".invalid")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise DashboardsError(
            f"DASHBOARDS entry {entry!r}: the base URL must be https:// (http:// only on "
            f"loopback); e.g. {EXAMPLE}"
        )
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        raise DashboardsError(
            f"DASHBOARDS entry {entry!r}: the base URL must be scheme://host[:port][/path]"
        )
    return url.rstrip("/")


def parse_dashboards(raw: str, *, outreach_base_url: str) -> tuple[DashboardConfig, ...]:
    """The configured dashboards, the default first; `outreach_base_url` is the base URL
    of the `outreach` preset (OUTREACH_BASE_URL, honoured as before)."""
    configs: list[DashboardConfig] = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            raise DashboardsError(f"DASHBOARDS has an empty entry; e.g. {EXAMPLE}")
        name, has_url, url = entry.partition("=")
        name = name.strip()
        if not _NAME.fullmatch(name):
            raise DashboardsError(
                f"DASHBOARDS entry {entry!r}: a name is 1 to 32 lowercase letters and digits; "
                f"e.g. {EXAMPLE}"
            )
        if has_url:
            base_url = _check_url(entry, url.strip())
        elif name == "outreach":
            base_url = _check_url(entry, outreach_base_url)
        elif name in PRESETS:
            base_url = PRESETS[name]
        else:
            raise DashboardsError(
                f"DASHBOARDS entry {entry!r} is not a preset ({', '.join(PRESETS)}); "
                f"give its base URL as {name}=https://...; e.g. {EXAMPLE}"
            )
        if name in RESERVED:
            raise DashboardsError(
                f"DASHBOARDS entry {entry!r}: {name!r} is reserved (dashboard={name} asks "
                f"every dashboard); e.g. {EXAMPLE}"
            )
        if any(config.name == name for config in configs):
            raise DashboardsError(f"DASHBOARDS names {name!r} twice")
        configs.append(DashboardConfig(name, base_url))
    return tuple(configs)
