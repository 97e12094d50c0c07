"""DASHBOARDS parsing: presets, custom entries, the default first, and errors that say why."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from outreach_helper.dashboard.config import DashboardConfig, DashboardsError, parse_dashboards
from outreach_helper.settings import Settings

OUTREACH = "https://outreachdashboard.wmflabs.org"


def test_presets_and_custom_entries_in_order() -> None:
    configs = parse_dashboards(
        "wikiedu, outreach,test1=https://dash.example.org/", outreach_base_url=OUTREACH
    )
    assert configs == (
        DashboardConfig("wikiedu", "https://dashboard.wikiedu.org"),
        DashboardConfig("outreach", OUTREACH),
        DashboardConfig("test1", "https://dash.example.org"),
    )


def test_outreach_base_url_is_honoured() -> None:
    (config,) = parse_dashboards("outreach", outreach_base_url="http://127.0.0.1:8001")
    assert config.base_url == "http://127.0.0.1:8001"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("outreach,Bad", "'Bad': a name is 1 to 32 lowercase letters and digits"),
        ("outreach,,wikiedu", "empty entry"),
        ("outreach,outreach", "names 'outreach' twice"),
        ("other", "'other' is not a preset"),
        ("x=http://dash.example.org", "must be https://"),
        ("x=https://dash.example.org/?a=1", "scheme://host"),
        ("x=ftp://127.0.0.1", "must be https://"),
        ("outreach,all=https://dash.example.org", "'all' is reserved"),
    ],
)
def test_unusable_entries_are_refused_with_their_reason(raw: str, says: str) -> None:
    with pytest.raises(DashboardsError, match="DASHBOARDS") as caught:
        parse_dashboards(raw, outreach_base_url=OUTREACH)
    assert says in str(caught.value)


def test_settings_refuse_to_start_on_a_bad_value() -> None:
    with pytest.raises(ValidationError, match="is not a preset"):
        Settings(_env_file=None, dashboards="outreach,nope")
    assert [c.name for c in Settings(_env_file=None).dashboard_configs] == ["outreach"]


def test_labels_and_default_words_of_each_dashboard() -> None:
    outreach, wikiedu, mirror, other = parse_dashboards(
        "outreach,wikiedu,mirror=https://dashboard.wikiedu.org,other=https://d.example.org",
        outreach_base_url=OUTREACH,
    )
    assert (outreach.label, wikiedu.label) == ("Outreach Dashboard", "Wiki Education Dashboard")
    assert other.label == "other dashboard"
    # Rails' Features.default_course_string_prefix: ClassroomProgramCourse on Wiki Education.
    assert [c.string_prefix for c in (outreach, wikiedu, mirror, other)] == [
        "courses_generic", "courses", "courses", "courses_generic",
    ]  # fmt: skip
