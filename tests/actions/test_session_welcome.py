"""Welcome, menu and sessions: the language first, EMILE in three lines, the privacy notice,
the menu; a person coming back later is welcomed back where they stopped."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from actions.welcome import ActionGreet, ActionShowMenu, ActionWelcome
from tests.actions.flows import (
    DOMAIN,
    fake_api_fixture,  # noqa: F401 - the `fake_api` fixture
    make_tracker,
    responses,
    slots_set,
)


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return responses(dispatcher), events


@pytest.mark.asyncio
async def test_hello_asks_the_language_first():
    said, events = await run(ActionGreet(), make_tracker(intent="greet"))
    assert said == ["utter_ask_language"]
    assert events == []


@pytest.mark.asyncio
async def test_choosing_a_language_gives_the_welcome():
    tracker = make_tracker(
        {"language": "en"},
        intent="choose_language",
        entities=[{"entity": "language", "value": "en"}],
    )
    said, events = await run(ActionWelcome(), tracker)
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"]
    assert slots_set(events) == {"language": "en", "language_source": "choice", "welcomed": True}


@pytest.mark.asyncio
async def test_a_word_that_is_no_language_keeps_the_conversation_language():
    tracker = make_tracker(
        {"language": "en", "welcomed": True},
        intent="choose_language",
        entities=[{"entity": "language", "value": "Bench"}],
    )
    said, events = await run(ActionWelcome(), tracker)
    assert said == ["utter_ask_language"]
    assert "language" not in slots_set(events)


@pytest.mark.asyncio
async def test_changing_the_language_later_confirms_it():
    tracker = make_tracker(
        {"language": "fr", "welcomed": True},
        intent="choose_language",
        entities=[{"entity": "language", "value": "fr-FR"}],
    )
    said, events = await run(ActionWelcome(), tracker)
    assert said == ["utter_language_changed", "utter_menu"]
    assert slots_set(events) == {"language": "fr", "language_source": "choice"}


@pytest.mark.asyncio
async def test_changing_the_language_in_a_form_does_not_show_the_menu():
    tracker = make_tracker(
        {"language": "en"},
        intent="choose_language",
        entities=[{"entity": "language", "value": "en"}],
        active_loop="eligibility_form",
    )
    said, _ = await run(ActionWelcome(), tracker)
    assert said == ["utter_language_changed"]


@pytest.mark.asyncio
async def test_language_menu_without_a_language_offers_the_choice():
    said, events = await run(
        ActionWelcome(), make_tracker({"language": "fr"}, intent="choose_language")
    )
    assert said == ["utter_ask_language"]
    assert events == []


@pytest.mark.asyncio
async def test_hello_again_shows_the_menu():
    said, _ = await run(ActionGreet(), make_tracker({"language": "fr", "welcomed": True}))
    assert said == ["utter_greet_back", "utter_menu"]


@pytest.mark.asyncio
async def test_menu_and_its_questions_part():
    said, events = await run(ActionShowMenu(), make_tracker(intent="menu"))
    assert said == ["utter_menu"]
    tracker = make_tracker(
        intent="menu", entities=[{"entity": "menu_section", "value": "questions"}]
    )
    said, events = await run(ActionShowMenu(), tracker)
    assert said == ["utter_questions_menu"]
    assert slots_set(events) == {"menu_section": None}


# ---------------------------------------------------------------- sessions


@pytest.mark.asyncio
async def test_a_new_person_gets_a_plain_session():
    said, events = await run(ActionSessionStart(), make_tracker(events=[]))
    assert said == []
    assert [e["event"] for e in events] == ["session_started", "action"]
    assert events[-1]["name"] == "action_listen"


@pytest.mark.asyncio
async def test_coming_back_keeps_the_answers():
    tracker = make_tracker(
        {"language": "en", "welcomed": True, "residence_area": "ile_de_france", "menu_section": "x"}
    )
    said, events = await run(ActionSessionStart(), tracker)
    assert said == ["utter_welcome_back"]
    assert events[0]["event"] == "session_started"
    carried = slots_set(events)
    assert carried == {"language": "en", "welcomed": True, "residence_area": "ile_de_france"}


@pytest.mark.asyncio
async def test_coming_back_in_the_middle_of_the_questions_picks_up_the_question(fake_api):
    tracker = make_tracker(
        {
            "language": "en",
            "welcomed": True,
            "residence_area": "ile_de_france",
            "requested_slot": "housing_situation",
        },
        active_loop="eligibility_form",
        metadata={"phone": "+33612345678"},
    )
    said, events = await run(ActionSessionStart(), tracker)
    assert said == ["utter_welcome_back_resume", "utter_ask_housing_situation"]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "session_started" and kinds[-1] == "action"
    assert {"event": "active_loop", "name": "eligibility_form", "timestamp": None} in events
    assert slots_set(events)["requested_slot"] == "housing_situation"


@pytest.mark.asyncio
async def test_coming_back_at_the_phone_question_offers_the_number_again(fake_api):
    tracker = make_tracker(
        {
            "language": "en",
            "welcomed": True,
            "requested_slot": "phone",
            "phone_offer": "+33611111111",
        },
        active_loop="application_form",
    )
    said, _ = await run(ActionSessionStart(), tracker)
    assert said == ["utter_welcome_back_resume", "utter_ask_phone_confirm"]


@pytest.mark.asyncio
async def test_the_channel_language_hint_is_used_when_nothing_was_chosen():
    metadata = {"channel": "telegram", "language_hint": "en-GB"}
    tracker = make_tracker({"session_started_metadata": metadata}, events=[])
    _said, events = await run(ActionSessionStart(), tracker)
    assert slots_set(events)["language"] == "en"
    assert slots_set(events)["language_source"] == "hint"

    greet = make_tracker(intent="greet", metadata={"language_hint": "en"})
    dispatcher = CollectingDispatcher()
    events = await ActionGreet().run(dispatcher, greet, DOMAIN)
    assert responses(dispatcher) == ["utter_about_emile_short", "utter_privacy", "utter_menu"]
    assert all(m["language"] == "en" for m in dispatcher.messages)
    assert slots_set(events) == {"language": "en", "language_source": "hint", "welcomed": True}


@pytest.mark.asyncio
async def test_a_hint_for_a_language_not_ready_or_a_choice_made_is_ignored():
    ti = make_tracker({"session_started_metadata": {"language_hint": "ti"}}, events=[])
    _said, events = await run(ActionSessionStart(), ti)
    assert "language" not in slots_set(events)
    chosen = make_tracker(
        {"language": "fr", "session_started_metadata": {"language_hint": "en"}}, events=[]
    )
    _said, events = await run(ActionSessionStart(), chosen)
    assert slots_set(events)["language"] == "fr"
