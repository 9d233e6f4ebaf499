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
    ("slot", "language", "text", "expected"),
    [
        # "I don't know whether…" / "…or not": what is said inside is not the answer.
        ("right_to_work", "prs", "نمیدانم که اجازه کار دارم", "dont_know"),
        ("right_to_work", "prs", "نمی‌فهمم اجازه کار دارم یا نه", "dont_know"),
        ("right_to_work", "fr", "je ne sais pas si j'ai le droit de travailler", "dont_know"),
        ("ready_to_move", "prs", "نمیدانم که میرم", "maybe"),
        # An age is no count of people; years of experience still are years.
        ("children", "prs", "یگ دختر ۵ ساله", 1),
        ("children", "fr", "une fille de 5 ans", 1),
        ("children", "prs", "دو دختر ۴ و ۶ ساله", 2),
        ("experience_years", "prs", "۵ سال", 5),
        # A negation one word after its noun covers the word between (the noun misspelt:
        # no weaker value to drop).
        ("driving_licence", "prs", "لایسنص رانندگی نه دارم", "no"),
        ("work_situation", "prs", "کار دایمی ندارم", "unemployed"),
        # A value of a list with "no" right after it is not wanted.
        ("territory_preferences", "prs", "لوزر نه، کانتال خوب است", ["cantal"]),
        # The Latin-letter izafe is read as nothing.
        ("work_situation", "prs", "kar e sabet daram", "stable_job"),
        # The izafe written apart in Dari script too.
        ("housing_situation", "prs", "در خانه ی خودم", "stable_housing"),
        # "No home" loses to where the person sleeps.
        (
            "housing_situation",
            "prs",
            "خانه ندارم، پیش دوستم میخوابم",
            "hosted_by_family_or_friends",
        ),
        ("housing_situation", "ar", "ما عنديش دار، ساكن عند خويا", "hosted_by_family_or_friends"),
        # A word of the lexicon is cut into proclitic and rest only when the rest is one too.
        ("french_level", "prs", "خوب گپ میزنم، دو سال است در فرانسه هستم", "intermediate"),
        ("adults", "ar", "انا ومراتي وماما", 3),
        # Kabuli verbs without the "ی" of "می" / "نمی".
        ("ready_to_move", "prs", "مرم", "yes"),
        ("ready_to_move", "prs", "فکر مکنم", "maybe"),
        ("ready_to_move", "prs", "نمرم", "no"),
    ],
)
def test_whether_ages_negations_unwanted_values_izafe_and_kabuli_verbs(
    nlg,  # noqa: F811
    slot,
    language,
    text,
    expected,
):
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # Not "whether": "I can't" ("نمیتانم", a typo away from "I don't know") and a
        # statement without "or not" keep their reading.
        ("ready_to_move", "prs", "نمیتانم که برم", "no"),
        ("right_to_work", "prs", "اجازه کار دارم", "yes"),
        # "No home" alone, or said with the words of a home: no home.
        ("housing_situation", "prs", "خانه ندارم", "street"),
        ("housing_situation", "ar", "ما عندي بيت", "street"),
        # A list value alone stays.
        ("territory_preferences", "prs", "کانتال", ["cantal"]),
        # A word starting with "م" that is no Kabuli verb of the lexicon keeps its reading.
        ("adults", "prs", "من و مادرم", 2),
    ],
)
def test_the_new_rules_leave_plain_answers_alone(nlg, slot, language, text, expected):  # noqa: F811
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


def test_every_held_out_set_is_refused_offline_and_guards_the_development_set(
    tmp_path, monkeypatch
):
    report = _report()
    second = tmp_path / "held_out_2.yml"
    second.write_text("ps:\n  adults:\n    - [زه او مور مې, 2]\n", encoding="utf-8")
    monkeypatch.setattr(report, "HELD_OUT_SETS", (report.HELD_OUT, second))
    with pytest.raises(SystemExit):
        report.measure_offline(second)
    dev = tmp_path / "dev.yml"
    dev.write_text("ps:\n  adults:\n    - [زه او مور مي, 2]\n", encoding="utf-8")
    assert any(
        p == "dev.yml: ps/adults: answer 1 is in the held-out set"
        for p in report.check_dev_set(dev)
    )


