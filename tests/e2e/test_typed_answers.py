"""Answers as people type them, through the REST channel of the real stack: the held-out
typed answers understood per language (scripts/answers_report.py, printed), whole
applications answered only by typing, and a way out for someone who cannot answer."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from actions.eligibility_form import FORM_SLOTS
from tests.e2e.stack import ROOT, Stack
from tests.e2e.test_conversations import Person, application_named
from tests.e2e.typed import (
    ANSWERS,
    LANGUAGE_TITLE,
    NONSENSE,
    WAY_OUT_PERSON,
    application_steps,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Issue 9: at least 95 % of typed answers understood in each complete language, and at
# most three turns to get out of a question one cannot answer. Issue 10's languages: the
# same target on the three held-out sets together, met after the seventh pass (ar 303/313,
# prs 297/312, ps 299/312: docs/assistant.md, "After the seventh pass").
MIN_SHARE_UNDERSTOOD = {"fr": 0.95, "en": 0.95, "ar": 0.95, "prs": 0.95, "ps": 0.95}
MAX_TURNS_TO_GET_OUT = 3


def _report_module():
    path = ROOT / "scripts" / "answers_report.py"
    spec = importlib.util.spec_from_file_location("answers_report", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["answers_report"] = module
    spec.loader.exec_module(module)
    return module


def test_held_out_typed_answers_are_understood(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMILE_REST_SECRET", stack.rest_secret)
    report_module = _report_module()
    assert report_module.check_sets() == []
    report = report_module.measure_held_out(stack.rasa_url, workers=2, progress=lambda _line: None)
    report_module.print_report(report)
    # The held-out misses are neither printed nor kept (the sets stay held out): counts only.
    # Every set is printed; the floors hold the union of the sets.
    assert set(report["sets"]) == {p.name for p in report_module.held_out_sets()}
    assert set(MIN_SHARE_UNDERSTOOD) <= set(report["languages"])
    for language, floor in MIN_SHARE_UNDERSTOOD.items():
        scores = report["languages"][language]
        assert scores["answers"] >= 8 * 12, language
        assert scores["share"] >= floor, (language, scores["share"])
        assert scores["max_turns_to_get_out"] <= MAX_TURNS_TO_GET_OUT, (language, scores)


def start_by_typing(person: Person, language: str) -> None:
    assert person.says("bonjour" if language == "fr" else "hello") == ["utter_ask_language"]
    assert person.says(LANGUAGE_TITLE[language]) == [
        "utter_about_emile_short",
        "utter_privacy",
        "utter_menu",
    ]
    titles = [b["title"] for b in person.messages[-1]["buttons"]]
    assert titles[1].startswith("2. "), titles  # "write its number": the number is shown


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_whole_application_answered_only_by_typing(stack: Stack, language: str) -> None:
    person = Person(stack, f"typed-{language}")
    start_by_typing(person, language)
    last_name = f"Typed-Rest-{language}"
    for text, expected in application_steps(language, last_name):
        assert person.says(text) == expected, (text, person.text())
        if expected[-1].removeprefix("utter_ask_") in FORM_SLOTS:
            assert re.match(r"\(\d+/\d+\) ", person.messages[-1]["text"]), person.messages
    assert re.fullmatch(r"[A-Z2-9]{6}", person.slot("application_reference"))
    [listed] = application_named(stack, last_name)
    application = stack.api("GET", f"/applications/{listed['reference']}")
    assert application["answers"] == {**application["answers"], **ANSWERS[language]}
    assert application["territory_preferences"] == []
    assert application["language"] == language


def test_nonsense_three_times_gets_a_way_out(stack: Stack) -> None:
    person = Person(stack, "lost")
    start_by_typing(person, "fr")
    for text, expected in application_steps("fr", "unused")[:10]:
        assert person.says(text) == expected, text
    assert person.said == ["utter_ask_driving_licence"]
    first_ask = person.text()
    assert first_ask.startswith("(10/12) ")
    # 1st miss: what is expected, in other words; the choices come back numbered.
    said = person.says(NONSENSE[0])
    assert said == ["utter_rephrase_driving_licence", "utter_ask_driving_licence"]
    assert person.messages[-1]["buttons"][0]["title"] == "1. Oui"
    # 2nd and 3rd: a way out every time ("I don't know" is no answer here: a person).
    for text in NONSENSE[1:]:
        assert person.says(text) == ["utter_way_out_person", "utter_ask_driving_licence"]
        assert "parler à une personne" in person.text()
    # A number picks a choice from the numbered list.
    assert person.says("2") == ["utter_ask_french_level"]
    assert person.slot("driving_licence") == "in_progress"
    assert person.slot("question_misses") is None


def test_a_way_out_leaves_the_question_in_three_turns(stack: Stack) -> None:
    person = Person(stack, "way-out")
    start_by_typing(person, "en")
    for text, expected in application_steps("en", "unused")[:11]:
        assert person.says(text) == expected, text
    assert person.said == ["utter_ask_french_level"]
    person.says(NONSENSE[0])
    assert person.says(NONSENSE[1]) == ["utter_way_out_person", "utter_ask_french_level"]
    said = person.says(WAY_OUT_PERSON["en"])  # turn 3: out of the question
    assert "utter_ask_french_level" not in said
    assert person.stack.tracker(person.sender)["active_loop"].get("name") == "callback_form"
