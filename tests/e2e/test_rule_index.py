"""The trained model's RulePolicy finds the same rules with its index as without it."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from bot import rasa_patches

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def policy(model: Path, tmp_path_factory: pytest.TempPathFactory) -> RulePolicy:
    """The RulePolicy of the trained model, loaded as the Rasa server loads it."""
    rasa_patches.apply(["loaded-rules-indexed"])
    storage_dir = tmp_path_factory.mktemp("model-storage")
    storage, metadata = LocalModelStorage.from_model_archive(storage_dir, model)
    schema = metadata.predict_schema
    node = next(node for node in schema.nodes.values() if node.uses is RulePolicy)
    context = ExecutionContext(schema, metadata.model_id)
    config = {**RulePolicy.get_default_config(), **node.config}
    return RulePolicy.load(config, storage, node.resource, context)


def _as_conversation(state: dict[str, Any]) -> dict[str, Any]:
    """A rule's state as a conversation would have it (no "should not be set" marks)."""
    conversation: dict[str, Any] = {}
    for sub_state, values in state.items():
        kept = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in values.items()
            if value != SHOULD_NOT_BE_SET
        }
        if kept:
            conversation[sub_state] = kept
    return conversation


def _conversations(policy: RulePolicy, count: int) -> list[list[dict[str, Any]]]:
    """Conversation states made of the rules' own turns, mixed, some intents changed."""
    rules = [[_as_conversation(state) for state in json.loads(key)] for key in policy.lookup[RULES]]
    rules += [
        [_as_conversation(state) for state in json.loads(key)]
        for key in policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]
    ]
    intents = sorted(
        {
            turn["user"]["intent"]
            for rule in rules
            for turn in rule
            if "intent" in turn.get("user", {})
        }
    )
    chance = random.Random(2026)
    made = [rule for rule in rules if rule]
    while len(made) < count:
        history = [dict(turn) for turn in chance.choice(rules) + chance.choice(rules)]
        if history and chance.random() < 0.3:
            last = dict(history[-1])
            last["user"] = {**last.get("user", {}), "intent": chance.choice(intents)}
            history[-1] = last
        if history:
            made.append(history)
    return made


def test_the_index_finds_the_rules_rasa_finds(policy):
    indexes = policy.__dict__.get("_rule_indexes", {})
    assert {id(policy.lookup[RULES]), id(policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH])} <= set(
        indexes
    )
    checked = 0
    found = 0
    for states in _conversations(policy, 1200):
        for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
            lookup = policy.lookup[name]
            # A copy is not the indexed lookup: Rasa's own search runs on it.
            expected = policy._get_possible_keys(dict(lookup), states)
            assert policy._get_possible_keys(lookup, states) == expected, states
            checked += 1
            found += bool(expected)
    # The comparison means something: most of these conversations match some rule.
    assert checked >= 2400 and found > checked // 4


def test_the_index_checks_few_rules(policy):
    index = policy.__dict__["_rule_indexes"][id(policy.lookup[RULES])]
    after_greeting = {"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}
    assert len(index.candidates(after_greeting)) < len(policy.lookup[RULES]) / 4