def test_a_batch_kept_under_bench_is_checked_for_copies_only(tmp_path, monkeypatch):
    report = _report()
    held = tmp_path / "held_out_3.yml"
    held.write_text("prs:\n  adults:\n    - [من و خانمم و مادرم, 3]\n", encoding="utf-8")
    monkeypatch.setattr(report, "HELD_OUT_SETS", (held,))
    monkeypatch.setattr(report, "BATCHES", tmp_path / "batches")
    report.BATCHES.mkdir()
    batch = report.BATCHES / "s7_prs_1.yml"
    batch.write_text("prs:\n  adults:\n    - [man o khanomam, 2]\n", encoding="utf-8")

    def batch_problems() -> list[str]:
        return [p for p in report.check_sets(report.DEV) if "s7_prs_1" in p]

    assert batch_problems() == []  # a batch's few answers are no problem
    batch.write_text("prs:\n  adults:\n    - [من و خانمم و مادرم!, 3]\n", encoding="utf-8")
    assert batch_problems() == ["s7_prs_1.yml: prs/adults: answer 1 is in the held-out set"]


def test_the_held_out_sets_are_reported_apart_and_together(monkeypatch):
    report = _report()
    sets = {"held_out.yml": (9, 10, 0), "held_out_2.yml": (18, 20, 1)}

    def measure(url, workers, progress, path, only, exits):
        hits, total, wrong = sets[path.name]
        questions = {"adults": {"answers": total, "understood": hits, "read_wrong": wrong}}
        if exits:
            questions["adults"]["turns_to_get_out"] = 2
        return {
            "languages": {
                "ps": {
                    "answers": total,
                    "understood": hits,
                    "read_wrong": wrong,
                    "share": hits / total,
                    "max_turns_to_get_out": 2 if exits else None,
                    "questions": questions,
                }
            }
        }

    monkeypatch.setattr(report, "measure", measure)
    monkeypatch.setattr(
        report,
        "held_out_sets",
        lambda: [report.HELD_OUT, report.HELD_OUT.with_name("held_out_2.yml")],
    )
    union = report.measure_held_out("http://unused")
    assert union["sets"]["held_out_2.yml"]["ps"]["understood"] == 18
    assert union["languages"]["ps"]["understood"] == 27
    assert union["languages"]["ps"]["answers"] == 30
    assert union["languages"]["ps"]["share"] == 0.9
    assert union["languages"]["ps"]["max_turns_to_get_out"] == 2
    assert union["languages"]["ps"]["read_wrong"] == 1
    lines: list[str] = []
    report.print_report(union, lines.append)
    assert "  ps: 18/20 understood (90.0%), 1 read wrong" in lines
    assert "  ps: 9/10 understood (90.0%)" in lines


def test_a_lexicon_phrase_equal_to_a_held_out_answer_fails_unless_it_was_there_before(tmp_path):
    report = _report()
    held = tmp_path / "held_out_2.yml"
    held.write_text("prs:\n  adults:\n    - [من و خانمم, 2]\n    - [من و برادرم, 2]\n", "utf-8")
    lexicon = tmp_path / "answers.yml"
    lexicon.write_text(
        "slots:\n  adults:\n    two:\n      prs: [من و خانمم, من و برادرم]\n", encoding="utf-8"
    )
    copied = [p for p in report.check_held_out(held, lexicon) if "answers.yml" in p]
    assert copied == [
        "held_out_2.yml: prs/adults: answer 1 is in answers.yml",
        "held_out_2.yml: prs/adults: answer 2 is in answers.yml",
    ]
    known = frozenset({report.answer_hash("من و خانمم")})
    assert [p for p in report.check_held_out(held, lexicon, known) if "answers.yml" in p] == [
        "held_out_2.yml: prs/adults: answer 2 is in answers.yml"
    ]


