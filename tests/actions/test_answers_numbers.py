"""Numbers and territory preferences typed in Arabic, Dari and Pashto: ages are not counts,
grown sons and daughters move as adults, people who stay are not counted, a calendar year
is years since, number words, town spellings. (Development examples, batch s6-numbers-1.)"""

from __future__ import annotations

import datetime

import pytest

from actions.answers import _value
from actions.counting import years_since
from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture

THIS_YEAR = datetime.date.today().year


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # An age is no count: "a daughter of 3" is one child, not three.
        ("children", "prs", "یک دختر ۳ ساله", 1),
        ("children", "ar", "بنت وحدة عمرها 5 سنين", 1),
        ("children", "ps", "یوه لور لرم ۲ کلنه", 1),
        ("children", "en", "one girl aged 4", 1),
        ("adults", "ar", "انا ومراتي وبنتي الكبيرة عمرها 22", 3),
        # Dari "کلان" is a grown-up, not Pashto "کلن" (years old): a guard.
        ("adults", "prs", "چهار کلان", 4),
    ],
)
def test_an_age_is_not_a_count(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Sons and daughters of 18 or more move as adults.
        ("adults", "prs", "من، خانمم و دو پسرم که ۱۹ و ۲۱ ساله هستن", 4),
        ("adults", "ar", "أنا وزوجتي وابني عمره 20 سنة", 3),
        ("adults", "ps", "زه، ښځه او زوی مې چې ۲۰ کلن دی", 3),
        ("adults", "ar", "خمسة، انا وزوجتي وثلاث بنات كبار", 5),
        # A number after the kin noun, as Arabic says it; not one that starts the next item.
        ("adults", "ar", "انا و خواتاتي جوج", 3),
        ("adults", "ar", "انا ومراتي جوج ولاد", 2),
        # ... and are not children.
        ("children", "ps", "دوه زامن لرم خو مشر یې ۲۳ کلن دی", 1),
        ("children", "ar", "عندي ولدين بس الكبير عمره 20 سنة", 1),
        # A number said is the count: the grown ones are in it already.
        ("adults", "prs", "4 نفر: من، خانمم و دو پسرم ۱۹ و ۲۱ ساله", 4),
        # Younger ones change nothing (a guard).
        ("adults", "prs", "من و خانمم، بچه ها ۵ و ۷ ساله", 2),
    ],
)
def test_grown_children_move_as_adults(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        ("children", "prs", "دخترم در کابل میمانه", 0),
        ("children", "ps", "لور مې په کابل کې پاتې کیږي", 0),
        ("children", "en", "my daughter stays in Lyon, my son comes", 1),
        ("adults", "ar", "غير انا، مراتي باقا فالمغرب", 1),
        ("adults", "prs", "من و خانمم، مادرم در کابل میمانه", 2),
        # "Only me", and then why.
        ("adults", "ps", "یوازې زه، میرمن مې په افغانستان کې ده", 1),
    ],
)
def test_people_who_stay_are_not_counted(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ar", "من 2019", THIS_YEAR - 2019),
        ("prs", "از سال ۲۰۱۰ تا حالا", THIS_YEAR - 2010),
        ("ps", "له ۲۰۱۶ څخه تر اوسه", THIS_YEAR - 2016),
        ("prs", "از ۱۳۹۸", years_since(1398)),
        # Two years: the years between them.
        ("en", "from 2015 to 2020", 5),
        # A range is read at its lower bound: "4 or 5" is at least 4 (as before; a guard).
        ("prs", "۴ یا ۵ سال", 4),
        ("ar", "ربعة ولا خمسة سنين", 4),
        # Words in the order typed: Dari "ده" (ten) is Pashto "is".
        ("ps", "درې کاله ده", 3),
    ],
)
def test_years_of_experience(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "experience_years", language, text) == (True, expected)


def test_a_calendar_year_is_years_since():
    today = datetime.date(2026, 12, 2)
    assert years_since(2019, today) == 7
    assert years_since(2026, today) == 0
    assert years_since(2027, today) is None
    assert years_since(45, today) is None
    # The solar hijri calendar of Afghanistan: 1405 from 21 March 2026.
    assert years_since(1398, today) == 7
    assert years_since(1398, datetime.date(2026, 3, 1)) == 6
    assert years_since(1406, today) is None


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        ("adults", "ar", "itnein bas", 2),
        ("experience_years", "ar", "sba3 snin", 7),
        ("experience_years", "ar", "تمنطاش عام", 18),
        ("experience_years", "prs", "هفده سال", 17),
        ("experience_years", "ps", "اتلس کاله", 18),
    ],
)
def test_number_words(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ps", "انژې یا شامبري", ["maine_et_loire", "savoie"]),
        ("ps", "مند ښار", ["lozere"]),
        ("prs", "لو آور", ["seine_maritime"]),
        ("prs", "روئن", ["seine_maritime"]),
        ("en", "shatoro", ["indre"]),
        # The mountain territories (data/territories.yml).
        ("ar", "قريب من الجبال", ["cantal", "savoie"]),
        ("prs", "نزدیک کوه ها", ["cantal", "savoie"]),
        ("ps", "غرونو ته نژدې", ["cantal", "savoie"]),
    ],
)
def test_territories_as_people_write_them(nlg, language, text, expected):  # noqa: F811
    found, value = read(nlg, "territory_preferences", language, text)
    assert found and sorted(value) == sorted(expected)


