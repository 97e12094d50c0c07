"""The README's examples hold: each `curl` example is run against the demo, served for real
by the README's own `outreach-helper demo` command; each command of the set-up and
maintenance sections is run when that is cheap and safe (`--help`, the demo) and otherwise
checked to parse with the CLI's own parser (options that exist, values it takes), the
scripts and Procfile processes it names to exist, and the Toolforge steps to name real
settings and routes."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from outreach_helper.cli import build_parser
from outreach_helper.main import create_app
from outreach_helper.settings import Settings
from tests import readme
from tests.servers import free_port

CLI = str(Path(sys.executable).parent / "outreach-helper")
README = readme.text()
SECTIONS = readme.sections()
# Where a newcomer and a maintainer find the commands they type.
SETUP_SECTIONS = ("The two commands", "Offline demo", "Deploying on Toolforge", "Maintenance")
# The host the README's examples use: the default of `outreach-helper demo` and `serve`.
README_HOST = "http://127.0.0.1:8000"
# Values for the metavariables of usage lines (`check [--username NAME]`).
METAVARIABLES = {"NAME": "Ada_Example", "ITEM...": "Ada_Example", "ITEM": "Ada_Example",
                 "F": "items.txt", "H": "127.0.0.1", "P": "8123", "N": "2"}  # fmt: skip
# Programs of the platform, not of this project: their own documentation holds for them.
NOT_OURS = ("ssh", "become")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# --- finding the commands --------------------------------------------------------------


def curl_examples() -> list[list[str]]:
    commands = [c for block in readme.fenced(README, "sh") for c in readme.shell_commands(block)]
    commands += [shlex.split(s) for s in readme.spans(README) if s.startswith("curl ")]
    return [c for c in commands if c[0] == "curl"]


def _command_span(span: str) -> bool:
    first = span.split()[0]
    return (
        first in ("outreach-helper", "toolforge", *NOT_OURS)
        or first.startswith(("scripts/", ".venv/bin/"))
        or (first in subcommands() and " --" in span)
    )  # `purge --all`, `serve --workers 2`


def setup_commands() -> list[list[str]]:
    """Every command in the set-up and maintenance sections: the lines of their ```sh
    blocks and their inline code spans that are commands; usage brackets are opened
    (`[--file F]` is checked as `--file F`)."""
    commands = []
    for title in SETUP_SECTIONS:
        body = SECTIONS[title]
        for block in readme.fenced(body, "sh"):
            commands += readme.shell_commands(block)
        for span in readme.spans(body):
            if _command_span(span):
                commands.append(shlex.split(span.replace("[", "").replace("]", "")))
    return [list(words) for words in dict.fromkeys(map(tuple, commands))]  # each once


def _cli_arguments(words: list[str]) -> list[str]:
    """A usage line's words as real arguments: metavariables get sample values."""
    arguments = []
    for word in words:
        if re.fullmatch(r"[A-Z]+(\.\.\.)?", word):
            assert word in METAVARIABLES, f"metavariable {word!r}: add a sample value"
            word = METAVARIABLES[word]
        arguments.append(word)
    return arguments


def check_parses(arguments: list[str]) -> argparse.Namespace:
    """Parsed as `outreach-helper` would; an unknown option or bad value fails the test."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            return build_parser().parse_args(arguments)
    except SystemExit:
        pytest.fail(
            f"`outreach-helper {shlex.join(arguments)}` does not parse: {errors.getvalue()}"
        )


def procfile() -> dict[str, str]:
    lines = (readme.ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


PATHS = set(create_app(Settings(_env_file=None)).openapi()["paths"])
SETTINGS = {name.upper() for name in Settings.model_fields}


def check_toolforge(words: list[str]) -> None:
    """Toolforge's own commands; what of ours they name must exist."""
    verb = words[1:3]
    if verb == ["envvars", "create"]:
        assert words[3] in SETTINGS or words[3] == "NAME", f"not a setting: {words[3]}"
    if "--health-check-path" in words:
        assert words[words.index("--health-check-path") + 1] in PATHS
    if "--command" in words:  # a one-off job runs a Procfile process of the image
        process, *arguments = shlex.split(words[words.index("--command") + 1])
        assert process in procfile(), f"no Procfile process {process!r}"
        assert "outreach_helper.cli" in procfile()[process]
        check_parses(_cli_arguments(arguments))


def check_command(words: list[str]) -> str:
    """Checks one README command; returns how (for the test's tally)."""
    program = words[0]
    if program in NOT_OURS:
        return "not ours"
    if program == "toolforge":
        check_toolforge(words)
        return "toolforge"
    if program == "curl":
        return "curl"  # run by test_each_curl_example_answers
    if program.startswith("scripts/"):
        script = readme.ROOT / program
        assert script.is_file() and os.access(script, os.X_OK), program
        source = script.read_text()
        if program == "scripts/serve":  # passes its arguments on to `outreach-helper serve`
            assert 'outreach-helper serve "$@"' in source
            check_parses(["serve", *_cli_arguments(words[1:])])
        elif program == "scripts/bootstrap":
            assert set(words[1:]) <= {"runtime", "dev"}, words
        else:
            assert words[1:] == [], f"{program} takes no arguments in the README"
        return "script"
    if program in ("outreach-helper", ".venv/bin/outreach-helper"):
        if program.startswith(".venv/"):
            assert Path(CLI).is_file(), CLI  # the console script the venv gets
        if len(words) == 1:  # the program named in prose ("`outreach-helper` has ...")
            return "program"
        check_parses(_cli_arguments(words[1:]))
        return "cli"
    if program in subcommands():
        check_parses(_cli_arguments(words))
        return "cli"
    pytest.fail(f"a README command nothing checks: {shlex.join(words)}")


def test_the_sections_exist() -> None:
    assert set(SETUP_SECTIONS) <= set(SECTIONS)


@pytest.mark.parametrize("words", setup_commands(), ids=shlex.join)
def test_each_setup_and_maintenance_command_is_checked(words: list[str]) -> None:
    check_command(words)


def test_the_commands_found_are_the_ones_expected() -> None:
    """The search finds commands of every kind (so a broken search cannot pass)."""
    kinds = [check_command(words) for words in setup_commands()]
    assert {"script", "cli", "toolforge", "not ours", "curl"} <= set(kinds), kinds
    assert kinds.count("cli") >= 8 and kinds.count("toolforge") >= 8, kinds


def test_every_subcommand_and_option_is_documented() -> None:
    """The other way round: what the CLI offers, the README names (as `cmd` and
    `--option` in code)."""
    spans = readme.spans(README)
    maintenance = readme.spans(SECTIONS["Maintenance"])
    for name, parser in subcommands().items():
        assert any(re.search(rf"(^|\s){name}(\s|$)", s) for s in spans), name
        if name not in ("serve", "demo"):  # the maintenance table lists the rest
            assert any(s.startswith(f"outreach-helper {name}") for s in maintenance), name
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert any(option in s for s in spans), f"{name} {option}"


def test_the_options_of_scripts_serve_are_serves() -> None:
    """'`scripts/serve` takes `--host`, `--port` ... and `--workers`'."""
    sentence = re.search(r"`scripts/serve` takes (.*?)\.", SECTIONS["The two commands"], re.S)
    options = re.findall(r"`(--[a-z-]+)`", sentence.group(1))
    assert options, "the options scripts/serve takes"
    serve = subcommands()["serve"]
    assert set(options) == {o for a in serve._actions for o in a.option_strings} - {"-h", "--help"}


def test_the_cli_help_runs() -> None:
    """`outreach-helper --help` (the installed command) and each subcommand's `--help`."""
    result = subprocess.run([CLI, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in subcommands():
        assert name in result.stdout
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
            build_parser().parse_args([name, "--help"])
        assert exited.value.code == 0 and f"outreach-helper {name}" in out.getvalue()


# --- running the curl examples against the demo -----------------------------------------


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    """`outreach-helper demo --port P`, as the README's Offline demo runs it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REDIS_HOST", "PORT")}
    process = subprocess.Popen(
        [CLI, "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"Demo wiki with the gadget: {base}/demo/" in output


def test_there_are_curl_examples() -> None:
    examples = curl_examples()
    assert len(examples) >= 6
    paths = {re.sub(r"\?.*", "", next(w for w in c if w.startswith("http"))) for c in examples}
    for newer in ("/api/participants", "/stats.json", "/health"):  # the newer surfaces
        assert README_HOST + newer in paths, newer


@pytest.mark.parametrize("words", curl_examples(), ids=shlex.join)
def test_each_curl_example_answers(demo_server: str, words: list[str]) -> None:
    urls = [w for w in words if w.startswith("http")]
    assert len(urls) == 1 and urls[0].startswith(README_HOST + "/"), words
    command = [demo_server + w[len(README_HOST) :] if w in urls else w for w in words]
    result = subprocess.run([*command, "--max-time", "20", "-w", "\n%{http_code}"],
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert result.returncode == 0, result.stderr
    body, status = result.stdout.rsplit("\n", 1)
    assert status == "200", (words, status, body[:300])
    if "-i" not in words and "-si" not in words:
        assert json.loads(body), body[:300]  # every example is a JSON route


async def test_the_stats_ranges_the_readme_gives(demo_server: str) -> None:
    """`/stats.json?range=1h|24h|7d`, 'another range is a 400 problem'."""
    given = re.search(
        r"`/stats\.json\?range=([\w|]+)`", SECTIONS["The maintainer's page: `/stats`"]
    )
    assert given
    async with httpx.AsyncClient(base_url=demo_server) as client:
        for value in given.group(1).split("|"):
            for path in ("/stats", "/stats.json"):
                assert (await client.get(path, params={"range": value})).status_code == 200
        wrong = await client.get("/stats.json", params={"range": "2d"})
        assert wrong.status_code == 400
        assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_the_participants_limits_the_readme_gives(demo_server: str) -> None:
    """The API table: `/api/participants` takes '1 to 50 names; an empty or invalid one is
    a 400'."""
    row = next(line for line in SECTIONS["API"].splitlines()
               if line.startswith("| `GET /api/participants"))  # fmt: skip
    low, high = map(int, re.search(r"(\d+) to (\d+) names", row).groups())
    assert re.search(r"empty or invalid [^|]*400", row), row
    names = [f"Reader {n}" for n in range(high + 1)]
    async with httpx.AsyncClient(base_url=demo_server) as client:

        async def status(usernames: str) -> int:
            return (
                await client.get("/api/participants", params={"usernames": usernames})
            ).status_code

        assert await status("|".join(names[:low])) == 200
        assert await status("|".join(names[:high])) == 200
        assert await status("|".join(names)) in (400, 422)  # one more than the README says
        assert await status("Ada_Example|") == 400  # an empty one
        assert await status("A<b") == 400  # not a username