def test_the_coincidences_of_every_later_held_out_set_are_known(tmp_path):
    report = _report()
    second = tmp_path / "held_out_2.coincidences"
    second.write_text(f"# hashes\n{report.answer_hash('من و خانمم')}  prs adults\n", "utf-8")
    third = tmp_path / "held_out_3.coincidences"
    third.write_text(f"{report.answer_hash('زه او ښځه مې')}  ps adults\n", "utf-8")
    known = report.known_coincidences((second, third, tmp_path / "held_out_4.coincidences"))
    assert known == {report.answer_hash("من و خانمم"), report.answer_hash("زه او ښځه مې")}
    assert [p.name for p in report.COINCIDENCES] == [
        "held_out_2.coincidences",
        "held_out_3.coincidences",
    ]


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
        # Fifth pass (Pashto). A stable home, or a home too small, loses to the place named
        # beside it: being put out, a hotel.
        ("housing_situation", "کور لرم خو مالک وایي باید ووځې", "facing_eviction"),
        ("housing_situation", "یوه کوچنۍ هوټل کوټه کې یو", "social_hotel"),
        # "I don't know whether I have it or not" is not "I have it".
        ("right_to_work", "زه نه پوهیږم چې اجازه لرم که نه", "dont_know"),
        # A hedge before a verb of going is "maybe"; "but first I want to see the place" too.
        ("ready_to_move", "ښایي ولاړ شو", "maybe"),
        ("ready_to_move", "ښه به وي خو لومړی غواړم ځای وګورم", "maybe"),
        # "Neither Paris nor Lyon", and French departments in Pashto script or Latin letters.
        ("residence_area", "نه پاریس نه لیون، په نانت کې", "elsewhere"),
        ("residence_area", "وال دواز کې", "ile_de_france"),
        ("residence_area", "kreteil ke zhwand kawom", "ile_de_france"),
        # The feminine "very good" (ژبه, language, is feminine) is fluent, not "good".
        ("french_level", "ډېره ښه پوهیږم", "fluent"),
    ],
)
def test_readings_of_the_fifth_pass(nlg, slot, text, expected):  # noqa: F811
    assert read(nlg, slot, "ps", text) == (True, expected)


def test_a_small_word_is_no_typo_inside_a_longer_phrase(nlg):  # noqa: F811
    # Pashto "sara" (with) is one letter from "sata" (hours, part time): it is a word of its
    # own, so "interim sara kar kawm" (I work with an agency) is temping.
    assert read(nlg, "work_situation", "ps", "interim sara kar kawm") == (True, "temping")
    # Nor "sarak" (street): "zama plar sara" (with my father) says nothing of a street.
    assert read(nlg, "housing_situation", "ps", "zama plar sara") != (True, "street")


def test_a_word_of_two_letters_does_not_overrule_a_weaker_value(nlg):  # noqa: F811
    # Arabic "مي" (mum: friends or family) is Pashto "مې" (my): "my home is very bad, damp"
    # is a home unfit, though a home too small loses to friends' or family's home.
    text = "کور مې ډېر خراب دی نم لري"
    assert read(nlg, "housing_situation", "ps", text) == (True, "overcrowded_or_unfit")


def test_letters_are_not_joined_across_words_once_a_proclitic_is_taken_off(nlg):  # noqa: F811
    # "د فرانسې" (of France) is not "د" + "رانسې" = "درانسی" (Drancy, in Ile-de-France) once
    # its "ف" is taken for the Arabic "so".
    assert read(nlg, "residence_area", "ps", "د فرانسې یو کلی") != (True, "ile_de_france")


def test_pashto_as_eastern_speakers_type_it(nlg):  # noqa: F811
    # ښ said "kh" and ږ said "g", typed so on a Persian keyboard: "لگ پوهیگم" is "لږ پوهیږم"
    # (I understand a little), "خه پوهیږم" is "ښه پوهیږم" (I understand well).
    assert read(nlg, "french_level", "ps", "لگ پوهیگم") == (True, "basic")
    assert read(nlg, "french_level", "ps", "خه پوهیږم") == (True, "intermediate")


def test_a_small_word_may_be_a_typo_of_another_spelling_of_a_small_word(nlg):  # noqa: F811
    # "nadarom" is a spelling of "nadaram" (I don't have): both are small words, so the
    # phrase "ijaza kar nadaram" (no work permit) still reads it, and is no "ijaza kar".
    assert read(nlg, "right_to_work", "prs", "ijaza kar nadarom") == (True, "no")


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


def test_pashto_typed_on_a_persian_keyboard_writes_zhe_as_ze(nlg):  # noqa: F811
    # A Persian keyboard has no ږ: "لز لز پوهیزم" is "لږ لږ پوهیږم" (I understand a little).
    assert read(nlg, "french_level", "ps", "لز لز پوهیزم") == (True, "basic")
    assert read(nlg, "french_level", "ps", "خه پوهیزم") == (True, "intermediate")


