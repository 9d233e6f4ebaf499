"""Counts of people and years said around the count (pass s9-numbers): corrections and
conclusions, people who stay (in every person, abroad), children said to come, those "I have"
less those who stay, a number said alone first, number words that are other languages' words,
ages where years of work are counted. Each case fails on the reading before this pass, but
the guards (marked) of readings that must not change."""

from __future__ import annotations

import pytest

from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A correction after a pause: the number after it is meant.
        ("children", "prs", "سه طفل... نه، دو طفل", 2),
        ("adults", "ps", "څلور کسه... نه صبر، درې", 3),
        ("children", "ar", "3 ولاد، لا سمحلي، 2", 2),
        ("experience_years", "fr", "trois ans, non, deux ans", 2),
        # A conclusion: "so two", "that is, more than ten".
        ("adults", "ps", "زه، مور او ورور مې... مور به پاتې شي، نو دوه", 2),
        ("experience_years", "ar", "من انا عمري 16 سنة، يعني حوالي 8 سنين", 8),
    ],
)
def test_a_correction_or_a_conclusion(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


def test_not_without_a_pause(nlg):  # noqa: F811
    """Guard: "two, not three" keeps the number said first."""
    assert read(nlg, "children", "prs", "دو طفل دارم نه سه") == (True, 2)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Staying in every person and dialect, with its proclitic.
        ("adults", "ar", "انا ومرتي، امي رح تضل بسوريا", 2),
        ("children", "ar", "ولادي كبروا وبقاو فالمغرب", 0),
        ("adults", "prs", "من و خانمم، پدرم نمیخواهد بیاید", 2),
        # Someone "in" a country abroad does not move.
        ("adults", "ps", "زه او ښځه مې، پلار مې په کابل کې دی", 2),
        ("adults", "prs", "man o khanumam, madaram dar iran ast", 2),
        # "That's all" and "the others" end a clause.
        ("adults", "ar", "ana w mrati w khti safi yemma bqat f lmaghrib", 3),
        ("adults", "ps", "زه او ورور مې نوره کورنۍ دلته پاتې کیږي", 2),
    ],
)
def test_people_who_stay(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


def test_a_place_abroad_names_someone(nlg):  # noqa: F811
    """Guard: "I was a teacher in Afghanistan" says nothing about who moves."""
    assert read(nlg, "adults", "prs", "در افغانستان معلم بودم") == (False, None)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Those said to come are the count.
        ("children", "ps", "پنځه ماشومان لرم خو مشر یې پاتې کیږي نور څلور راسره ځي", 4),
        ("children", "prs", "چهار اولاد دارم، یکی در کابل میمانه، سه تا با ما میان", 3),
        # "I have N" less those who stay: a number, "they", "he".
        ("children", "ps", "درې ماشومان لرم خو دوه یې نه راځي", 1),
        ("children", "ps", "دوه ماشومان لرم خو هغوی له مور سره په کابل کې دي", 0),
        ("children", "prs", "دو پسر دارم ولی هر دو در ایران میمانن", 0),
    ],
)
def test_children_who_come(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A number said alone first is the count.
        ("children", "ps", "درې، یو ښوونځي ته ځي او دوه لا کوچني دي", 3),
        ("children", "prs", "du ta, yak bacha yak dokhtar", 2),
        # A "grown" adjective before sons is theirs; a count over the range is an age.
        ("adults", "ps", "زه او دوه لوی زامن", 3),
        ("adults", "ps", "3 kasa, za, khaza aw zoy che 25 kalan de", 3),
        # Years of work: a number word before its unit is said; an age is not years of work.
        ("experience_years", "ps", "درې کاله په ایران کې، دلته لا نه", 3),
        ("experience_years", "prs", "از ۱۴ سالگی کار میکنم", None),
        ("experience_years", "prs", "kar nakardim hanoz", 0),
    ],
)
def test_a_number_said(nlg, slot, language, text, expected):  # noqa: F811
    found = expected is not None
    assert read(nlg, slot, language, text) == (found, expected)


def test_a_word_of_another_language_is_no_number(nlg):  # noqa: F811
    """Pashto "ده" (is) is Dari "ده" (ten): not ten people."""
    assert read(nlg, "adults", "ps", "ما سره زما ورور ده") != (True, 10)
    assert read(nlg, "experience_years", "prs", "ده سال") == (True, 10)  # guard


# Pass s10-numbers: each case fails on the reading before that pass, but the guards (marked).
@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Two correction words together ("no, sorry") need no pause after them.
        ("adults", "prs", "سه نفر، نه ببخشید چهار نفر", 4),
        # A correction of two words ("صبر کو", wait) with its pause.
        ("experience_years", "prs", "پنج سال. نه صبر کو، شش سال", 6),
        # "No wait," with no number after withdraws the number said before.
        ("adults", "ps", "درې کسه... نه صبر، زه او ښځه مې", 2),
        # The person counted first, then the list.
        ("adults", "ar", "5 انا ومرتي وتلت ولادي الكبار", 5),
        # A noun, its number and a classifier before the pause.
        ("children", "prs", "اولاد سه تا، یک بچه و دو دختر", 3),
    ],
)
def test_corrections_and_leads(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Someone who died does not move.
        ("adults", "ar", "انا وامي، ابي الله يرحمه", 2),
        ("adults", "ps", "زه او مور مې، پلار مې وفات شوی", 2),
        # A plural verb of staying: they all stay.
        ("children", "prs", "سه طفل دارم، در ایران پیش پدرشان میمانند", 0),
        # Who comes right after the staying, with no "and".
        ("children", "prs", "چهار طفل دارم کلانش در کابل میمانه سه تا همرای ما", 3),
        # The person typing and another listed before the one who stays, with no "and".
        ("adults", "ps", "زه او ښځه مې مور مې دلته پاتې کیږي", 2),
        # One stays, "only my daughter comes": said of the others, not a count.
        ("children", "prs", "دو طفل دارم، یکی در مشهد میمانه، فقط دخترم با من میایه", 1),
        # The grown one is the one who stays: taken off once.
        ("children", "ps", "دری زامن لرم، مشر یې ۲۰ کلن دی، هغه نه راځي", 2),
        # "In" glued to the article of a place abroad.
        ("adults", "ar", "انا ومرتي، اختي بالجزائر", 2),
    ],
)
def test_who_stays(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A number word glued to its unit of time; not "امسال" (this year).
        ("experience_years", "prs", "چهارسال نجاری", 4),
        ("experience_years", "prs", "امسال", None),  # guard
        # From one age to another: the years between.
        ("experience_years", "prs", "از ۲۰ سالگی نجاری میکنم، حالا ۳۲ سالمه", 12),
        # Darija's short number forms in Latin letters.
        ("experience_years", "ar", "rb3 snin f lbni", 4),
        ("experience_years", "ar", "ولا يوم خدمت فيها", 0),
    ],
)
def test_years_said(nlg, slot, language, text, expected):  # noqa: F811
    found = expected is not None
    assert read(nlg, slot, language, text) == (found, expected)
