"""The Rasa speed-ups change no behaviour."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from bot import rasa_patches


def test_action_results_are_still_validated():
    rasa_patches.apply()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []}
    )
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 3}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_events_still_resolve_by_type():
    rasa_patches.apply()
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nonsense")
    events = [{"event": "slot", "name": "a", "value": 1, "timestamp": 1.0}]
    assert Event.from_parameters(events[0]) == SlotSet("a", 1, timestamp=1.0)


def test_minimal_graph_schemas_are_the_same_and_kept():
    from rasa.engine.graph import GraphSchema, SchemaNode
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    def node(needs: dict, target: bool = False) -> SchemaNode:
        return SchemaNode(
            needs=needs,
            uses=WhitespaceTokenizer,
            constructor_name="create",
            fn="process",
            config={},
            is_target=target,
        )

    rasa_patches.apply()
    schema = GraphSchema(
        {"a": node({}), "b": node({"x": "a"}), "c": node({"x": "b"}, True), "d": node({})}
    )
    first = schema.minimal_graph_schema(["c"])
    assert set(first.nodes) == {"a", "b", "c"}
    assert schema.minimal_graph_schema(["c"]) is first
    assert set(schema.minimal_graph_schema(["a"]).nodes) == {"a"}
    assert set(schema.minimal_graph_schema().nodes) == {"a", "b", "c"}  # the targets
