"""The maintainers' commands, run as processes against the fake Dashboard and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from outreach_helper.demo import wikiedu as we
from outreach_helper.demo.wikiedu import build_wikiedu_dataset
from tests.fakedash import dataset as d
from tests.fakedash.server import FakeDashboard
from tests.servers import RedisServer

CLI = str(Path(sys.executable).parent / "outreach-helper")


@pytest.fixture
def run(fake: FakeDashboard, redis_server: RedisServer, request: pytest.FixtureRequest):
    prefix = f"cli-{request.node.name}:"

    def call(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = dict(
            os.environ,
            OUTREACH_BASE_URL=fake.base_url,
            REDIS_URL=redis_server.url,
            REDIS_KEY_PREFIX=prefix,
        )
        environment.pop("REDIS_HOST", None)
        environment.update(env)
        return subprocess.run(
            [CLI, *args], env=environment, capture_output=True, text=True, timeout=60
        )

    call.prefix = prefix  # type: ignore[attr-defined]
    return call


def keys(redis_server: RedisServer, prefix: str) -> set[str]:
    r = redis.Redis.from_url(redis_server.url)
    return {k.decode() for k in r.scan_iter(match=prefix + "*")}


def test_check_passes_and_names_what_it_checked(run) -> None:
    result = run("check", "--username", "ada_Example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Redis reachable" in result.stdout
    assert "user 'Ada Example' found" in result.stdout


def test_check_fails_with_unreachable_redis_and_dashboard(run, fake: FakeDashboard) -> None:
    fake.down()
    try:
        result = run("check", REDIS_URL="redis://127.0.0.1:1/0")
    finally:
        fake.up()
    assert result.returncode == 1
    assert "Redis UNREACHABLE" in result.stdout
    assert "Upstream:    outreach FAILED" in result.stdout


def test_warm_inspect_and_purge(run, redis_server: RedisServer, tmp_path: Path) -> None:
    listing = tmp_path / "names.txt"
    listing.write_text(f"# a comment\n{d.ZOE}\n\n{d.SLUG_ACTIVE}\n", encoding="utf-8")
    result = run("warm", "--file", str(listing), "Ada_Example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warmed 3 of 3" in result.stdout
    prefix = run.prefix
    assert keys(redis_server, prefix) >= {
        f"{prefix}user:{d.ZOE}", f"{prefix}user:Ada Example",
        f"{prefix}course:{d.SLUG_ACTIVE}", f"{prefix}roster:{d.SLUG_ACTIVE}",
    }  # fmt: skip

    shown = run("inspect", "Ada_Example", d.SLUG_ACTIVE)
    assert shown.returncode == 0
    assert f"{prefix}user:Ada Example: fresh, age" in shown.stdout
    assert f"{prefix}roster:{d.SLUG_ACTIVE}: fresh" in shown.stdout

    purged = run("purge", "Ada_Example")
    assert purged.returncode == 0
    assert f"{prefix}user:Ada Example" not in keys(redis_server, prefix)
    assert f"{prefix}user:{d.ZOE}" in keys(redis_server, prefix)
    assert "not cached" in run("inspect", "Ada Example").stdout


def test_warm_reports_upstream_failures(run, fake: FakeDashboard) -> None:
    fake.fail_mode = "500"
    result = run("warm", "Ada_Example")
    assert result.returncode == 1
    assert "warmed 0 of 1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("warm",), "Nothing to warm"),
        (("inspect", "bad#name"), "forbids"),
        (("purge",), "Give either --all or usernames"),
        (("purge", "--all", "Ada"), "Give either --all or usernames"),
        (("serve", "--workers", "0"), "must be a whole number"),
        (("warm", "--file", "/nonexistent/list"), "cannot read"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(run, args, message) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stdout + result.stderr


def test_maintenance_without_redis_says_why(run) -> None:
    result = run("warm", "Ada", REDIS_URL="")
    assert result.returncode == 2
    assert "No Redis configured" in result.stdout


def test_purge_all_drops_every_entry_without_keys_or_scan(run, redis_server: RedisServer) -> None:
    assert run("warm", "--enrich", "Ada_Example", d.ZOE).returncode == 0
    prefix = run.prefix
    entries = {k for k in keys(redis_server, prefix) if k.split(":")[1] in ("user", "course")}
    assert len(entries) >= 4
    result = run("purge", "--all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "purged" in result.stdout
    left = {k for k in keys(redis_server, prefix) if not k.startswith(f"{prefix}lease:")}
    assert not {k for k in left if k.split(":")[1] in ("user", "course", "roster")}
    assert "not cached" in run("inspect", "Ada_Example").stdout


def test_each_dashboards_entries_by_name(run, redis_server: RedisServer) -> None:
    """With two dashboards, `--dashboard` picks whose entries; `check` asks each one."""
    with FakeDashboard(build_wikiedu_dataset()) as wikiedu:
        two = {"DASHBOARDS": f"outreach,wikiedu={wikiedu.base_url}"}
        checked = run("check", "--username", we.STUDENT, **two)
        assert "outreach answered" in checked.stdout and "wikiedu answered" in checked.stdout
        assert f"user {we.STUDENT!r} found" in checked.stdout  # on Wiki Education
        assert run("warm", "--dashboard", "wikiedu", we.STUDENT, **two).returncode == 0
        assert wikiedu.counts["user_stats"] >= 1
        stored = keys(redis_server, run.prefix)
        assert f"{run.prefix}wikiedu:user:{we.STUDENT}" in stored
        assert f"{run.prefix}user:{we.STUDENT}" not in stored
        shown = run("inspect", "--dashboard", "wikiedu", we.STUDENT, **two)
        assert f"wikiedu:user:{we.STUDENT}: fresh" in shown.stdout
        unknown = run("inspect", "--dashboard", "nope", we.STUDENT, **two)
        assert unknown.returncode == 2
        assert "the configured dashboards are outreach, wikiedu" in unknown.stdout
        run("purge", "--dashboard", "wikiedu", we.STUDENT, **two)
        assert f"{run.prefix}wikiedu:user:{we.STUDENT}" not in keys(redis_server, run.prefix)
