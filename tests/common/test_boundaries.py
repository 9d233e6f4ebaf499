"""Each process imports only its own code and common/ (issue 12: process boundaries).

Each check imports a process's modules in a fresh interpreter of its own environment and
lists the top-level packages that came with them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT_PYTHON = ROOT / ".venv" / "assistant" / "bin" / "python"
API_PYTHON = ROOT / ".venv" / "api" / "bin" / "python"

PROBE = """
import importlib, json, pkgutil, sys
package, skip = sys.argv[1], tuple(filter(None, sys.argv[2].split(",")))
module = importlib.import_module(package)
for found in pkgutil.walk_packages(module.__path__, package + "."):
    if not (skip and found.name.startswith(skip)):
        importlib.import_module(found.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def imported(python: Path, packages: str, skip: str = "") -> set[str]:
    """Top-level packages in sys.modules once `packages` (and all their modules) are in."""
    result = subprocess.run(
        [str(python), "-c", PROBE, packages, skip],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_action_server_takes_nothing_from_bot():
    # actions.server, and every action module rasa-sdk loads from the package.
    modules = imported(ASSISTANT_PYTHON, "actions")
    assert "actions" in modules and "rasa_sdk" in modules  # the probe did import them
    assert "bot" not in modules
    assert "rasa" not in modules  # nor Rasa itself: the action server runs without it


def test_the_api_takes_nothing_from_the_assistant():
    # Alembic's migration scripts run only under `alembic`: left out.
    modules = imported(API_PYTHON, "api", skip="api.migrations")
    assert "api" in modules and "fastapi" in modules
    assert not modules & {"bot", "actions"}


def test_common_needs_only_pydantic_and_yaml():
    modules = imported(ASSISTANT_PYTHON, "common")
    assert "common" in modules and "pydantic" in modules and "yaml" in modules
    assert not modules & {"rasa", "rasa_sdk", "sanic", "babel", "bot", "actions"}


@pytest.mark.parametrize("python", [ASSISTANT_PYTHON, API_PYTHON], ids=["assistant", "api"])
def test_both_environments_have_common(python):
    result = subprocess.run(
        [str(python), "-c", "import common.languages, common.text, common.choices"],
        cwd="/",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
