"""The Rasa data and model: `rasa data validate` without unexplained warnings, and the
test stories of every flow predicted without an error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.stack import BOT_VENV, ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_rasa_data_validate() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/validate_data.py"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def test_stories_of_every_flow(model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "nice",
            str(BOT_VENV / "rasa"),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/stories",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
