import pytest

from outreach_helper.domain.slugs import (
    InvalidSlug,
    course_key,
    normalize_segment,
    split_course_slug,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wikidata_Days_2025_(November)", "Wikidata_Days_2025_(November)"),
        ("Wikidata Days 2025 (November)", "Wikidata_Days_2025_(November)"),
        ("  Wikidata Days  ", "Wikidata_Days"),
        ("A  B", "A__B"),  # runs are not collapsed
        ("Example_Wikimedians_User_Group,_Lagos", "Example_Wikimedians_User_Group,_Lagos"),
        ("O'Brien's Edit-a-thon", "O'Brien's_Edit-a-thon"),
        ("Art+Feminism & Friends", "Art+Feminism_&_Friends"),
        ("What?#100%", "What?#100%"),
        ("%2F%2e%2e", "%2F%2e%2e"),  # harmless: callers percent-encode the '%'
        ("Université de Genève", "Université_de_Genève"),
        ("Вікіпедія", "Вікіпедія"),
        ("...", "..."),
        (".hidden", ".hidden"),
        ("a..b", "a..b"),
        ("_", "_"),
        ("x" * 255, "x" * 255),
    ],
)
def test_normalize_segment(raw: str, expected: str) -> None:
    assert normalize_segment(raw, part="title") == expected


@pytest.mark.parametrize(
    ("raw", "part", "message"),
    [
        ("", "school", "school must not be empty"),
        ("   ", "title", "title must not be empty"),
        (".", "title", "title must not be '.'"),
        ("..", "school", "school must not be '..'"),
        (" .. ", "title", "title must not be '..'"),
        ("a/b", "title", "title must not contain '/'"),
        ("/", "school", "school must not contain '/'"),
        ("a\\b", "title", "title must not contain '\\\\'"),
        ("..\\..", "title", "title must not contain '\\\\'"),
        ("a\x00b", "title", "title contains a control character: U+0000"),
        ("a\nb", "school", "school contains a control character: U+000A"),
        ("ab\r", "title", "title contains a control character: U+000D"),
        ("\tab", "title", "title contains a control character: U+0009"),
        ("a\x7f", "title", "title contains a control character: U+007F"),
        ("x" * 256, "title", "title must be at most 255 characters long (got 256)"),
    ],
)
def test_invalid_segment(raw: str, part: str, message: str) -> None:
    with pytest.raises(InvalidSlug) as excinfo:
        normalize_segment(raw, part=part)
    assert str(excinfo.value) == message


def test_invalid_slug_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="^school must not be empty$"):
        normalize_segment("", part="school")


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        (
            "Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)",
            ("Example_Wikimedians_User_Group,_Lagos", "Wikidata_Days_2025_(November)"),
        ),
        (
            "Example Wikimedians User Group, Lagos/Wikidata Days 2025 (November)",
            ("Example_Wikimedians_User_Group,_Lagos", "Wikidata_Days_2025_(November)"),
        ),
        ("School / Title ", ("School", "Title")),
        ("Cote d'Ivoire/Art+Feminism_&_Co_(2025)", ("Cote_d'Ivoire", "Art+Feminism_&_Co_(2025)")),
        ("Zürich/Ünïcode?#", ("Zürich", "Ünïcode?#")),
    ],
)
def test_split_course_slug(slug: str, expected: tuple[str, str]) -> None:
    assert split_course_slug(slug) == expected


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("NoSlashHere", "course slug must look like SCHOOL/TITLE (no '/' found)"),
        ("", "course slug must look like SCHOOL/TITLE (no '/' found)"),
        ("School/Title/Extra", "title must not contain '/'"),
        ("School//Title", "title must not contain '/'"),
        ("/Title", "school must not be empty"),
        ("School/", "title must not be empty"),
        ("/", "school must not be empty"),
        ("../Title", "school must not be '..'"),
        ("School/..", "title must not be '..'"),
        ("School/.", "title must not be '.'"),
        ("School\\x/Title", "school must not contain '\\\\'"),
        ("School/Ti\ntle", "title contains a control character: U+000A"),
    ],
)
def test_invalid_course_slug(slug: str, message: str) -> None:
    with pytest.raises(InvalidSlug) as excinfo:
        split_course_slug(slug)
    assert str(excinfo.value) == message


def test_split_then_key_round_trips() -> None:
    slug = "Example_Wikimedians_User_Group,_Lagos/Wikidata_Days_2025_(November)"
    assert course_key(*split_course_slug(slug)) == slug


@pytest.mark.parametrize(
    ("school", "title", "expected"),
    [
        ("School", "Title_(2025)", "School/Title_(2025)"),
        ("Zürich", "O'Brien", "Zürich/O'Brien"),
    ],
)
def test_course_key(school: str, title: str, expected: str) -> None:
    assert course_key(school, title) == expected
