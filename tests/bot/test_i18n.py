"""The language table and its Babel locales."""

from __future__ import annotations

import pytest

from bot.i18n import babel_locale, load_languages, placeholders

CODES = ["fr", "en", "ar", "prs", "ps", "ti", "uk", "ru", "bn"]


def test_the_languages_of_the_contract():
    table = load_languages()
    assert [language.code for language in table] == CODES
    assert table.source == "en"
    assert table.default == "fr"
    assert {language.code for language in table.complete} >= {"fr", "en"}


def test_dari_is_shown_as_dari_with_the_afghan_persian_locale():
    dari = load_languages().by_code["prs"]
    assert dari.name == "دری"
    assert str(babel_locale(dari)) == "fa_AF"


@pytest.mark.parametrize("code", CODES)
def test_direction_matches_babel(code):
    language = load_languages().by_code[code]
    expected = "rtl" if babel_locale(language).character_order == "right-to-left" else "ltr"
    assert language.direction == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("prs", "prs"), ("PRS", "prs"), ("en-GB", "en"), (None, "fr"), ("", "fr"), ("fa", "fr")],
)
def test_resolve(value, expected):
    assert load_languages().resolve(value).code == expected


def test_placeholders():
    assert placeholders("{a} and {b}, {a} {{not}}") == ["a", "b"]
    with pytest.raises(ValueError):
        placeholders("{broken")
