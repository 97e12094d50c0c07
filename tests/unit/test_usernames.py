import pytest

from outreach_helper.domain.usernames import InvalidUsername, normalize_username


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pegCult", "PegCult"),
        ("PegCult", "PegCult"),
        (" PegCult ", "PegCult"),
        ("PegCult_", "PegCult"),
        ("_PegCult", "PegCult"),
        ("Ada_Example", "Ada Example"),
        ("ada example", "Ada example"),
        ("Ada__Example", "Ada Example"),
        ("Ada _ Example", "Ada Example"),
        ("Ada   Example", "Ada Example"),
        ("zoë Müller", "Zoë Müller"),
        ("Zoë_Müller", "Zoë Müller"),
        ("O'Brien_Test", "O'Brien Test"),
        ("o'brien test", "O'brien test"),
        ("éloïse", "Éloïse"),
        ("ßtraße", "ßtraße"),  # 'ß'.upper() == 'SS': keep it
        ("ǆemal", "Ǆemal"),
        ("123abc", "123abc"),
        ("x", "X"),
        ("Ada\u00a0Example", "Ada Example"),  # NBSP folds like a space in MediaWiki
        ("Ada\u3000Example", "Ada Example"),
        ("ngozi Placeholder", "Ngozi Placeholder"),
        ("Користувач_Приклад", "Користувач Приклад"),
        ("例子", "例子"),
        ("Ada\u200dExample", "Ada\u200dExample"),  # format chars (ZWJ) are allowed
        ("User@example", "User@example"),
    ],
)
def test_normalize_username(raw: str, expected: str) -> None:
    assert normalize_username(raw) == expected


def test_normalize_is_idempotent() -> None:
    once = normalize_username("  zoë__müller_")
    assert once == "Zoë müller"
    assert normalize_username(once) == once


def test_rest_of_name_stays_case_sensitive() -> None:
    assert normalize_username("mcDonald") == "McDonald"
    assert normalize_username("mcDonald") != normalize_username("mcdonald")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "username must not be empty"),
        ("   ", "username must not be empty"),
        ("___", "username must not be empty"),
        ("_ _", "username must not be empty"),
        ("Peg#Cult", "username contains a character MediaWiki forbids: '#'"),
        ("Peg<Cult", "username contains a character MediaWiki forbids: '<'"),
        ("Peg>Cult", "username contains a character MediaWiki forbids: '>'"),
        ("Peg[Cult", "username contains a character MediaWiki forbids: '['"),
        ("Peg]Cult", "username contains a character MediaWiki forbids: ']'"),
        ("Peg|Cult", "username contains a character MediaWiki forbids: '|'"),
        ("Peg{Cult", "username contains a character MediaWiki forbids: '{'"),
        ("Peg}Cult", "username contains a character MediaWiki forbids: '}'"),
        ("Peg\x00Cult", "username contains a control character: U+0000"),
        ("Peg\tCult", "username contains a control character: U+0009"),
        ("PegCult\n", "username contains a control character: U+000A"),
        ("\rPegCult", "username contains a control character: U+000D"),
        ("Peg\x7fCult", "username contains a control character: U+007F"),
        ("Peg\x85Cult", "username contains a control character: U+0085"),
        (
            "Peg\ufffdCult",
            "username contains the replacement character U+FFFD (broken text encoding)",
        ),
    ],
)
def test_invalid_usernames(raw: str, message: str) -> None:
    with pytest.raises(InvalidUsername) as excinfo:
        normalize_username(raw)
    assert str(excinfo.value) == message


def test_invalid_username_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        normalize_username("")


@pytest.mark.parametrize("raw", [None, 42, b"PegCult"])
def test_non_text_is_rejected(raw: object) -> None:
    with pytest.raises(InvalidUsername, match="^username must be text$"):
        normalize_username(raw)  # type: ignore[arg-type]


def test_length_limit_is_255_characters_after_normalisation() -> None:
    assert normalize_username("a" * 255) == "A" + "a" * 254
    # Surrounding padding and collapsed runs do not count against the limit.
    assert normalize_username("  " + "a" * 255 + "__") == "A" + "a" * 254
    assert normalize_username("a" * 127 + "___" + "b" * 127) == "A" + "a" * 126 + " " + "b" * 127
    # Characters, not bytes.
    assert normalize_username("é" * 255) == "É" + "é" * 254


def test_too_long_username() -> None:
    with pytest.raises(InvalidUsername) as excinfo:
        normalize_username("a" * 256)
    assert str(excinfo.value) == "username must be at most 255 characters long (got 256)"
