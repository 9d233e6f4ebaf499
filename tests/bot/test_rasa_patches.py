"""Rasa is changed only by the start-up step, only the pinned Rasa, and each patch still
fits the function it replaces; the speed-ups change no behaviour."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from bot import rasa_patches, serve

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: the digests of every patched function as installed, whether
# importing every module of bot/ changed any of them, and whether the start-up step does.
PROBE = """
import importlib, json, pkgutil
import bot
from bot import rasa_patches, serve
targets = sorted({t for patch in rasa_patches.PATCHES for t in patch.replaces})
relied_on = sorted({t for patch in rasa_patches.PATCHES for t in patch.relies_on})
digests = {t: rasa_patches.source_digest(t) for t in targets + relied_on}
def now(target):
    found = rasa_patches.resolve(target)
    return getattr(found, "__func__", found)  # a classmethod is a new bound method each time
before = {t: now(t) for t in targets}
modules = [found.name for found in pkgutil.walk_packages(bot.__path__, "bot.")]
for name in modules:
    importlib.import_module(name)
after_imports = [t for t in targets if now(t) is not before[t]]
applied = serve.start_up()
after_start_up = [t for t in targets if now(t) is not before[t]]
print(json.dumps({"digests": digests, "modules": modules, "after_imports": after_imports,
                  "applied": applied, "after_start_up": after_start_up}))
"""


@pytest.fixture(scope="module")
def fresh() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_patch_fits_the_upstream_function_it_replaces(fresh):
    changed = [
        f"{target} (patch {patch.name})"
        for patch in rasa_patches.PATCHES
        for target, digest in {**patch.replaces, **patch.relies_on}.items()
        if fresh["digests"][target] != digest
    ]
    assert not changed, (
        "Rasa changed these functions since the patches were written for rasa "
        f"{rasa_patches.RECORDED_WITH_RASA}: review each patch against the new source, then "
        f"record its digest (bot.rasa_patches.source_digest): {changed}"
    )


def test_the_digests_are_those_of_the_pinned_rasa():
    assert serve.pinned_rasa() == rasa_patches.RECORDED_WITH_RASA


def test_importing_bot_changes_nothing_in_rasa_the_start_up_step_does(fresh):
    assert {"bot.tracker_store", "bot.channels.telegram", "bot.channels.sms"} <= set(
        fresh["modules"]
    )
    assert fresh["after_imports"] == []
    assert fresh["applied"] == [patch.name for patch in rasa_patches.PATCHES]
    every_target = sorted({t for patch in rasa_patches.PATCHES for t in patch.replaces})
    assert fresh["after_start_up"] == every_target


def test_another_rasa_version_is_refused_with_a_clear_message(tmp_path):
    fake = tmp_path / "rasa"
    fake.mkdir()
    (fake / "__init__.py").write_text('__version__ = "3.7.0"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.serve", "run", "--enable-api"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        timeout=120,
    )
    assert result.returncode == 2
    assert "rasa 3.7.0 is installed" in result.stderr
    assert f"made for rasa {serve.pinned_rasa()}" in result.stderr
    assert "make setup" in result.stderr
    assert serve.check_rasa_version(installed=serve.pinned_rasa()) == serve.pinned_rasa()


def test_only_run_and_train_go_through_the_start_up_step():
    assert serve.main(["shell"]) == 2
    assert serve.main([]) == 2


def test_an_unknown_patch_name_is_refused():
    with pytest.raises(ValueError, match="no such Rasa patch"):
        rasa_patches.apply(["no-such-patch"])


def test_action_results_are_still_validated():
    rasa_patches.apply(["action-result-schema-compiled-once"])
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
    rasa_patches.apply(["event-types-remembered"])
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


def test_action_calls_are_the_same_json():
    from rasa.utils.endpoints import EndpointConfig

    rasa_patches.apply(["action-calls-encoded-with-ujson-on-kept-connections"])
    body = {"text": "Amina / حسن", "n": 1.5, "slots": {"a": None, "b": [True]}}

    async def encoded() -> str:
        endpoint = EndpointConfig("http://127.0.0.1:1", headers={"Authorization": "Bearer x"})
        async with endpoint.session() as session:
            assert session.headers["Authorization"] == "Bearer x"
            encoded = str(session._json_serialize(body))
        await session.close()
        return encoded

    assert json.loads(asyncio.run(encoded())) == body
    assert asyncio.run(encoded()) == json.dumps(body, separators=(",", ":"))


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

    rasa_patches.apply(["minimal-graph-schemas-kept"])
    schema = GraphSchema(
        {"a": node({}), "b": node({"x": "a"}), "c": node({"x": "b"}, True), "d": node({})}
    )
    first = schema.minimal_graph_schema(["c"])
    assert set(first.nodes) == {"a", "b", "c"}
    assert schema.minimal_graph_schema(["c"]) is first
    assert set(schema.minimal_graph_schema(["a"]).nodes) == {"a"}
    assert set(schema.minimal_graph_schema().nodes) == {"a", "b", "c"}  # the targets


def test_sparse_features_are_joined_as_scipy_joins_them():
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import hstack, random

    rasa_patches.apply(["sparse-features-joined-without-bmat"])
    for rows in (1, 5):
        left = random(rows, 7, density=0.4, format="coo", random_state=rows)
        right = random(rows, 4, density=0.5, format="csr", random_state=rows + 1)
        joined = Features(left, "sentence", "text", "a")
        joined.combine_with_features(Features(right, "sentence", "text", "b"))
        assert joined.features.shape == (rows, 11)
        np.testing.assert_array_equal(joined.features.toarray(), hstack([left, right]).toarray())
    mismatched = Features(random(2, 3, format="coo"), "sequence", "text", "a")
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        mismatched.combine_with_features(
            Features(random(3, 3, format="coo"), "sequence", "text", "b")
        )


def test_action_calls_keep_their_connection_and_answer_the_same():
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    rasa_patches.apply(["action-calls-encoded-with-ujson-on-kept-connections"])
    clients: list[tuple[str, int]] = []

    async def webhook(request: web.Request) -> web.Response:
        clients.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "got": await request.json()})

    async def calls() -> list:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            answers = [await endpoint.request(json={"n": n}) for n in range(5)]
            # Past the idle time, the kept connection is dropped and a new one made.
            await asyncio.sleep(rasa_patches.KEPT_CONNECTION_IDLE_S + 0.5)
            answers.append(await endpoint.request(json={"n": 5}))
        finally:
            for session in endpoint.__dict__["_kept_sessions"].values():
                await session.close()
            await runner.cleanup()
        return answers

    answers = asyncio.run(calls())
    assert [answer["got"] for answer in answers] == [{"n": n} for n in range(6)]

    # A session of an ended event loop is let go when another loop calls.
    async def one_call_each(endpoint: EndpointConfig) -> None:
        async with endpoint.session():
            pass

    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
    for _ in range(3):
        asyncio.run(one_call_each(endpoint))
    assert len(endpoint.__dict__["_kept_sessions"]) == 1
    # One connection for the five calls in a row (Rasa opened one per call), a new one after.
    assert len(set(clients[:5])) == 1
    assert clients[5] != clients[0]
