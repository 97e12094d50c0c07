import pytest

from outreach_helper.domain.counts import human_count, parse_count


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0),
        (873, 873),
        (1_400_000, 1_400_000),
        (12.4, 12),
        (12.6, 13),
        (2.5, 2),  # round() is half-to-even
        (3.5, 4),
        (0.0, 0),
        ("873", 873),
        ("  873  ", 873),
        ("0", 0),
        ("1,234", 1234),
        ("1,234,567", 1234567),
        ("12.4", 12),
        ("12.6", 13),
        ("2.5", 2),
        (".5", 0),
        ("7.", 7),
        ("1.4M", 1_400_000),
        ("1.4m", 1_400_000),
        ("6.44K", 6440),
        ("6.44k", 6440),
        ("12.4K", 12400),
        ("1K", 1000),
        ("2B", 2_000_000_000),
        ("1.5b", 1_500_000_000),
        ("1.2345K", 1234),
        ("1.2346K", 1235),
        ("0.0005K", 0),
        ("1,234.5K", 1_234_500),
        ("1.4 M", 1_400_000),
        ("-5", -5),
        ("-2.5", -2),
        ("-0.6K", -600),
        ("+5", 5),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_parse_count(value: object, expected: int) -> None:
    result = parse_count(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        "",
        "   ",
        "n/a",
        "N/A",
        "-",
        "K",
        "1.4X",
        "1.4MM",
        "M1",
        "1,4M",  # decimal comma, not a thousands separator
        "12,34",
        "1,,234",
        ",123",
        "1.2.3",
        "1e3",
        "inf",
        "nan",
        "١٢٣",  # non-ASCII digits
        "1" * 65,  # longer than any real count
        "9" * 5000,
        float("nan"),
        float("inf"),
        float("-inf"),
        [1],
        {"count": 1},
        b"873",
    ],
)
def test_parse_count_rejects(value: object) -> None:
    assert parse_count(value) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.23T", 1_230_000_000_000),
        ("4Q", 4 * 10**15),
        ("1230Q", 1230 * 10**15),
        ("9.99t", 9_990_000_000_000),
    ],
)
def test_units_up_to_q(text: str, expected: int) -> None:
    """config/locales/en.yml: number.human.decimal_units K, M, B, T, Q."""
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6.44K", "6.44K"), (" 1.4M ", "1.4M"), ("999", "999"), (873, "873"), (12.0, "12"),
     ("5Q", "5Q"), ("junk", None), (None, None), (True, None)],
)  # fmt: skip
def test_human_count_keeps_the_text_of_every_valid_count(value: object, expected: str) -> None:
    assert human_count(value) == expected
