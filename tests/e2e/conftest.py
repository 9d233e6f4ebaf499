"""End-to-end fixtures: the real API, action server and Rasa server, started once.

Run them alone with `.venv/assistant/bin/python -m pytest tests/e2e` (or `-m e2e`); skip
them with `-m "not e2e"`. The model is trained into models/ if the data changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import Stack, ensure_model


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test through the whole running stack")


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained model (models/emile.tar.gz, trained now if the data changed)."""
    return ensure_model(log=tmp_path_factory.mktemp("train") / "train.log")


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