def test_a_lexicon_value_may_be_a_list():
    assert _value("territory_preferences", "[cantal, savoie]") == ["cantal", "savoie"]
    assert _value("territory_preferences", "[]") == []


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # The number said with the question's own noun.
        ("children", "fr", "2 adultes et 3 enfants", 3),
        ("children", "ar", "2 كبار و 3 صغار", 3),
        ("children", "prs", "دو نفر بزرگ و سه طفل", 3),
        ("children", "ps", "دوه لوی او درې ماشومان", 3),
        ("adults", "prs", "۲ بزرگ و ۳ طفل", 2),  # a guard: read so before too
    ],
)
def test_the_number_of_the_question_noun(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ar", "ستة أشهر", 0),
        ("prs", "۸ ماه", 0),
        ("ps", "شپږ میاشتې", 0),
        ("ar", "18 شهر", 1),
        ("ar", "سنة و 6 اشهر", 1),
        ("fr", "quelques mois", 0),
    ],
)
def test_months_are_not_years(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "experience_years", language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # The department's own name, in Latin letters too (offline no button says it).
        ("ar", "شير", ["cher"]),
        ("ar", "القنطال", ["cantal"]),
        ("prs", "آلیر", ["allier"]),
        ("fr", "indre", ["indre"]),
        ("en", "ain", ["ain"]),
    ],
)
def test_department_names(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "territory_preferences", language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # A name ruled out is no preference; named alone, the person has none.
        ("ar", "ماشي روان", []),
        ("en", "not rouen", []),
        ("prs", "هر جا به جز روئن", []),
        ("ar", "كانتال ماشي روان", ["cantal"]),
        ("ps", "کانتال نه غواړم، ساووا ښه ده", ["savoie"]),
        ("fr", "cantal mais pas la lozere", ["cantal"]),
        # Darija "غير" is "only"; "نه" before a name answers the question.
        ("ar", "غير كانتال", ["cantal"]),
        ("prs", "نه، کانتال", ["cantal"]),
        # None of them: no preference.
        ("prs", "هیچکدام", []),
        ("ar", "حتى وحدة", []),
        # The sea: the only host territory on it.
        ("ar", "قريب من البحر", ["seine_maritime"]),
    ],
)
def test_territories_ruled_out_and_described(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "territory_preferences", language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Half a year is none; the number said first wins ("عام ونص": 1).
        ("experience_years", "ps", "نیم کال", 0),
        ("experience_years", "ar", "نص عام", 0),
        ("experience_years", "ar", "عام ونص", 1),
        # Pashto's oblique numbers.
        ("experience_years", "ps", "له لسو کلونو زیات", 10),
        # One child said with no number.
        ("children", "ar", "عندي طفلة صغيرة", 1),
    ],
)
def test_halves_obliques_and_one_child(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Two kin nouns said as one person: my wife's brother.
        ("adults", "prs", "من و همسرم و برادر همسرم", 3),
        ("adults", "prs", "man o khanomam o brar khanomam", 3),
        # ... not two listed, each "my" (a guard).
        ("adults", "prs", "من، خانمم، مادرم", 3),
        # His wife, in darija.
        ("adults", "ar", "انا، مرتي، و خويا و مرتو", 4),
        # "But" ends a clause: the son comes, the daughter stays.
        ("children", "ps", "زوی مې له ما سره راځي خو لور مې په کابل کې پاتې کیږي", 1),
        ("children", "prs", "dokhtaram ba ma mia, pesaram dar iran mimana", 1),
    ],
)
def test_kin_said_together_and_clauses(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # People counted with their noun: the number, not "me".
        ("adults", "prs", "سه نفر با خودم", 3),
        ("adults", "prs", "دو نفر به شمول خودم", 2),
        # One number for a noun and its adjective: "2 grown-up people".
        ("adults", "prs", "۲ نفر بزرگ و ۳ طفل", 2),
        # One child said with no number, an age beside it.
        ("children", "ar", "ولد عمره 3 سنوات", 1),
        # ... while a number before the noun still counts (a guard).
        ("children", "prs", "دو پسر دارم", 2),
    ],
)
def test_people_nouns_and_one_child(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # Regions people name (data/territories.yml `region`, and the older names).
        ("ar", "في نورماندي", ["seine_maritime"]),
        ("ps", "نورمانډي", ["seine_maritime"]),
        ("ar", "اوفيرن", ["allier", "cantal"]),
        ("fr", "le berry", ["cher", "indre"]),
    ],
)
def test_regions(nlg, language, text, expected):  # noqa: F811
    found, value = read(nlg, "territory_preferences", language, text)
    assert found and sorted(value) == sorted(expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # "Less than N years" is N - 1; a first time is none.
        ("ar", "أقل من سنة", 0),
        ("ar", "اقل من عامين", 1),
        ("prs", "کمتر از یک سال", 0),
        ("fr", "moins d un an", 0),
        ("ar", "هاذي اول مرة", 0),
        ("prs", "بار اول است", 0),
    ],
)
def test_less_than_and_first_time(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "experience_years", language, text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("ar", "عين", ["ain"]),
        ("ar", "منطقة الالب", ["savoie"]),
    ],
)
def test_ain_and_the_alps(nlg, language, text, expected):  # noqa: F811
    assert read(nlg, "territory_preferences", language, text) == (True, expected)


