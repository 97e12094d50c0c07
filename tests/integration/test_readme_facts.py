"""What the README states about the code holds: its environment variables are the settings
(both ways, with their defaults), its routes and query parameters are the OpenAPI
document's, and its gadget installation (pages, definition line, languages, settings) is
the gadget's. New settings, routes, parameters and languages are picked up from the code,
so adding one without its documentation fails here."""

from __future__ import annotations

import re

import pytest

from outreach_helper import gadget
from outreach_helper.main import create_app
from outreach_helper.settings import Settings
from tests import readme

README = readme.text()
SPANS = readme.spans(README)
DOCUMENT = create_app(Settings(_env_file=None)).openapi()
SETTINGS = {name.upper(): field for name, field in Settings.model_fields.items()}

# Upper-case names in the README that are environment variables read elsewhere than
# Settings, with a file that reads each (checked, so the list cannot go stale).
READ_ELSEWHERE = {
    "PORT": "src/outreach_helper/cli.py",
    "WEB_CONCURRENCY": "gunicorn.conf.py",
    "SOAK_MINUTES": "scripts/bench",
    "CAPACITY": "scripts/bench",
    "TWO_DASHBOARDS": "scripts/bench",
    "MW_CONFIG_FILE": "tests/browser/mediawiki.py",
}
# Upper-case names in the README that are no environment variable at all.
NOT_VARIABLES = {
    "API_BASE": "the wmf-outreach gadget's own constant",
    "ROLE_NAMES": "the Dashboard's CoursesUsers::ROLE_NAMES",
}


def named_variables() -> set[str]:
    """Every name in the README that looks like an environment variable: UPPER_SNAKE
    words, `$NAME`, `NAME=value` in code, and the Configuration table's rows."""
    names = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", README))
    names |= set(re.findall(r"\$([A-Z][A-Z0-9_]+)", README))
    for span in SPANS:
        names |= set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]+)=", span))
    for block in readme.fenced(README, "sh"):
        names |= set(re.findall(r"(?:^|\s)([A-Z][A-Z0-9_]+)=", block, flags=re.M))
    return names | set(readme.configuration_table())


def test_every_variable_the_readme_names_exists() -> None:
    names = named_variables()
    assert len(names) > 40  # the table alone has 39 rows: the search finds them
    unknown = names - set(SETTINGS) - set(READ_ELSEWHERE) - set(NOT_VARIABLES)
    assert not unknown, f"named in the README, read by nothing: {sorted(unknown)}"


@pytest.mark.parametrize(("name", "path"), READ_ELSEWHERE.items())
def test_variables_read_elsewhere_are_read_there(name: str, path: str) -> None:
    assert name not in SETTINGS, f"{name} is a setting now: drop it from READ_ELSEWHERE"
    assert re.search(rf"\b{name}\b", (readme.ROOT / path).read_text(encoding="utf-8")), path


def test_every_setting_has_a_row_in_the_configuration_table() -> None:
    table = readme.configuration_table()
    assert set(SETTINGS) - set(table) == set(), "settings missing from README's Configuration"
    assert set(table) - set(SETTINGS) == set(), "README's Configuration names non-settings"


def _documented(cell: str) -> object:
    value = cell.strip().strip("`")
    if value == "unset":
        return None
    if value in ("true", "false"):
        return value == "true"
    try:
        return float(value)
    except ValueError:
        return value


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_documented_default_is_the_default(name: str) -> None:
    cell = readme.configuration_table().get(name)
    assert cell is not None, f"{name} has no row in the README's Configuration"
    default = SETTINGS[name].default
    documented = _documented(cell)
    if isinstance(default, bool) or default is None or isinstance(default, str):
        assert documented == default, (name, cell, default)
    else:
        assert documented == float(default), (name, cell, default)


def _in_code(path: str) -> bool:
    """`path` appears in a code span of the README as a whole path (not the start of a
    longer one: `/stats` is not found in `/stats.json`)."""
    pattern = re.compile(rf"(?<![\w/.]){re.escape(path)}(?![\w/.{{-])")
    return any(pattern.search(span) for span in SPANS)


def query_parameters() -> list[tuple[str, dict]]:
    return [(path, parameter) for path, item in DOCUMENT["paths"].items()
            for operation in item.values() for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"]  # fmt: skip


@pytest.mark.parametrize("path", list(DOCUMENT["paths"]))
def test_every_route_is_in_the_readme(path: str) -> None:
    assert _in_code(path), f"{path} is not named in the README"


@pytest.mark.parametrize(("path", "parameter"), query_parameters(),
                         ids=lambda v: v if isinstance(v, str) else v["name"])  # fmt: skip
def test_every_query_parameter_is_in_the_readme(path: str, parameter: dict) -> None:
    name = parameter["name"]
    uses = [span for span in SPANS if f"{name}=" in span]
    assert uses, f"{path}: `{name}=` is not in the README"
    enum = parameter.get("schema", {}).get("enum")
    if enum:  # one place lists every value the route takes, e.g. range=1h|24h|7d
        lists = [
            set(values.replace("\\", "").split("|"))
            for span in uses  # (`\|` inside a table cell; `name=` alone lists nothing)
            for values in re.findall(rf"{name}=([\w|\\]+)", span)[:1]
        ]
        assert any(set(enum) <= values for values in lists), (path, name, enum, lists)


def test_there_are_query_parameters_to_check() -> None:
    names = {parameter["name"] for _, parameter in query_parameters()}
    assert {"usernames", "enrich", "use_event_dates", "range"} <= names


# --- the gadget: installation steps, languages, settings --------------------------------


def readme_definition() -> str:
    lines = re.findall(r"`(\* outreach-helper\[[^`]*)`", README)
    assert len(set(lines)) == 1, f"the README should give one definition line, not {lines}"
    return lines[0]


def test_the_readme_definition_line_is_the_gadgets() -> None:
    assert readme_definition() == gadget.definition()


def test_the_readme_installation_table_is_the_gadgets_pages() -> None:
    rows = re.findall(r"^ *\| `(MediaWiki:Gadget-[^`]+)` \| `([^`]+)` \|$", README, re.M)
    assert rows == gadget.wiki_pages()
    for _, file in rows:  # each row names a real file
        assert (readme.ROOT / "src/outreach_helper/gadget" / file).is_file(), file


def test_the_readme_lists_every_language_and_no_other() -> None:
    section = readme.sections()["Translations"]
    listed = re.search(r"today ((?:`[a-z-]+`,? ?)+)", section)
    assert listed, "the Translations section should list the languages after 'today'"
    assert re.findall(r"`([a-z-]+)`", listed.group(1)) == gadget.translations()


def gadget_defaults() -> dict[str, str]:
    source = gadget.read("outreach-helper.js").decode()
    block = re.search(r"function readSettings\(\) \{\s*return Object\.assign\( \{(.*?)\}, ",
                      source, flags=re.S)  # fmt: skip
    assert block, "readSettings() not found in the gadget"
    pairs = re.findall(r"^\s*(\w+): (.+?),?$", block.group(1), flags=re.M)
    return {key: value.strip().strip("'") for key, value in pairs}


def test_the_readme_gadget_settings_are_the_scripts() -> None:
    section = readme.sections()["The wiki gadget"]
    table = re.search(r"\| setting \| meaning \| default \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", section)
    assert table, "the gadget's settings table"
    rows = re.findall(r"^\| `(\w+)` \|.*\| `([^`]*)` \|$", table.group(1), flags=re.M)
    assert dict(rows) == gadget_defaults()
    assert len(rows) >= 4
