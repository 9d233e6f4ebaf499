"""The Rasa server's model, loaded as the server loads it (after the start-up step,
bot/serve.py): its objects are frozen out of the garbage collector, and it still
understands messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROBE = """
import asyncio, gc, json, sys, time
from bot import serve
serve.start_up()
from rasa.core.agent import Agent
agent = Agent()
agent.load_model(sys.argv[1])
started = time.perf_counter()
gc.collect()
collect_ms = 1000 * (time.perf_counter() - started)
parsed = asyncio.run(agent.parse_message("bonjour"))
print(json.dumps({"frozen": gc.get_freeze_count(), "collect_ms": collect_ms,
                  "intent": parsed["intent"]["name"]}))
"""


def test_the_loaded_model_is_frozen_and_still_understands(model: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    print(probe)  # collect_ms: a full collection after loading (~400 ms without the freeze)
    assert probe["frozen"] > 100_000  # the model's objects, out of the collector's walks
    assert probe["intent"] == "greet"
