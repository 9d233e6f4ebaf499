"""Every change this project makes to Rasa 3.6, applied only by the start-up step.

`python -m bot.serve run …` (bot/serve.py) checks the installed Rasa against the pinned one,
then calls `apply()`; importing a module of bot/ changes nothing in Rasa. Each patch names
the upstream functions it replaces or wraps with the SHA-256 of their source in the Rasa
version it was written for (`RECORDED_WITH_RASA`): tests/bot/test_rasa_patches.py fails when
one of them changes, so a Rasa upgrade means reading each patch against the new code.

Speed-ups that change no behaviour:
- `RemoteAction._validate_action_result` checks every action server response with
  `jsonschema.validate`, which also re-validates the (constant) schema against its
  meta-schema on every call: with jsonschema 4.17 that took ~130 ms per action call here,
  more than half the time of a message. The same check with the validator built once.
- `Event.resolve_by_type` walks every subclass of `Event` for each event it deserialises
  (a conversation's events are read back from the tracker store on every message): the
  class found for a type name is remembered.
- The tracker sent with every action call (all the session's events) was encoded with
  the standard `json` module, a tenth of the server's time: `ujson` (a dependency of
  Rasa's) encodes the same JSON several times faster. Each call also opened a new HTTP
  session and connection to the action server: one session per endpoint and event loop is
  kept, with its connections (idle ones closed after 2 s; the action server keeps them 75 s).
- Each prediction rebuilt the "minimal" graph schema of its targets (a recursive walk of
  the model's graph): it is the same for the same targets, so it is kept.
- After the model is loaded, its ~740,000 Python objects are moved out of the garbage
  collector's reach (`gc.freeze()`): each full collection walked them all, a pause of
  ~400 ms in the middle of whatever messages were being answered (measured here: 400 ms
  before, under 1 ms after). They live as long as the model anyway.
- Each message's sparse features from the featurizers are joined with scipy's generic
  `hstack` (`bmat`: checks and index-dtype searches), four times per message: the same COO
  matrix is built by concatenating the index and value arrays.
- The RulePolicy checks every memorised rule against the conversation's last state on each
  prediction: once its model is loaded, its rules are filed by the intent or previous
  action their last turn requires (bot/rule_index.py), and only those that can match are
  checked, by Rasa's own check; the same rules are found.

Behaviour of the assistant (their own modules):
- a typed choice ("3", a title) is parsed as the choice's payload (bot/typed_choices.py);
- the language of each typed message is planned, and asked about (bot/conversation_language.py).
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

logger = logging.getLogger(__name__)

# The Rasa version whose sources the digests below were taken from.
RECORDED_WITH_RASA: Final = "3.6.21"


@dataclass(frozen=True)
class Patch:
    """One change to Rasa: the functions it replaces or wraps, and how to apply it."""

    name: str
    # "module:Class.attribute" -> the first 16 hex digits of the SHA-256 of that function's
    # source in RECORDED_WITH_RASA (`source_digest`).
    replaces: Mapping[str, str]
    apply: Callable[[], None]
    # Functions left as they are whose behaviour the patch relies on, digests as above.
    relies_on: Mapping[str, str] = field(default_factory=dict)


def resolve(target: str) -> Any:
    """The object a "module:Class.attribute" target names, as it is now."""
    module_name, _, path = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in path.split("."):
        found = getattr(found, part)
    return found


def source_digest(target: str) -> str:
    """The SHA-256 of the source of a target's function as it is now (16 hex digits)."""
    source = inspect.getsource(resolve(target))
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


_applied: set[str] = set()


def apply(names: Iterable[str] | None = None) -> list[str]:
    """Apply the named patches (default: all), in `PATCHES` order, each once; their names.

    Only the start-up step (bot/serve.py) and tests call this.
    """
    wanted = {patch.name for patch in PATCHES} if names is None else set(names)
    unknown = wanted - {patch.name for patch in PATCHES}
    if unknown:
        raise ValueError(f"no such Rasa patch: {', '.join(sorted(unknown))}")
    done = []
    for patch in PATCHES:
        if patch.name in wanted and patch.name not in _applied:
            patch.apply()
            _applied.add(patch.name)
            done.append(patch.name)
    return done


def applied() -> frozenset[str]:
    """The patches applied in this process."""
    return frozenset(_applied)


def _compile_action_result_schema() -> None:
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


