"""Languages in conversations, through the REST channel of the real stack: a first message
in Dari or Pashto is answered in it; "change language" in Arabic in the middle of the
eligibility questions, then French, keeps every answer and asks the open question again in
French; writing clearly in another language is met with one question, in both languages;
"ok" and "1" keep the language."""

from __future__ import annotations

import pytest

from bot.bidi import has_rtl
from tests.e2e.languages import CHANGE_LANGUAGE, FIRST_QUESTION, local, needs_complete
from tests.e2e.stack import Stack
from tests.e2e.test_conversations import Person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WELCOME = ["utter_about_emile_short", "utter_privacy", "utter_menu"]


def start_in(person: Person, language: str) -> None:
    assert person.says("hello") == ["utter_ask_language"]
    assert person.answers("choose_language", language=language) == WELCOME


@pytest.mark.parametrize("language", ["prs", "ps"])
def test_a_first_message_is_answered_in_its_language(stack: Stack, language: str) -> None:
    needs_complete(language)
    person = Person(stack, f"first-{language}")
    said = person.says(FIRST_QUESTION[language])
    assert person.slot("language") == language, said
    assert person.slot("language_source") == "detected"
    assert said and "utter_offer_language" not in said, said
    assert has_rtl(person.text()), person.text()


def test_change_language_in_arabic_in_the_middle_of_the_form_keeps_the_answers(
    stack: Stack,
) -> None:
    needs_complete("ar")
    person = Person(stack, "switch-ar-fr")
    start_in(person, "ar")
    assert person.says("/check_eligibility") == [
        "utter_eligibility_intro",
        "utter_ask_residence_area",
    ]
    assert has_rtl(person.text())
    assert person.answers("inform", residence_area="ile_de_france") == [
        "utter_ask_housing_situation"
    ]
    assert person.answers("inform", housing_situation="emergency_shelter") == [
        "utter_ask_right_to_work"
    ]
    # "Change language", in Arabic: every complete language, each in its own script (and
    # the open question, still in Arabic).
    said = person.says(CHANGE_LANGUAGE["ar"])
    assert said == ["utter_ask_language", "utter_ask_right_to_work"], said
    titles = [b["title"] for m in person.messages for b in m.get("buttons") or []]
    assert {"Français", "English", "العربية"} <= set(titles), titles
    said = person.taps("Français")
    assert said == ["utter_language_changed", "utter_ask_right_to_work"], said
    assert person.slot("language") == "fr"
    assert person.slot("residence_area") == "ile_de_france"
    assert person.slot("housing_situation") == "emergency_shelter"
    assert person.slot("requested_slot") == "right_to_work"
    assert not has_rtl(person.text()), person.text()
    assert person.says("oui") == ["utter_ask_work_situation"]


def test_writing_in_another_language_is_asked_once_in_both(stack: Stack) -> None:
    needs_complete("ar")
    person = Person(stack, "offer-ar-fr")
    start_in(person, "ar")
    said = person.says("je voudrais savoir combien ça coûte s'il vous plaît")
    assert said[-2:] == ["utter_offer_language", "utter_offer_language"], said
    assert person.slot("language") == "ar"  # asked, not switched: the person chose Arabic
    [first, second] = person.messages[-2:]
    assert not has_rtl(first["text"]) and has_rtl(second["text"])
    assert [b["title"] for b in second["buttons"]] == ["Français", "العربية"]
    assert person.taps("Français")[0] == "utter_language_changed"
    assert person.slot("language") == "fr"
    # Asked once: writing in Arabic later in this (now French) conversation asks about Arabic
    # once, never French again.
    assert person.slot("languages_offered") == ["fr"]


@pytest.mark.parametrize("language", ["ar", "prs", "ps"])
def test_ok_and_1_keep_the_language(stack: Stack, language: str) -> None:
    needs_complete(language)
    person = Person(stack, f"ok-{language}")
    start_in(person, language)
    for text in ("ok", "1", local("1", language)):
        said = person.says(text)
        assert "utter_offer_language" not in said, (text, said)
        assert person.slot("language") == language, text
