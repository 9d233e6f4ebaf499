"""Speed-ups of Rasa 3.6 internals that change no behaviour, applied by bot/tracker_store.py
(the module endpoints.yml makes the Rasa server import).

- `RemoteAction._validate_action_result` checks every action server response with
  `jsonschema.validate`, which also re-validates the (constant) schema against its
  meta-schema on every call: with jsonschema 4.17 that took ~130 ms per action call here,
  more than half the time of a message. The same check with the validator built once.
- `Event.resolve_by_type` walks every subclass of `Event` for each event it deserialises
  (a conversation's events are read back from the tracker store on every message): the
  class found for a type name is remembered.
- The tracker sent with every action call (all the session's events) was encoded with
  the standard `json` module, a tenth of the server's time: `ujson` (a dependency of
  Rasa's) encodes the same JSON several times faster.
- Each prediction rebuilt the "minimal" graph schema of its targets (a recursive walk of
  the model's graph): it is the same for the same targets, so it is kept.
- After the model is loaded, its ~740,000 Python objects are moved out of the garbage
  collector's reach (`gc.freeze()`): each full collection walked them all, a pause of
  ~400 ms in the middle of whatever messages were being answered (measured here: 400 ms
  before, under 1 ms after). They live as long as the model anyway.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

logger = logging.getLogger(__name__)

_applied = False


def apply() -> None:
    """Install the patches (idempotent)."""
    global _applied
    if _applied:
        return
    from jsonschema import ValidationError  # type: ignore[import-untyped]
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
    from jsonschema.validators import validator_for  # type: ignore[import-untyped]
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        # As jsonschema.validate(result, schema) does, minus checking the schema again.
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        if isinstance(error, ValidationError):
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
        raise error

    RemoteAction._validate_action_result = _validate_action_result
    _cache_event_types()
    _freeze_after_model_load()
    _cache_minimal_graph_schemas()
    _fast_json_requests()
    _applied = True
    logger.debug("Rasa patches applied: action response validation compiled once")


def _cache_event_types() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = original(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)


def _freeze_after_model_load() -> None:
    from rasa.core.agent import Agent

    original = Agent.load_model

    def load_model(self: Agent, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        gc.collect()
        gc.freeze()
        logger.debug("model loaded; %d objects frozen for the collector", gc.get_freeze_count())

    Agent.load_model = load_model


def _cache_minimal_graph_schemas() -> None:
    from rasa.engine.graph import GraphSchema

    original = GraphSchema.minimal_graph_schema

    def minimal_graph_schema(self: GraphSchema, targets: list[str] | None = None) -> GraphSchema:
        # Kept on the schema itself (a dataclass, unhashable; not changed once loaded).
        per_schema: dict[tuple[str, ...], GraphSchema] = self.__dict__.setdefault(
            "_minimal_schemas", {}
        )
        key = tuple(targets) if targets else ()
        found = per_schema.get(key)
        if found is None:
            found = per_schema[key] = original(self, targets)
        return found

    GraphSchema.minimal_graph_schema = minimal_graph_schema


def _fast_json_requests() -> None:
    import functools

    import aiohttp
    import ujson
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    # Like json.dumps: ASCII escapes, "/" left alone.
    dumps = functools.partial(ujson.dumps, ensure_ascii=True, escape_forward_slashes=False)

    def session(self: EndpointConfig) -> aiohttp.ClientSession:
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=dumps,
        )

    EndpointConfig.session = session