def _lean_sparse_feature_joins() -> None:
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    original = Features._combine_sparse_features

    def combine(self: Features, additional_features: Features) -> None:
        left, right = self.features, additional_features.features
        if left.shape[0] != right.shape[0]:
            original(self, additional_features)  # raises Rasa's error
            return
        left, right = left.tocoo(copy=False), right.tocoo(copy=False)
        # What scipy's hstack of two blocks gives: the right block's columns shifted.
        self.features = coo_matrix(
            (
                np.concatenate((left.data, right.data)),
                (
                    np.concatenate((left.row, right.row)),
                    np.concatenate((left.col, right.col + left.shape[1])),
                ),
            ),
            shape=(left.shape[0], left.shape[1] + right.shape[1]),
        )
        self._cached_fingerprint = None

    Features._combine_sparse_features = combine


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
    import asyncio
    import functools

    import aiohttp
    import ujson
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    # Like json.dumps: ASCII escapes, "/" left alone.
    dumps = functools.partial(ujson.dumps, ensure_ascii=True, escape_forward_slashes=False)

    def new_session(self: EndpointConfig) -> aiohttp.ClientSession:
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=dumps,
            # Idle connections are closed long before the action server closes them
            # (actions/server.py: 75 s) so that a call never goes out on one it is closing.
            connector=aiohttp.TCPConnector(keepalive_timeout=KEPT_CONNECTION_IDLE_S),
        )

    def session(self: EndpointConfig) -> _KeptSession:
        sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = self.__dict__.setdefault(
            "_kept_sessions", {}
        )
        loop = asyncio.get_running_loop()
        found = sessions.get(loop)
        if found is None or found.closed:
            # A loop that has ended cannot use its session again: let it go.
            for ended in [other for other in sessions if other.is_closed()]:
                del sessions[ended]
            found = sessions[loop] = new_session(self)
        return _KeptSession(found)

    EndpointConfig.session = session


# Seconds an idle connection to an endpoint (the action server) is kept for the next call.
KEPT_CONNECTION_IDLE_S: Final = 2.0


class _KeptSession:
    """`async with` gives an endpoint's kept session and leaves it open for the next call."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def _index_loaded_rules() -> None:
    from rasa.core.policies.memoization import MemoizationPolicy
    from rasa.core.policies.rule_policy import (
        RULES,
        RULES_FOR_LOOP_UNHAPPY_PATH,
        RulePolicy,
    )
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    from bot.rule_index import RuleIndex

    load = MemoizationPolicy.load.__func__
    original_possible_keys = RulePolicy._get_possible_keys

    def load_indexed(cls: type[RulePolicy], *args: Any, **kwargs: Any) -> RulePolicy:
        policy = load(cls, *args, **kwargs)
        # Only a loaded policy is indexed: training changes its lookup as it goes.
        policy.__dict__["_rule_indexes"] = {
            id(policy.lookup[name]): RuleIndex.build(
                policy.lookup[name], policy._rule_key_to_state, SHOULD_NOT_BE_SET
            )
            for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH)
            if name in policy.lookup
        }
        return policy

    def _get_possible_keys(
        self: RulePolicy, lookup: dict[str, str], states: list[dict[str, Any]]
    ) -> set[str]:
        index: RuleIndex | None = self.__dict__.get("_rule_indexes", {}).get(id(lookup))
        if index is None or index.lookup is not lookup or not states:
            found: set[str] = original_possible_keys(self, lookup, states)
            return found
        return index.possible_keys(states, self._is_rule_applicable)

    RulePolicy.load = classmethod(load_indexed)
    RulePolicy._get_possible_keys = _get_possible_keys


def _typed_choices() -> None:
    from bot import typed_choices

    typed_choices.install()


def _conversation_language() -> None:
    from bot import conversation_language

    conversation_language.install()


_PARSE_MESSAGE: Final = "rasa.core.processor:MessageProcessor.parse_message"

PATCHES: Final[tuple[Patch, ...]] = (
    Patch(
        "action-result-schema-compiled-once",
        {
            "rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be68123961",
        },
        _compile_action_result_schema,
    ),
    Patch(
        "event-types-remembered",
        {"rasa.shared.core.events:Event.resolve_by_type": "b5cf570fa7f286c7"},
        _cache_event_types,
    ),
    Patch(
        "model-frozen-after-load",
        {"rasa.core.agent:Agent.load_model": "f4c1ab4c5c7af634"},
        _freeze_after_model_load,
    ),
    Patch(
        "sparse-features-joined-without-bmat",
        {
            "rasa.shared.nlu.training_data.features:Features._combine_sparse_features": (
                "9837d864e5983243"
            ),
        },
        _lean_sparse_feature_joins,
    ),
    Patch(
        "minimal-graph-schemas-kept",
        {"rasa.engine.graph:GraphSchema.minimal_graph_schema": "58dfb30335499fff"},
        _cache_minimal_graph_schemas,
    ),
    Patch(
        "action-calls-encoded-with-ujson-on-kept-connections",
        {"rasa.utils.endpoints:EndpointConfig.session": "e55aa13d9d4fb4bc"},
        _fast_json_requests,
    ),
    Patch(
        "loaded-rules-indexed",
        {
            "rasa.core.policies.rule_policy:RulePolicy.load": "9786fbb945cffab6",
            "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys": "2915fd81711e194c",
        },
        _index_loaded_rules,
        relies_on={
            "rasa.core.policies.rule_policy:RulePolicy._is_rule_applicable": "64a108b016b46e57",
            "rasa.core.policies.rule_policy:RulePolicy._does_rule_match_state": "d3109c1a97de319c",
        },
    ),
    # Before the language plan: a typed choice is its payload, not words in a language.
    Patch("typed-choices", {_PARSE_MESSAGE: "b98d8e49b9f2c433"}, _typed_choices),
    Patch(
        "conversation-language",
        {
            _PARSE_MESSAGE: "b98d8e49b9f2c433",
            "rasa.core.processor:MessageProcessor._run_prediction_loop": "cb30a0cbb690c571",
        },
        _conversation_language,
    ),
)