def test_two_kin_nouns_joined_by_and_are_two_people():
    from actions.answers import number_words, read_answer
    from actions.eligibility_form import ValidateEligibilityForm
    from tests.actions.flows import DOMAIN

    spec = ValidateEligibilityForm().slot_spec("adults", DOMAIN)
    # "me, my brother and my sister": the "و" (and) of "واختي" says two people, not "my
    # brother's sister" (a bare noun before a possessive one is one person: "اخت زوجتي").
    assert read_answer("انا واخويا واختي", spec, (), number_words()) == (True, 3)
    assert read_answer("انا و اخت زوجتي", spec, (), number_words()) == (True, 2)


# One way to drop a value said with "no" (actions/exclusions.py): what a careful reader
# takes from each phrasing, for territory lists and for sectors.
@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A name ruled out, alone: no preference.
        ("territory_preferences", "en", "not rouen", []),
        ("territory_preferences", "en", "anywhere but rouen", []),
        ("territory_preferences", "en", "rouen no", []),
        ("territory_preferences", "ar", "روان لا", []),
        ("territory_preferences", "prs", "لوزر نه", []),
        ("territory_preferences", "prs", "lozer nai", []),
        ("territory_preferences", "ps", "لوزر نه", []),
        ("sectors", "en", "not building", []),
        ("sectors", "ar", "بناء لا", []),
        ("sectors", "prs", "dreewar nai", []),
        # Ruled out beside another: the other.
        ("territory_preferences", "en", "cantal, not rouen", ["cantal"]),
        ("territory_preferences", "fr", "rouen non, cantal", ["cantal"]),
        ("territory_preferences", "ar", "كانتال، روان لا", ["cantal"]),
        ("territory_preferences", "ar", "روان لا، كانتال", ["cantal"]),
        ("territory_preferences", "prs", "لوزر نه، کانتال", ["cantal"]),
        ("territory_preferences", "prs", "lozer nai, cantal", ["cantal"]),
        ("sectors", "fr", "pas le batiment, transport", ["transport_logistics"]),
        ("sectors", "ar", "بناء لا، نقل", ["transport_logistics"]),
        ("sectors", "prs", "ترانسپورت نه، رانندگی", ["transport_logistics"]),
        # Neither one nor the other: none.
        ("territory_preferences", "prs", "نه لوزر نه کانتال", []),
        ("territory_preferences", "ps", "نه لوزر نه کانتال", []),
        # "No" before the name answers the question (the comma is not kept): "no, Rouen".
        ("territory_preferences", "ar", "لا روان", ["seine_maritime"]),
        ("territory_preferences", "prs", "نه، کانتال", ["cantal"]),
    ],
)
def test_a_value_said_with_no(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Where adults are counted, an age beside no son or daughter is a listed person's:
        # the sister is counted once, not again as a grown child.
        ("adults", "prs", "مه و مادرم و خواهرم که ۲۰ ساله است", 3),
        ("adults", "prs", "من و خواهرم که ۲۵ ساله است", 2),
        # "My elder son / daughter": the grown word read as typed (not "ب" + "زرگم").
        ("adults", "prs", "من و خانمم و دختر بزرگم", 3),
        # Only grown ones listed with the person typing: they move as adults...
        ("adults", "prs", "من و پسر کلانم", 2),
        # ... and their number counts them, not the adults said.
        ("adults", "prs", "من و دو پسر بزرگم", 3),
        # A son with his age still moves as an adult (a guard).
        ("adults", "prs", "من و خانمم و پسرم که ۲۰ سالشه", 3),
    ],
)
def test_ages_and_elder_children_of_the_sixth_pass(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A number said wins over a phrase read only through a typo ("pesar" is no typo of
        # "pesaram", my son, when "do", two, is said).
        ("children", "prs", "do pesar daram", 2),
        ("children", "prs", "se pesar", 3),
        # The phrase found exactly still wins (a guard).
        ("children", "prs", "yak pesar", 1),
        # "Only me, I am": the verb says nothing more; the wife's whereabouts explain.
        ("adults", "prs", "فقط خودم هستم، زنم در ایران است", 1),
    ],
)
def test_numbers_said_and_only_me_of_the_sixth_pass(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)
