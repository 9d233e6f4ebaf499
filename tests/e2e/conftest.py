"""End-to-end fixtures: the real API, action server and Rasa server, started once.

Run them alone with `.venv/assistant/bin/python -m pytest tests/e2e` (or `-m e2e`); skip
them with `-m "not e2e"`. The model is trained into models/ if the data changed, in the
background from the start of the session (the tests before the first end-to-end one run
meanwhile; its log: var/test-logs/train.log).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT, Stack, start_training, trained_model

# `rasa train` started when the session's tests were collected (None: not needed, or
# EMILE_E2E_MODEL names the model), and its log.
_training: subprocess.Popen | None = None
_training_log: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test through the whole running stack")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start training now if a collected test needs the model: it runs beside the others."""
    global _training, _training_log
    if session.config.option.collectonly or os.environ.get("EMILE_E2E_MODEL"):
        return
    if not any("model" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    _training_log = ROOT / "var" / "test-logs" / "train.log"
    _training_log.parent.mkdir(parents=True, exist_ok=True)
    _training_log.unlink(missing_ok=True)
    _training = start_training(log=_training_log)


def pytest_unconfigure(config: pytest.Config) -> None:
    # A session stopped early (Ctrl-C, -x) leaves no training behind.
    if _training is not None and _training.poll() is None:
        _training.terminate()
        _training.wait(timeout=30)


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained model (models/emile.tar.gz, trained if the data changed)."""
    if _training is None:
        log = tmp_path_factory.mktemp("train") / "train.log"
        return trained_model(start_training(log=log), log=log)
    print(f"training log: {_training_log}")
    return trained_model(_training, log=_training_log)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Stack]:
    """The running stack (one per test session)."""
    workdir = Path(os.environ.get("EMILE_E2E_DIR") or tmp_path_factory.mktemp("stack"))
    running = Stack(workdir, model=model)
    try:
        running.start()
    except Exception:
        running.stop()
        for name in ("api", "actions", "rasa", "train"):
            print(f"----- {name}.log (tail)\n{running.logs(name)[-3000:]}")
        raise
    yield running
    running.stop()
    print(f"stack logs in {workdir}")
