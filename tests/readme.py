"""The README read as data, for the tests that hold it to the code: its sections, fenced
blocks, inline code spans, shell commands and the Configuration table."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def text() -> str:
    return README.read_text(encoding="utf-8")


def sections(source: str | None = None) -> dict[str, str]:
    """Heading (without #) -> its body up to the next heading of any level. Headings inside
    fenced blocks (shell comments) are not headings."""
    source = text() if source is None else source
    result: dict[str, str] = {}
    current, lines, fenced = "", [], False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"^#+ (.+)$", line)
        if heading:
            result[current] = "\n".join(lines)
            current, lines = heading.group(1).strip(), []
        else:
            lines.append(line)
    result[current] = "\n".join(lines)
    return result


def fenced(source: str, language: str) -> list[str]:
    """The bodies of ```language blocks (indented ones too, unindented)."""
    blocks = re.findall(rf"^( *)```{language}\n(.*?)^\1```", source, flags=re.M | re.S)
    return [re.sub(rf"(?m)^{indent}", "", body) for indent, body in blocks]


def spans(source: str) -> list[str]:
    """Inline code spans (a span may run over a line break, as Markdown allows), outside
    fenced blocks; whitespace runs are folded to one space."""
    outside = re.sub(r"^( *)```.*?^\1```", "", source, flags=re.M | re.S)
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", outside)]


def shell_commands(block: str) -> list[list[str]]:
    """Each command of a ```sh block as argv: comments dropped, `a && b` split."""
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            end = words.index("&&") if "&&" in words else len(words)
            commands.append(words[:end])
            words = words[end + 1 :]
    return commands


def configuration_table() -> dict[str, str]:
    """The Configuration section's table: variable -> its default cell, one row may name
    several variables (`A`, `B` with defaults `1, 2`)."""
    body = sections()["Configuration"]
    rows = re.findall(r"^\| (`[A-Z][A-Z0-9_]*`(?:, `[A-Z][A-Z0-9_]*`)*) \|.*\| ([^|]+) \|$",
                      body, flags=re.M)  # fmt: skip
    table: dict[str, str] = {}
    for names_cell, default_cell in rows:
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", names_cell)
        defaults = (
            [d.strip() for d in default_cell.split(",")]
            if len(names) > 1
            else [default_cell.strip()]
        )
        assert len(defaults) == len(names), (names, default_cell)
        for name, default in zip(names, defaults, strict=True):
            assert name not in table, f"{name} has two rows"
            table[name] = default
    return table
