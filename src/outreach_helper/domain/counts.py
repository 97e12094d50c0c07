"""Counts that upstream sends either as numbers or as human strings ("1.4M", "6.44K").

course.json renders `edit_count`, `word_count`, `references_count` and `view_count` with
Rails' `number_to_human` (app/views/courses/course.json.jbuilder): three significant
digits, insignificant zeros stripped, units from config/locales/en.yml
(`number.human.decimal_units`: K, M, B, T, Q, format "%n%u"; past Q the number grows,
"1230Q"). Such a string is an approximation: it is kept as text (`human_count`) and its
value offered as an approximate number (`parse_count`), never as an exact one.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["human_count", "parse_count"]

# Longer strings are not counts; the cap also keeps parsing cheap on hostile input.
_MAX_TEXT_LENGTH = 64

_MULTIPLIERS = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "b": 10**9,
    "t": 10**12,
    "q": 10**15,
}

# Optional sign; digits either plain or grouped by commas in threes (so "1,4M", a
# decimal comma, is rejected instead of being read as 14M); optional fraction; suffix.
_COUNT = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?P<int>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|(?=\.[0-9]))"
    r"(?:\.(?P<frac>[0-9]*))?"
    r"\s*(?P<suffix>[kmbtq]?)",
    re.IGNORECASE,
)


def parse_count(value: object) -> int | None:
    """Return the count as an int, or None when the value is not a count.

    Rounding is half-to-even, like round(), for floats and strings alike. Booleans are
    not counts (though bool is an int subclass).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > _MAX_TEXT_LENGTH:
        return None
    match = _COUNT.fullmatch(text)
    if match is None:
        return None
    digits = match["int"].replace(",", "") or "0"
    # Exact arithmetic: "6.44K" must be 6440, not 6440.000000000001 rounded.
    number = Fraction(f"{digits}.{match['frac'] or '0'}") * _MULTIPLIERS[match["suffix"].lower()]
    if match["sign"] == "-":
        number = -number
    return round(number)


def human_count(value: object) -> str | None:
    """The count as the Dashboard wrote it ("6.44K"; an exact number as its digits), or
    None when it is not a count. Whatever `parse_count` reads is kept: never a valid
    count turned into None."""
    if parse_count(value) is None:
        return None
    if isinstance(value, str):
        return value.strip()
    return str(parse_count(value)) if isinstance(value, float) else str(value)
