"""A typed "3", a letter or a title picks one of the choices just shown, on any channel."""

from __future__ import annotations

import inspect

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import typed_choices
from common.choices import typed_choice_payload

MENU = [
    {"title": "1. What is EMILE?", "payload": "/ask_program"},
    {"title": "2. Am I eligible? Apply", "payload": "/check_eligibility"},
    {"title": "3. Host territories", "payload": "/ask_territories"},
]
CHILDREN = [
    {"title": "None", "payload": '/inform{"number":"0"}'},
    {"title": "1", "payload": '/inform{"number":"1"}'},
    {"title": "2", "payload": '/inform{"number":"2"}'},
]


def turn(*messages: list[dict]) -> list:
    return [
        UserUttered("hello"),
        *(BotUttered("text", data={"buttons": buttons}) for buttons in messages),
    ]


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("3", "/ask_territories"),
        (" 3. ", "/ask_territories"),
        ("(2)", "/check_eligibility"),
        ("host territories", "/ask_territories"),
        ("HOST TERRITORIES", "/ask_territories"),
        ("4", None),
        ("where can I go?", None),
        ("/ask_cost", None),  # a payload stays as it is
    ],
)
def test_a_number_or_a_title_picks_the_choice(reply, payload):
    assert typed_choice_payload(reply, turn(MENU)) == payload


def test_titles_that_are_numbers_keep_typed_numbers_as_numbers():
    assert typed_choice_payload("2", turn(CHILDREN)) == '/inform{"number":"2"}'  # "2", the title
    assert typed_choice_payload("A", turn(CHILDREN)) == '/inform{"number":"0"}'
    assert typed_choice_payload("5", turn(CHILDREN)) is None


def test_only_the_last_turn_counts():
    events = [*turn(MENU), UserUttered("2"), BotUttered("no choices here")]
    assert typed_choice_payload("3", events) is None


def test_choices_are_numbered_across_the_turn_when_none_is_shown_numbered():
    plain = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    more = [{"title": "Menu", "payload": "/menu"}]
    assert typed_choice_payload("3", turn(plain, more)) == "/menu"


@pytest.mark.asyncio
async def test_the_processor_parses_a_typed_choice_as_its_payload():
    typed_choices.install()
    # The wrapped method keeps Rasa 3.6's signature (fails when Rasa changes it).
    parameters = list(inspect.signature(MessageProcessor.parse_message).parameters)
    assert parameters == ["self", "message", "tracker", "only_output_properties"]
    seen: list[str] = []

    class Processor(MessageProcessor):
        def __init__(self) -> None:  # no model: the graph is not needed here
            self.http_interpreter = None

        def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
            seen.append(message.text)
            return {"text": message.text, "intent": {"name": None}, "entities": []}

        def _check_for_unseen_features(self, parse_data):
            return None

    tracker = DialogueStateTracker.from_events("p", [ActionExecuted("action_listen"), *turn(MENU)])
    await Processor().parse_message(UserMessage("3", sender_id="p"), tracker)
    await Processor().parse_message(UserMessage("bonjour", sender_id="p"), tracker)
    assert seen == ["/ask_territories", "bonjour"]
