"""Language identification (bot/language.py): scripts, letters, words, the n-gram models, and
the sticky Keep/Switch/Ask policy; measured on the dev set and, when present, the held-out set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.i18n import load_languages
from bot.language import Action, _words_of, decide, identify, is_clear, normalise_code
from bot.language_words import WORDS_FILE
from scripts.language_report import DEFAULT_FILE, report

DEV_SET = Path(__file__).parent / "language_dev.yml"
# The second development set: Latin variants of ar, prs, ps and bn, written apart from the held-out.
DEV_SETS = [DEV_SET, Path(__file__).parents[1] / "language" / "dev.yml"]
REPORTS = Path(__file__).resolve().parents[2] / "var" / "reports"
CODES = [language.code for language in load_languages()]


def language_of(text: str) -> str | None:
    return identify(text).language


# ---------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ሰላም", "ti"),
        ("ስራሕ ይደሊ ኣለኹ", "ti"),
        ("ሰላም Paris", "ti"),
        ("নমস্কার", "bn"),
        ("আমি কাজ খুঁজছি", "bn"),
        ("আমি Saint-Denis এ থাকি", "bn"),
        ("Saint-Denis এ", "bn"),  # one Bengali letter: no one types it by chance
        ("ok না", "bn"),  # a letter and a vowel sign against two Latin letters
    ],
)
def test_a_script_of_one_language_names_it(text: str, language: str) -> None:
    found = identify(text)
    assert found.language == language
    assert found.reason == "script"


def test_bengali_words_keep_their_vowel_signs() -> None:
    # Vowel signs are combining marks: a naive \w+ would cut "খুঁজছি" into pieces.
    assert identify("আমি কাজ খুঁজছি").words == 3


@pytest.mark.parametrize("text", ["👍", "🙏🙏", "?", "...", "+33 6 12 34 56 78", "12/03/1990", ""])
def test_no_letters_no_language(text: str) -> None:
    found = identify(text)
    assert (found.language, found.confidence, found.reason) == (None, 0.0, "no-letters")


# ---------------------------------------------------------------- Cyrillic


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("привіт", "uk"),  # і
        ("я хочу працювати", "uk"),
        ("дякую", "uk"),
        ("ні", "uk"),
        ("привет", "ru"),
        ("я хочу работать", "ru"),
        ("спасибо", "ru"),
        ("мы живём в гостинице", "ru"),  # ё
        ("я из Украины", "ru"),
        ("я з України", "uk"),
        ("сім'я", "uk"),  # an apostrophe inside a word: Russian writes ъ
        ("семья", "ru"),
    ],
)
def test_ukrainian_and_russian_by_letters_and_words(text: str, language: str) -> None:
    assert language_of(text) == language


# ---------------------------------------------------------------- Arabic script


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("أريد العمل في فرنسا", "ar"),
        ("السلام عليكم", "ar"),
        ("بغيت نخدم", "ar"),  # Darija
        ("بدي شغل", "ar"),  # Levantine
        ("من کار میخواهم", "prs"),
        ("تشکر", "prs"),
        ("من كار ميخواهم", "prs"),  # Dari typed on an Arabic keyboard (ك ي)
        ("زه کار غواړم", "ps"),  # ړ
        ("ستړي مه شې", "ps"),
        ("زه کار غوارم", "ps"),  # Pashto typed on a Persian keyboard: words decide
        ("مننه", "ps"),
    ],
)
def test_arabic_dari_and_pashto_by_letters_and_words(text: str, language: str) -> None:
    assert language_of(text) == language


# ---------------------------------------------------------------- Latin


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bonjour", "fr"),
        ("merci", "fr"),
        ("je cherche un logement", "fr"),
        ("bjr jcherche un logment", "fr"),
        ("je suis intéressé", "fr"),
        ("je suis interesse", "fr"),  # accents folded
        ("hello", "en"),
        ("I am looking for a job", "en"),
        ("pls help", "en"),
        ("salam", "ar"),
        ("bghit nkhdem", "ar"),
        ("wach kayn chi khedma", "ar"),
        ("3afak", "ar"),  # 3 for ع
        ("n7eb nekhdem", "ar"),  # 7 for ح
    ],
)
def test_french_english_and_arabic_in_latin_letters(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("عندي titre de séjour", "ar"),
        ("من titre de séjour دارم", "prs"),
        ("زه titre de séjour لرم", "ps"),
        ("3andi titre de sejour", "ar"),
        ("j'ai un titre de séjour", "fr"),
    ],
)
def test_french_administrative_words_do_not_make_a_message_french(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ami kaj khujchi", "bn"),
        ("amar thakar jayga nai", "bn"),
        ("man kar mekhaham", "prs"),
        ("za kar ghwaram", "ps"),
        ("makhdamch", "ar"),  # Darija's negation ma...ch
        ("kankhdem f lbni", "ar"),  # Darija's present kan-
        ("l3a2ila kamla", "ar"),  # two digits for letters
    ],
)
def test_bengali_dari_pashto_and_darija_in_latin_letters(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("no", "en"),  # YAML would read the listed word as a boolean
        ("yes", "en"),
        ("i'm unemployed", "en"),  # "'m" is English, not a French elided "m'"
        ("i don't know", "en"),
        ("c'est pas grave", "fr"),
        ("j'ai pas d'enfant", "fr"),
    ],
)
def test_short_english_words_and_contractions(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("titre de sejour daram", "prs"),  # "de" in "titre de séjour" is not French here
        ("amar titre de sejour ache", "bn"),
        ("fatni rendez vous", "ar"),
        ("workshop kala de", "ps"),  # an English word inside counts half
        ("amake phone den", "bn"),
        ("driving license ache", "bn"),  # two loans weigh less than one Banglish word
        ("ami driver", "bn"),
    ],
)
def test_borrowed_phrases_and_loans_do_not_outweigh_the_language(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("slm bhai", "bn"), ("inshallah bhai", "bn"), ("salam, ami kaj chai", "bn")],
)
def test_small_talk_anyone_types_counts_less_than_the_language_s_own_words(
    text: str, language: str
) -> None:
    assert language_of(text) == language


def test_short_banglish_keeps_the_conversation_language() -> None:
    # Bengali is told apart, but two words never move a French conversation.
    verdict = decide("fr", "kaj chai", available=CODES)
    assert verdict.identification.language == "bn"
    assert (verdict.action, verdict.language) == (Action.KEEP, "fr")


def test_dari_colloquial_without_listed_words_is_dari_not_pashto() -> None:
    # The Persian model stands for Pashto too: only Pashto words or letters make it Pashto.
    assert language_of("کار میخایم") == "prs"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("نه پوهیرم", "ps"),  # ږ typed ر on a Persian keyboard (پوهیږم)
        ("ته سنگه یی", "ps"),  # څ typed س (څنګه)
        ("سه وخت", "ps"),  # "سه" is Dari three, and Pashto څه typed on a Persian keyboard
        ("مهرباني", "ps"),  # ي only at the end of a word: Pashto spelling
        ("راته ووایئ", "ps"),  # a final ئ: Pashto's imperative
        ("کتابونو", "ps"),  # an oblique plural in -ونو: Pashto's, never Dari's
        ("مهربانی", "prs"),  # the same word typed on a Persian keyboard: anyone's, Dari first
        ("برایم بگویید", "prs"),
    ],
)
def test_pashto_as_typed_on_persian_keyboards_and_its_spelling(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Arabic loans both languages use say nothing between them: the small word decides.
        ("وقت لرم", "ps"),
        ("وقت دارم", "prs"),
        ("مریض یم", "ps"),
        ("مریض استم", "prs"),  # Afghan Dari's colloquial copula
        ("اقامت می ختم شو", "ps"),
        ("اقامتم ختم شد", "prs"),
        ("کار شته که نه", "ps"),  # که is Pashto's "or" too
        ("زۀ کار غواړم", "ps"),  # the schwa written ۀ
        ("دا څه دے", "ps"),  # Pashto on an Urdu keyboard
        ("کاغذونه", "ps"),  # a plural in -ونه
        ("وولیکه", "ps"),  # the perfective و- before a verb in و-
        ("کۀ کار وی", "ps"),  # a short word in ۀ: Pashto's schwa (Dari's ۀ is an ezafe)
        ("نه پوهیگم", "ps"),  # ږ typed گ, as the north-east says it (پوهیږم)
        ("خه ده", "ps"),  # ښ typed خ (ښه)
    ],
)
def test_shared_loans_count_for_both_and_small_words_decide(text: str, language: str) -> None:
    assert language_of(text) == language


@pytest.mark.parametrize("text", ["سلام", "کار", "نه نه", "مهربانی", "وقت", "تشکر"])
def test_words_dari_and_pashto_share_keep_the_conversation_language(text: str) -> None:
    # Whichever of the two identify() names, a message of shared words never moves the
    # language: the conversation's wins, and at the start the channel's hint does.
    for current in ("prs", "ps"):
        verdict = decide(current, text, available=CODES)
        assert (verdict.action, verdict.language) == (Action.KEEP, current), (current, verdict)
        verdict = decide(None, text, hint=current, available=CODES)
        assert (verdict.action, verdict.language) == (Action.SWITCH, current), (current, verdict)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("wich region", "en"),  # one letter missing from a listed word
        ("hellooo", "en"),  # letters repeated
        ("jai 3 gosses", "fr"),  # "jai" is Bengali in Latin letters too: "gosses" decides
        ("dsl", "fr"),
        ("sry", "en"),
    ],
)
def test_typos_repeated_letters_and_sms_spellings(text: str, language: str) -> None:
    assert language_of(text) == language


def test_typos_are_not_looked_for_in_latin_letter_lists_of_other_languages() -> None:
    # "rater" is one letter from Bengali/Dari Latin-letter words; French here.
    assert language_of("jai rater le rdv") == "fr"
    assert language_of("Paris") != "prs"


def test_repeated_letters_keep_small_talk_small() -> None:
    assert identify("okkk merciii beaucoupp").words == 0
    assert decide("en", "okkk merciii beaucoupp").action is Action.KEEP


@pytest.mark.parametrize("code", ["K7P4XM", "k7p4xm", "ABX2QZ", "75018"])
def test_reference_codes_are_not_arabizi(code: str) -> None:
    assert identify(code).reason != "arabizi"


def test_names_are_not_counted_as_words() -> None:
    assert identify("Fatima Zahra El Idrissi").words == 0
    assert identify("Je m'appelle Fatima Zahra").words == 3
    assert identify("محمد نبی کریمی").words == 0  # no capitals in Arabic script: listed names
    assert identify("mohammad nabi karimi").words == 0


# ---------------------------------------------------------------- policy


def no_switch_messages() -> list[str]:
    texts: dict[str, None] = {}
    for path in DEV_SETS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts.update(dict.fromkeys(str(text) for text in data["no_switch"]))
    return list(texts)


@pytest.mark.parametrize("text", no_switch_messages())
def test_short_answers_names_numbers_and_codes_never_move_the_language(text: str) -> None:
    for current in CODES:
        verdict = decide(current, text, available=CODES)
        assert verdict.action is Action.KEEP, (current, verdict)
        assert verdict.language == current


def test_a_clear_message_in_another_language_asks_once_then_switches() -> None:
    text = "Hello, I have been sleeping at a friend's place and I want to work."
    first = decide("fr", text)
    assert (first.action, first.language) == (Action.ASK, "en")
    assert is_clear(first.identification)
    again = decide("fr", text, asked=True)
    assert (again.action, again.language) == (Action.SWITCH, "en")


def test_a_clear_message_in_the_current_language_keeps_it() -> None:
    text = "سلام، من یک ماه است که در سرک خواب میکنم و دنبال کار هستم."
    verdict = decide("prs", text, available=CODES)
    assert (verdict.action, verdict.language) == (Action.KEEP, "prs")


def test_a_short_message_in_another_language_keeps_the_current_one() -> None:
    # Two words are not enough (MIN_WORDS), however sure the guess.
    verdict = decide("fr", "bghit nkhdem")
    assert verdict.identification.language == "ar"
    assert (verdict.action, verdict.language) == (Action.KEEP, "fr")


def test_an_explicit_choice_outranks_everything() -> None:
    assert decide("fr", "ok", explicit="ps").action is Action.SWITCH
    assert decide("fr", "ok", explicit="ps").language == "ps"
    assert decide("ps", "Bonjour je cherche un travail", explicit="ps").action is Action.KEEP
    assert decide(None, "hello", explicit="en-GB").language == "en"


def test_the_channel_hint_comes_before_detection() -> None:
    verdict = decide(None, "salam", hint="fa", available=CODES)  # Persian: Dari here
    assert (verdict.action, verdict.language) == (Action.SWITCH, "prs")
    # A clear message in another language than the hint: ask between the two.
    verdict = decide(None, "Bonjour, je cherche un travail et un logement", hint="en")
    assert (verdict.action, verdict.language) == (Action.ASK, "fr")
    # A hint the assistant does not speak (fully) is no hint.
    assert decide(None, "ok", hint="de").action is Action.ASK
    assert decide(None, "ok", hint="ti", available=["fr", "en"]).action is Action.ASK


def test_first_messages_detect_or_ask() -> None:
    clear = decide(None, "زه په پاریس کې اوسېږم او کار غواړم", available=CODES)
    assert (clear.action, clear.language) == (Action.SWITCH, "ps")
    unclear = decide(None, "salam", available=CODES)
    assert (unclear.action, unclear.language) == (Action.ASK, "ar")
    nothing = decide(None, "👍")
    assert (nothing.action, nothing.language) == (Action.ASK, None)


def test_only_languages_on_offer_are_proposed() -> None:
    text = "Доброго дня, я шукаю роботу і житло за межами Парижа."
    assert identify(text).language == "uk"
    # Ukrainian is not complete: the assistant keeps French rather than offer it...
    verdict = decide("fr", text, available=["fr", "en"])
    assert (verdict.action, verdict.language) == (Action.KEEP, "fr")
    # ...and, with no language yet, asks the question without a guess.
    verdict = decide(None, text, available=["fr", "en"])
    assert (verdict.action, verdict.language) == (Action.ASK, None)
    # By default the languages on offer are the complete ones of locales/languages.yml.
    complete = [language.code for language in load_languages().complete]
    assert decide("fr", text).action is (Action.ASK if "uk" in complete else Action.KEEP)


def test_the_model_alone_never_makes_a_message_clear() -> None:
    # Dari in Latin letters: French n-grams to lingua, Dari words to the word lists.
    assert language_of("man kar mekhaham") == "prs"
    assert language_of("za pashto wayam") == "ps"
    found = identify("blorp snarf quizzle")
    assert found.reason in {"lingua", "default"}
    assert not is_clear(found)


def test_codes_are_normalised() -> None:
    assert normalise_code("fa-IR") == "prs"
    assert normalise_code("uk_UA") == "uk"
    assert normalise_code("de") is None
    assert normalise_code("") is None


# ---------------------------------------------------------------- the word lists


def test_every_listed_word_is_one_word_as_messages_are_cut() -> None:
    """A listed "d'accord" or "من_فضلك" would never match: messages are cut at ' and _."""
    data = yaml.load(WORDS_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    lists = [data["small_talk"], data["names"], data["borrowed"]]
    lists += [words for by_language in data["scripts"].values() for words in by_language.values()]
    for words in lists:
        for word in words:
            assert _words_of(str(word).lower()) == [str(word).lower()], word


# ---------------------------------------------------------------- measured sets


@pytest.mark.parametrize("path", DEV_SETS, ids=lambda path: path.name)
def test_dev_set(path: Path) -> None:
    """The dev sets thresholds were chosen on: every sentence right, every no_switch kept."""
    text, _ = report(path)
    print(text)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = len(data["no_switch"])
    assert f"no_switch: {kept}/{kept} kept" in text, text
    assert " 0 messages clear and wrong" in text, text
    for group, items in data["languages"].items():
        code = group.split("-")[0]  # "bn-Latn": Bengali in Latin letters
        found = [identify(item["text"]).language == code for item in items]
        sentences = [
            is_clear(identify(item["text"])) and identify(item["text"]).language == code
            for item in items
            if item["band"] == "sentence"
        ]
        # Single words shared by two languages ("هو", "نه", "اطفال") cannot all be right.
        assert sum(found) >= 0.95 * len(found), code
        assert all(sentences), code


# The held-out target (≥ 97 % on 1–5 words in every language) is reported, and met or not
# in the closing notes; what the test holds is what a person would notice: no message that
# must not switch ever does, a wrong guess is never clear enough to switch alone, and no
# language falls below its floor: one message below what it met on 2026-12-01 (bn 32/33, fr
# and en 30/30, every other language all right; ps 33/33 since the shared loans and Pashto
# spellings of branch s4-langid, 31/33 before; bn still 32/33 after the Banglish weights of
# branch s4-langid-bn, so its floor stays), so that one new miss is no failure but a fall is.
HELD_OUT_FLOOR = 0.93
HELD_OUT_FLOORS = {"ps": 0.96}


@pytest.mark.skipif(not DEFAULT_FILE.exists(), reason=f"{DEFAULT_FILE} not there yet")
def test_held_out_labelled_set(record_property: pytest.RecordProperty) -> None:
    """The held-out set (never tuned on), in the test report; its safety properties held."""
    text, _target_met = report(DEFAULT_FILE)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "language-identification.txt").write_text(text + "\n", encoding="utf-8")
    record_property("language_identification", text)
    print(text)
    assert re.search(r"no_switch: (\d+)/\1 kept", text), text
    assert " 0 messages clear and wrong" in text, text
    short = {
        row: float(accuracy)
        for row, accuracy in re.findall(r"^([a-z]+) +([\d.]+) %", text, flags=re.MULTILINE)
    }
    assert short, text
    for row, accuracy in short.items():
        assert accuracy >= 100 * HELD_OUT_FLOORS.get(row, HELD_OUT_FLOOR), (row, text)