def test_a_weak_value_may_be_a_list(nlg):  # noqa: F811
    # The mountains ([cantal, savoie]) say why; the territory named says which.
    text = "ساوا ته ځم، غرونه مې خوښیږي"
    assert read(nlg, "territory_preferences", "ps", text) == (True, ["savoie"])
    assert read(nlg, "territory_preferences", "ps", "غرونه") == (True, ["cantal", "savoie"])


def test_pashto_or_not_after_any_verb_is_i_dont_know(nlg):  # noqa: F811
    # "…whether my paper lets me work or not": not "no".
    text = "پوه نه شوم چې زما کاغذ کار ته اجازه ورکوي که نه"
    assert read(nlg, "right_to_work", "ps", text) == (True, "dont_know")


def test_the_pashto_my_is_no_mother(nlg):  # noqa: F811
    # Pashto "مې" (my) folds to "مي", once an Arabic word for mum: "I have my home, it is
    # fine" is a stable home, not family's.
    assert read(nlg, "housing_situation", "ps", "کور مې شته ښه دی") == (True, "stable_housing")
    assert read(nlg, "housing_situation", "ps", "هیڅ مې نشته") != (
        True,
        "hosted_by_family_or_friends",
    )


def test_i_can_speak_loses_to_a_degree_said_beside_it(nlg):  # noqa: F811
    assert read(nlg, "french_level", "ps", "ډېر ښه خبرې کولی شم") == (True, "fluent")
    assert read(nlg, "french_level", "ps", "خبرې کولی شم") == (True, "intermediate")


def test_who_gave_the_place_says_more_than_being_given_one(nlg):  # noqa: F811
    # "Somebody gave me a place" is a host, unless who gave it is named: the 115.
    text = "د یو افغان سره شریک یم، هغه راته ځای راکړی"
    assert read(nlg, "housing_situation", "ps", text) == (True, "hosted_by_family_or_friends")
    text = "۱۱۵ ځای راکړی خو هره ورځ بدلیږي"
    assert read(nlg, "housing_situation", "ps", text) == (True, "emergency_shelter")


def test_only_me_said_with_i_am_is_one_adult(nlg):  # noqa: F811
    text = "یوازې زه یم، ښځه مې په افغانستان کې ده"
    assert read(nlg, "adults", "ps", text) == (True, 1)


@pytest.mark.parametrize(
    ("slot", "text", "expected"),
    [
        # 115 is the number that found the hotel or the shelter: the place named wins.
        ("housing_situation", "در هتل هستیم، 115 پیدا کرده", "social_hotel"),
        ("housing_situation", "115", "emergency_shelter"),
        # French by what one can or cannot do, Kabuli and Iranian forms.
        ("french_level", "هیچ گپ زده نمیتانم", "none"),
        ("french_level", "فقط دری و پشتو", "none"),
        ("french_level", "زیاد خوب نی", "basic"),
        ("french_level", "کمی حرف میزنم", "basic"),
        ("french_level", "گذاره میکنم", "intermediate"),
        ("french_level", "میتونم حرف بزنم", "intermediate"),
        ("french_level", "بدون مشکل گپ میزنم", "fluent"),
        ("french_level", "خیلی خوب حرف میزنم", "fluent"),
        # Ready to move: Latin negations, a fuzzy "can't say" must not eat "can't go".
        ("ready_to_move", "amada nistom", "no"),
        ("ready_to_move", "نمیتوانیم برویم", "no"),
        ("ready_to_move", "فعلا نمیتانم بگویم", "maybe"),
        ("ready_to_move", "نیمه آماده هستم", "maybe"),
        ("residence_area", "در شهر دیگری زندگی میکنم", "elsewhere"),
    ],
)
def test_dari_forms_of_the_sixth_pass(nlg, slot, text, expected):  # noqa: F811
    assert read(nlg, slot, "prs", text) == (True, expected)


