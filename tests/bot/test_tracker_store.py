"""The SQL tracker store forgets a conversation when the person's erasure went through."""

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ErasableSQLTrackerStore, erasure_requested

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def store(tmp_path, domain):
    return ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))


def conversation(domain, sender, *events):
    return DialogueStateTracker.from_events(sender, list(events), slots=domain.slots)


def test_erasure_needs_the_action_then_a_restart():
    assert erasure_requested([ActionExecuted("action_erase_data"), BotUttered("done"), Restarted()])
    assert not erasure_requested([Restarted(), ActionExecuted("action_erase_data")])
    assert not erasure_requested([ActionExecuted("action_erase_data")])  # Erasure failed.
    assert not erasure_requested([ActionExecuted("action_restart"), Restarted()])


@pytest.mark.asyncio
async def test_an_erased_conversation_leaves_no_event(store, domain):
    said = [
        ActionExecuted("action_listen"),
        UserUttered("my name is Amina", {"name": "inform", "confidence": 1.0}),
        SlotSet("first_name", "Amina"),
    ]
    await store.save(conversation(domain, "amina", *said))
    await store.save(conversation(domain, "other", *said))
    assert (await store.retrieve("amina")).get_slot("first_name") == "Amina"

    erased = conversation(
        domain,
        "amina",
        *said,
        UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}),
        ActionExecuted("action_erase_data"),
        BotUttered("deleted"),
        Restarted(),
        ActionExecuted("action_listen"),
    )
    await store.save(erased)
    assert await store.retrieve("amina") is None
    assert await store.retrieve_full_tracker("amina") is None
    assert "amina" not in await store.keys()
    # Other conversations are untouched.
    assert (await store.retrieve("other")).get_slot("first_name") == "Amina"


@pytest.mark.asyncio
async def test_a_failed_erasure_keeps_the_conversation(store, domain):
    said = [ActionExecuted("action_listen"), SlotSet("first_name", "Amina")]
    await store.save(conversation(domain, "amina", *said))
    await store.save(
        conversation(domain, "amina", *said, ActionExecuted("action_erase_data"), BotUttered("x"))
    )
    tracker = await store.retrieve("amina")
    assert tracker.get_slot("first_name") == "Amina"
    assert tracker.latest_action_name == "action_erase_data"
