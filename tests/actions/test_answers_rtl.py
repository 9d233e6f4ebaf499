"""Typed answers in Arabic, Dari and Pashto: keyboard variants, Arabic proclitics, words cut
differently, "not" in the verb after the noun, territory names in Arabic script, numbers in
words. (Development examples; the held-out measure is tests/answers/held_out.yml.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from actions.answers import _phrases, without_proclitic
from tests.actions.test_answers import nlg, read  # noqa: F401 - the `nlg` fixture

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Letter variants: Persian ی/ک typed with Arabic letters, ة as ه, Pashto on a Persian
        # keyboard, harakat and tatweel.
        ("right_to_work", "prs", "بلي", "yes"),
        ("work_situation", "prs", "كار ندارم", "unemployed"),
        ("ready_to_move", "ar", "مستعده", "yes"),
        ("ready_to_move", "ps", "چمتو يم", "yes"),
        ("french_level", "ps", "لږ", "basic"),
        ("french_level", "ps", "لژ", "basic"),
        ("ready_to_move", "ar", "مُسْتَعِدّ", "yes"),
        # Arabic proclitics: "and", "in", "with", the article.
        ("housing_situation", "ar", "بالزنقة", "street"),
        ("housing_situation", "ar", "والعايلة", "hosted_by_family_or_friends"),
        ("sectors", "ar", "نخدم فالميناج", ["cleaning"]),
        # Words cut differently (space, zero-width non-joiner, nothing).
        ("work_situation", "prs", "بی کار", "unemployed"),
        ("residence_area", "prs", "نمی‌دانم", "dont_know"),
        ("residence_area", "prs", "نمیدانم", "dont_know"),
        ("driving_licence", "prs", "یاد میگیرم", "in_progress"),
        # "Not" in the verb after the noun.
        ("driving_licence", "prs", "لایسنس ندارم", "no"),
        ("driving_licence", "prs", "لایسنس هم ندارم", "no"),
        ("driving_licence", "ps", "لایسنس نشته", "no"),
        ("right_to_work", "ps", "کاغذ نشته", "no"),
        ("experience_years", "ps", "تجربه نلرم", 0),
        ("children", "prs", "atfal nadarom", 0),
        ("children", "ar", "ما عنديش الدراري", 0),
        ("housing_situation", "ps", "کور مې نشته", "street"),
        # Yes and no said with "have".
        ("driving_licence", "ar", "ايه عندي", "yes"),
        ("driving_licence", "ar", "لا ما عنديش", "no"),
        ("right_to_work", "prs", "دارم", "yes"),
        ("driving_licence", "ps", "نلرم", "no"),
        # Territories named in Arabic script or by a town.
        ("territory_preferences", "ar", "كانتال و سافوا", ["cantal", "savoie"]),
        ("territory_preferences", "prs", "لوزر", ["lozere"]),
        ("territory_preferences", "ps", "انژه", ["maine_et_loire"]),
        ("territory_preferences", "ar", "rouen", ["seine_maritime"]),
        # Numbers in words, digits of any script.
        ("children", "ps", "دوه ماشومان", 2),
        ("adults", "ar", "تلاتة", 3),
        ("experience_years", "prs", "دوتا سال", 2),
        ("experience_years", "ar", "٣ سنين", 3),
    ],
)
def test_answers_typed_in_arabic_dari_and_pashto(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # The people a message lists, one by one or with a number each.
        ("adults", "prs", "من، خانمم و مادرم", 3),
        ("adults", "ps", "زه، ښځه او مور", 3),
        ("adults", "ar", "انا ومرتي وامي", 3),
        ("adults", "en", "me, my wife and my mother", 3),
        ("children", "prs", "دو پسر و یک دختر", 3),
        ("children", "fr", "2 garcons et 1 fille", 3),
        ("children", "en", "3 kids: two boys and a girl", 3),
        # One person named, or a pair that is a count already: as before.
        ("adults", "prs", "مه و خانمم", 2),
        ("adults", "en", "husband and wife", 2),
        ("children", "ar", "ولد و بنت", 2),
    ],
)
def test_people_listed_are_counted(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A title that is a yes / no word does not outweigh "I don't know" beside it.
        ("ready_to_move", "ps", "نه پوهیږم لا", "maybe"),
        # A word found exactly wins over a typo of another as long: "نمیدانم" (I don't know)
        # is one letter from "نمیتانم" (I can't).
        ("ready_to_move", "prs", "نمیدانم هنوز", "maybe"),
        ("ready_to_move", "prs", "نمیتانم برم", "no"),
        # Levels of the European framework, in any language.
        ("french_level", "prs", "سطح A2", "basic"),
        ("french_level", "fr", "niveau B1", "intermediate"),
    ],
)
def test_yes_no_titles_typos_and_levels(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text"),
    [
        ("residence_area", "ar", "xqzt blorp"),
        ("adults", "prs", "hmm ??"),
        ("driving_licence", "ar", "ما نعرفش"),  # no "I don't know" there: explained instead
        ("adults", "ps", "۶۰"),  # out of range
    ],
)
def test_nonsense_is_still_no_answer(nlg, slot, language, text):  # noqa: F811
    assert read(nlg, slot, language, text) == (False, None)


@pytest.mark.parametrize(
    ("word", "bare"),
    [
        ("والعائلة", "عائلة"),
        ("بالشارع", "شارع"),
        ("فالزنقة", "زنقة"),
        ("ولد", "ولد"),
        ("بيت", "بيت"),
    ],
)
def test_proclitics_leave_a_word_of_three_letters(word, bare):
    assert without_proclitic(word) == bare


def _report():
    path = ROOT / "scripts" / "answers_report.py"
    spec = importlib.util.spec_from_file_location("answers_report_sets", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["answers_report_sets"] = module
    spec.loader.exec_module(module)
    return module


def test_the_answer_sets_are_apart():
    report = _report()
    assert report.check_sets(report.DEV) == []


def test_a_development_answer_copied_from_the_held_out_set_is_rejected_unnamed(tmp_path):
    report = _report()
    held = tmp_path / "held.yml"
    dev = tmp_path / "dev.yml"
    held.write_text("ar:\n  adults:\n    - [انا و مراتي, 2]\n", encoding="utf-8")
    answers = "\n".join(f"    - [jouj {n}, 2]" for n in range(8))
    dev.write_text(f"ar:\n  adults:\n    - [أنا ومراتي!, 2]\n{answers}\n", encoding="utf-8")
    problems = report.check_dev_set(dev, held)
    copied = [p for p in problems if "held-out" in p]
    assert copied == ["dev.yml: ar/adults: answer 1 is in the held-out set"]
    assert not any("مراتي" in p for p in problems)
    assert any("residence_area: 0 answers" in p for p in problems)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # The person typing, named beside one relative: two adults.
        ("adults", "ps", "زه او زما ورور", 2),
        ("adults", "fr", "moi et mon frère", 2),
        ("adults", "ps", "زه له خپلې ښځې سره", 2),
        ("adults", "ps", "یوازې زه یم", 1),
        # A number carrying "and" in front ("and two girls").
        ("children", "ar", "ولد وجوج بنات", 3),
        # The licence named with what it is: foreign, being learnt; alone, a "yes".
        ("driving_licence", "ps", "لایسنس مې په افغانستان کې اخیستی", "no"),
        ("driving_licence", "ar", "البيرمي ديالي مغربي", "no"),
        ("driving_licence", "prs", "در حال گرفتن لایسنس هستم", "in_progress"),
        ("driving_licence", "prs", "لایسنس دارم", "yes"),
        ("driving_licence", "ps", "لایسنس مې نشته خو زده کوم", "in_progress"),
        ("driving_licence", "ar", "عندي رخصة تونسية", "no"),
        ("right_to_work", "ps", "د اقامې نوې کولو ته مې درخواست ورکړی", "pending_renewal"),
        ("right_to_work", "ps", "اقامه لرم", "yes"),
        # A word of the lexicon is no typo of another word: "بالکل" (certainly) is not
        # "بالاك" (maybe).
        ("ready_to_move", "ps", "هو بالکل ځو", "yes"),
        # Pashto "ما سره" (with me) is not Arabic "ما" (not); Arabic "ما" + verb still is.
        ("driving_licence", "ps", "هو ما سره لایسنس شته", "yes"),
        ("work_situation", "ar", "ما لقيت خدمة", "unemployed"),
        # "نه" right before a noun negates it: neither papers nor a permit.
        ("right_to_work", "ps", "نه سند لرم نه اقامه", "no"),
        # Plural relatives with their number.
        ("adults", "ps", "زه او دوه وروڼه", 3),
        # "I have" answers a question about having something, not about moving.
        ("ready_to_move", "prs", "نی، اینجا کار دارم", "no"),
        ("driving_licence", "prs", "دارم", "yes"),
        # Pashto in Latin letters, "ne" for "na".
        ("work_situation", "ps", "kar ne laram", "unemployed"),
    ],
)
def test_readings_of_the_third_pass(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # No job, whatever the reason: retired, sick, at home with the children, asylum
        # seeker, "I used to work", "nothing".
        ("work_situation", "prs", "من متقاعد شدم", "unemployed"),
        ("work_situation", "ps", "زه تقاعد شوی یم", "unemployed"),
        ("work_situation", "ar", "انا متقاعدة", "unemployed"),
        ("work_situation", "prs", "معلول استم", "unemployed"),
        ("work_situation", "ps", "ناروغه یم", "unemployed"),
        ("work_situation", "ar", "مريضة ما نقدرش نشتغل", "unemployed"),
        ("work_situation", "prs", "خانه دار هستم", "unemployed"),
        ("work_situation", "ps", "کور کې یم ماشومان ساتم", "unemployed"),
        ("work_situation", "prs", "پناهجو هستم", "unemployed"),
        ("work_situation", "ps", "پخوا مې کار کاوه", "unemployed"),
        ("work_situation", "prs", "هیچی", "unemployed"),
        # Searching (Pashto لټون), a Dari colloquial "نی" (no).
        ("work_situation", "ps", "د کار په لټون کې یو", "unemployed"),
        ("work_situation", "prs", "فعلا نی", "unemployed"),
        # Seasons, hours, language lessons.
        ("work_situation", "prs", "در فصل انگور کار میکنم", "short_contract"),
        ("work_situation", "ps", "په موسم کې کار کوم", "short_contract"),
        ("work_situation", "prs", "۶ ساعت کار میکنم", "part_time"),
        ("work_situation", "ps", "هره اونۍ د ژبې درس ته ځم", "training"),
        # Arabic "I don't like to" says no to moving.
        ("ready_to_move", "ar", "ما نحبش نمشي بعيد", "no"),
        # Latin letters; days a week.
        ("work_situation", "prs", "hanoz kar paida nakardam", "unemployed"),
        ("work_situation", "ps", "os pa lata ki yam", "unemployed"),
        ("work_situation", "prs", "shagerd hastam", "training"),
        ("work_situation", "ps", "په اونۍ کې دوه ورځې په دوکان کې", "part_time"),
        # Arabic verbs of leaving, "impossible" + verb, "not possible", undecided.
        ("ready_to_move", "ar", "حابة انتقل لمدينة صغيرة", "yes"),
        ("ready_to_move", "ar", "بغيت نخرج من هاد البلاد", "yes"),
        ("ready_to_move", "ar", "مستحيل نروح بعيد", "no"),
        ("ready_to_move", "ar", "لا موش ممكن", "no"),
        ("ready_to_move", "ar", "حايرة", "maybe"),
    ],
)
def test_readings_of_the_fourth_pass(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


def test_a_word_the_lexicon_knows_is_no_typo_of_another(nlg):  # noqa: F811
    # "نمیتانم" (I can't) is one letter from "نمیدانم" (I don't know); it is a word of its own.
    assert read(nlg, "work_situation", "prs", "نمیتانم") == (False, None)
    assert read(nlg, "work_situation", "prs", "نمیدانم") == (True, "dont_know")


def test_the_offline_measure_refuses_the_held_out_set():
    report = _report()
    with pytest.raises(SystemExit):
        report.measure_offline(report.HELD_OUT)


def test_a_language_filter_keeps_only_those_languages():
    report = _report()
    answers = {"ar": {"adults": [("جوج", 2)]}, "ps": {"adults": [("دوه", 2)]}}
    assert report._kept(answers, frozenset({"ps"})) == {"ps": answers["ps"]}
    assert report._kept(answers, None) == answers


def test_a_phrase_listed_twice_is_read_once():
    lexicon = {"prs": ["بوردو", "Bordeaux"], "ps": ["بوردو"], "fr": ["bordeaux", ""]}
    assert _phrases(lexicon) == ["بوردو", "bordeaux"]


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # "I don't know" before "whether": the doubt is the answer, what follows is its object.
        ("right_to_work", "ar", "مش عارف واش الاقامة ديالي صالحة", "dont_know"),
        ("right_to_work", "ar", "ما اعرف اذا بطاقة الاقامة تسمح", "dont_know"),
        # A negation of `negated` before a phrase of "yes": "no"; Dari "ما" (we) is no negation.
        ("ready_to_move", "ar", "مش حابب انتقل", "no"),
        ("ready_to_move", "ar", "مانيش بغيت نمشي", "no"),
        ("ready_to_move", "ar", "mch bghit nmchi", "no"),
        ("ready_to_move", "prs", "ما آماده هستیم", "yes"),
        # A number before a unit of age is an age where people are counted, not elsewhere.
        ("children", "ar", "بنت عمرها 7 سنين", 1),
        ("children", "ar", "ولد واحد عندو ٣ سنين", 1),
        ("experience_years", "ar", "7 سنين", 7),
        # Arabic duals count two; the dual before a noun is no number for it.
        ("children", "ar", "ولدين وبنت", 3),
        ("children", "ar", "بنتين و ولد", 3),
        ("children", "ar", "عندي بنت وولد", 2),
        # "none" loses to a level said elsewhere, not to one inside its own words.
        ("french_level", "ar", "ما كنهضرش الفرنسية ولكن نفهم شوية", "basic"),
        ("french_level", "ar", "ما نفهم", "none"),
        ("french_level", "ar", "مش عارف اتكلم", "none"),
        # A one-letter proclitic off the first word, the article kept on the next.
        ("driving_licence", "ar", "مسجلة فمدرسة القيادة", "in_progress"),
        # Each word in any of its forms: "فالضواحي" without "فال", "ليون" with its ل.
        ("residence_area", "ar", "ساكن فالضواحي ليون", "lyon_metropole"),
    ],
)
def test_general_readings_of_the_fifth_pass(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        # Dialect negations, "not sure" with every negator, wanting to go, part time.
        ("work_situation", "ماكو خدمة", "unemployed"),
        ("work_situation", "makach khdma", "unemployed"),
        ("ready_to_move", "منيش متأكدة", "maybe"),
        ("ready_to_move", "ودي انتقل", "yes"),
        ("ready_to_move", "ما ابغى اسافر", "no"),
        ("work_situation", "نخدم غير فالويكاند", "part_time"),
        # Towns with French G typed ج, غ or ق; Val d'Oise; territory spellings.
        ("residence_area", "ساكن في قرونوبل", "elsewhere"),
        ("residence_area", "في الفال دواز", "ile_de_france"),
        ("territory_preferences", "لوزيغ", ["lozere"]),
        ("driving_licence", "ma3ndich lpermis", "no"),
        ("french_level", "نهضر كي العربية", "fluent"),
    ],
)
def test_arabic_forms_of_the_fifth_pass(nlg, slot, text, expected):  # noqa: F811
    assert read(nlg, slot, "ar", text) == (True, expected)


def test_behind_the_article_a_word_starts_anew():
    # "الكار" (the car, the coach) is no typo of "الدار" (the house); "الشارغ" is of "الشارع".
    from actions.answers import _similar

    assert not _similar("الکار", "الدار")
    assert _similar("الشارغ", "الشارع")
