"""Fixtures for the NLG and catalogue tests: a small domain and its catalogues."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import CatalogueNLG
from common.languages import LOCALES_DIR

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.from_path(str(FIXTURES / "domain.yml"))


@pytest.fixture()
def locales(tmp_path: Path) -> Path:
    """The fixture catalogues with the real language table, in a scratch folder (.mo go there)."""
    target = tmp_path / "locales"
    shutil.copytree(FIXTURES / "locales", target)
    shutil.copy(LOCALES_DIR / "languages.yml", target / "languages.yml")
    return target


@pytest.fixture()
def nlg(domain: Domain, locales: Path) -> CatalogueNLG:
    return CatalogueNLG(domain=domain, locales_dir=locales)


@pytest.fixture()
def tracker(domain: Domain) -> Callable[..., DialogueStateTracker]:
    def build(**slots: Any) -> DialogueStateTracker:
        events = [SlotSet(name, value) for name, value in slots.items()]
        return DialogueStateTracker.from_events("someone", events, slots=domain.slots)

    return build


@pytest.fixture()
def catalog_root(tmp_path: Path) -> Path:
    """A scratch repository: babel.cfg, the fixture domain and the real language table."""
    root = tmp_path / "repo"
    (root / "locales").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "babel.cfg", root / "babel.cfg")
    shutil.copy(FIXTURES / "domain.yml", root / "domain.yml")
    shutil.copy(LOCALES_DIR / "languages.yml", root / "locales" / "languages.yml")
    return root