@pytest.mark.parametrize(
    ("language", "slot", "text", "expected"),
    [
        # "Before X, now Y": what is named after the word for now is where the person stands.
        ("prs", "residence_area", "قبلا لیون بودم ولی حالا در لیل هستم", "elsewhere"),
        ("ar", "residence_area", "كنت في باريس ودابا في تولوز", "elsewhere"),
        ("prs", "work_situation", "قبلا CDI داشتم، حالا بیکار هستم", "unemployed"),
        # Without a value after it, the word for now changes nothing (a guard).
        ("prs", "residence_area", "فعلا در پاریس زندگی میکنم", "ile_de_france"),
        # "Why not" is a maybe alone, a yes beside "we go".
        ("prs", "ready_to_move", "چرا نی، میریم", "yes"),
        ("prs", "ready_to_move", "چرا نه", "maybe"),
        # The formal no; "it is fine" (خیر است) is no refusal.
        ("prs", "ready_to_move", "خیر", "no"),
        ("prs", "ready_to_move", "خیر است", "yes"),
        # "I don't like to go", "not possible": no, beside the maybe of "possible".
        ("prs", "ready_to_move", "خوش ندارم برم", "no"),
        ("prs", "ready_to_move", "ممکن نیست", "no"),
        # Iranian indefinite "ـی" after the noun: "no child at all".
        ("prs", "children", "هیچ طفلی ندارم", 0),
        # Herati and Kabuli words for I and my wife.
        ("prs", "adults", "مه و زنکم", 2),
        ("prs", "adults", "فقط مو", 1),
    ],
)
def test_now_and_why_not_of_the_sixth_pass(nlg, language, slot, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A description covering a territory named by itself says why, not two more.
        ("ساووا را خوش دارم چون کوه دارد", ["savoie"]),
        # One that does not cover it still adds its territories (a guard), and alone is read.
        ("لوزر یا جای کوهی", ["lozere", "cantal", "savoie"]),
        ("نزدیک کوه ها", ["cantal", "savoie"]),
    ],
)
def test_a_description_beside_its_territory_is_a_reason(nlg, text, expected):  # noqa: F811
    assert read(nlg, "territory_preferences", "prs", text) == (True, expected)


@pytest.mark.parametrize(
    ("slot", "language", "text", "expected"),
    [
        # A number typed against its unit is read as the number and the unit.
        ("experience_years", "fr", "10ans", 10),
        ("experience_years", "ar", "٥سنين", 5),
        ("children", "fr", "2enfants", 2),
        # Not letters that are no counting word: Arabizi "3am" is "عام", a year.
        ("experience_years", "ar", "3am", 1),
    ],
)
def test_a_number_glued_to_its_unit(nlg, slot, language, text, expected):  # noqa: F811
    assert read(nlg, slot, language, text) == (True, expected)


def test_ala_with_the_article_is_a_proclitic(nlg):  # noqa: F811
    # "عالسافوا" is "على السافوا" (to Savoie), typed as one word in Levantine and Gulf Arabic.
    assert without_proclitic("عالسافوا") == "سافوا"
    assert read(nlg, "territory_preferences", "ar", "بدي روح عالسافوا") == (True, ["savoie"])


def test_a_duration_is_no_short_contract_beside_another_value(nlg):  # noqa: F811
    # "Out of work for months": "months" alone is still a short contract.
    assert read(nlg, "work_situation", "ar", "بطال من شهور") == (True, "unemployed")
    assert read(nlg, "work_situation", "ar", "شهور") == (True, "short_contract")


def test_a_territory_named_outweighs_a_description_of_several(nlg):  # noqa: F811
    # "Cantal, for the mountains": the name says which; the mountains alone name two.
    assert read(nlg, "territory_preferences", "ar", "كانتال عندها الجبال") == (True, ["cantal"])
    assert read(nlg, "territory_preferences", "ar", "الجبال") == (True, ["cantal", "savoie"])


def test_a_grown_son_named_by_the_phrase_is_not_counted_twice(nlg):  # noqa: F811
    # "Me and my son, he is 22": two adults (the phrase names the son; his age says grown).
    assert read(nlg, "adults", "ar", "انا وولدي عمره 22 سنة") == (True, 2)
    # A grown daughter named beside a listing is still added: me, my wife, our daughter of 20.
    assert read(nlg, "adults", "ar", "انا ومرتي وبنتي عمرها 20 سنة") == (True, 3)
