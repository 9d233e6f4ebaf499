"""The rule index gives the rules Rasa's RulePolicy search gives, for rules of every shape."""

from __future__ import annotations

import json

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot.rule_index import RuleIndex

LISTEN = {"action_name": "action_listen"}


def _key(*states: dict) -> str:
    return json.dumps(list(states))


# Rules as Rasa memorises them: the states before the predicted action.
LOOKUP = {
    # A conversation start: no previous action, any intent (Rasa checks no intent then).
    _key({"user": {"intent": "greet"}}): "utter_welcome",
    _key({"prev_action": LISTEN, "user": {"intent": "greet"}}): "utter_hello",
    _key({"prev_action": LISTEN, "user": {"intent": "affirm"}}): "action_yes",
    _key(
        {"prev_action": {"action_name": "utter_ask"}},
        {"prev_action": LISTEN, "user": {"intent": "deny"}},
    ): "action_no",
    _key({"prev_action": {"action_name": "utter_hello"}}): "action_listen",
    # Required by a previous action typed as text: checked always.
    _key({"prev_action": {"action_text": "hi"}, "user": {"intent": "greet"}}): "utter_hi",
    _key(
        {
            "prev_action": LISTEN,
            "user": {"intent": "stop"},
            "active_loop": {"name": SHOULD_NOT_BE_SET},
        }
    ): "action_stop",
}

CONVERSATIONS = [
    [{"user": {"intent": "greet"}}],
    [{"user": {"intent": "bye"}}],
    [{}, {"prev_action": LISTEN, "user": {"intent": "greet"}}],
    [
        {"prev_action": {"action_name": "utter_ask"}},
        {"prev_action": LISTEN, "user": {"intent": "deny"}},
    ],
    [
        {"prev_action": {"action_name": "utter_other"}},
        {"prev_action": LISTEN, "user": {"intent": "deny"}},
    ],
    [{"prev_action": {"action_name": "utter_hello"}}],
    [{"prev_action": {"action_text": "hi"}, "user": {"intent": "greet"}}],
    [{"prev_action": LISTEN, "user": {"intent": "stop"}}],
    [{"prev_action": LISTEN, "user": {"intent": "stop"}, "active_loop": {"name": "a_form"}}],
    [{"prev_action": LISTEN, "user": {"text": "free text"}}],
]


def test_the_index_gives_what_rasa_gives_for_every_rule_shape():
    policy = RulePolicy.__new__(RulePolicy)  # Rasa's search needs no trained state here.
    index = RuleIndex.build(LOOKUP, json.loads, SHOULD_NOT_BE_SET)
    assert index.always and index.by_atom
    for states in CONVERSATIONS:
        expected = policy._get_possible_keys(LOOKUP, states)
        assert index.possible_keys(states, policy._is_rule_applicable) == expected, states
    starts = index.possible_keys(CONVERSATIONS[1], policy._is_rule_applicable)
    assert starts == {_key({"user": {"intent": "greet"}})}
