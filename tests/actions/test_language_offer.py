"""The language menu lists every complete language in its own script; the offer to switch
to the language a person writes in is made once, in both languages, with two buttons."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.welcome import ActionGreet, ActionOfferLanguage, ActionWelcome
from common.languages import load_languages
from tests.actions.flows import DOMAIN, make_tracker, slots_set


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


def complete_languages() -> list[tuple[str, str]]:
    return [(language.code, language.name) for language in load_languages().complete]


@pytest.mark.asyncio
async def test_the_language_menu_shows_every_complete_language_in_its_own_script():
    messages, _ = await run(
        ActionWelcome(), make_tracker({"language": "fr"}, intent="choose_language")
    )
    [menu] = messages
    assert menu["response"] == "utter_ask_language"
    titles = [choice["title"] for choice in menu["choices"]]
    assert titles == [name for _code, name in complete_languages()]
    payloads = [choice["payload"] for choice in menu["choices"]]
    assert payloads == [
        f'/choose_language{{"language":"{code}"}}' for code, _name in complete_languages()
    ]


@pytest.mark.asyncio
async def test_the_hinted_or_detected_language_comes_first_in_the_menu():
    codes = [code for code, _ in complete_languages()]
    last = codes[-1]
    tracker = make_tracker(intent="greet", metadata={"language_hint": "xx"})
    tracker.latest_message["language_plan"] = {"decision": "ask", "language": last}
    messages, _ = await run(ActionGreet(), tracker)
    assert messages[0]["choices"][0]["payload"] == f'/choose_language{{"language":"{last}"}}'


@pytest.mark.asyncio
async def test_a_language_not_complete_is_not_taken_from_what_nlu_read():
    incomplete = [language.code for language in load_languages() if not language.complete]
    if not incomplete:
        pytest.skip("every language is complete")
    tracker = make_tracker(
        {"language": "fr", "welcomed": True},
        text=f"I speak {incomplete[0]}",
        intent="choose_language",
        entities=[{"entity": "language", "value": incomplete[0]}],
    )
    messages, events = await run(ActionWelcome(), tracker)
    assert [m["response"] for m in messages] == ["utter_ask_language"]
    assert "language" not in slots_set(events)
    # A payload may (a tester measuring a language before it is declared complete).
    tracker = make_tracker(
        {"language": "fr", "welcomed": True},
        text=f'/choose_language{{"language":"{incomplete[0]}"}}',
        intent="choose_language",
        entities=[{"entity": "language", "value": incomplete[0]}],
    )
    _messages, events = await run(ActionWelcome(), tracker)
    assert slots_set(events)["language"] == incomplete[0]


@pytest.mark.asyncio
async def test_the_offer_is_made_in_both_languages_with_the_two_as_buttons():
    tracker = make_tracker(
        {"language": "fr", "languages_offered": None}, text="I would like to apply"
    )
    tracker.latest_message["language_plan"] = {"decision": "ask", "language": "en"}
    messages, events = await run(ActionOfferLanguage(), tracker)
    assert [(m["response"], m["language"]) for m in messages] == [
        ("utter_offer_language", "en"),
        ("utter_offer_language", "fr"),
    ]
    assert "choices" not in messages[0] or not messages[0]["choices"]
    assert [c["payload"] for c in messages[1]["choices"]] == [
        '/choose_language{"language":"en"}',
        '/choose_language{"language":"fr"}',
    ]
    assert [c["title"] for c in messages[1]["choices"]] == ["English", "Français"]
    assert slots_set(events) == {"languages_offered": ["en"]}


@pytest.mark.asyncio
async def test_no_offer_for_the_current_or_an_unfinished_language():
    for language in ("fr", "xx"):
        tracker = make_tracker({"language": "fr"}, text="bonjour à tous")
        tracker.latest_message["language_plan"] = {"decision": "ask", "language": language}
        messages, events = await run(ActionOfferLanguage(), tracker)
        assert messages == [] and events == []
