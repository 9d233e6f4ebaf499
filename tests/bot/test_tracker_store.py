"""The SQL tracker store forgets a conversation when the person's erasure went through,
and stores exactly what Rasa's own SQL tracker store stores."""

import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
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


def turn(number: int) -> list:
    """The events of one turn of a conversation."""
    return [
        UserUttered(f"message {number}", {"name": "inform", "confidence": 1.0}),
        SlotSet("first_name", f"Name{number}"),
        BotUttered(f"answer {number}"),
        ActionExecuted("action_listen"),
    ]


async def play(store, domain, sender: str) -> None:
    """Turns as the Rasa server plays them: retrieve, add events, save; a new session."""
    tracker = conversation(domain, sender, ActionExecuted("action_listen"))
    await store.save(tracker)
    for number in range(4):
        tracker = await store.retrieve(sender)
        for event in turn(number):
            tracker.update(event)
        await store.save(tracker)
    # A new session starts in the middle of a turn, and the tracker is saved twice.
    tracker = await store.retrieve(sender)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), *turn(9)]:
        tracker.update(event)
    await store.save(tracker)
    tracker.update(SlotSet("first_name", "Late"))
    await store.save(tracker)
    tracker = await store.retrieve(sender)
    tracker.update(SlotSet("first_name", "After"))
    await store.save(tracker)


def stored_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id"
        ).fetchall()


@pytest.mark.asyncio
async def test_the_same_events_are_stored_as_by_rasas_store(tmp_path, domain):
    ours = ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "a.db"))
    rasas = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "b.db"))
    await play(ours, domain, "amina")
    await play(rasas, domain, "amina")
    # Timestamps differ between the two plays: compare everything else.
    strip = [(*row[:4], row[4].split('"timestamp"')[0]) for row in stored_rows(tmp_path / "a.db")]
    expected = [(*r[:4], r[4].split('"timestamp"')[0]) for r in stored_rows(tmp_path / "b.db")]
    assert strip == expected
    assert len(expected) > 20
    assert (await ours.retrieve("amina")).get_slot("first_name") == "After"


@pytest.mark.asyncio
async def test_a_restarted_server_adds_exactly_the_new_events(tmp_path, domain):
    path = str(tmp_path / "t.db")
    first = ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=path)
    await play(first, domain, "amina")
    before = len(stored_rows(tmp_path / "t.db"))
    # A restarted server knows no count yet: it counts in the database.
    restarted = ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=path)
    reader = ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=path)
    tracker = await reader.retrieve("amina")  # read elsewhere: `restarted` must count
    tracker.update(SlotSet("first_name", "Restarted"))
    await restarted.save(tracker)
    assert len(stored_rows(tmp_path / "t.db")) == before + 1
    fresh = ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db=path)
    assert (await fresh.retrieve("amina")).get_slot("first_name") == "Restarted"


@pytest.mark.asyncio
async def test_an_erased_conversation_starts_again_empty(store, domain):
    await play(store, domain, "amina")
    store.erase("amina")
    tracker = conversation(domain, "amina", ActionExecuted("action_listen"), *turn(1))
    await store.save(tracker)
    assert len((await store.retrieve("amina")).events) == 5


def test_sqlite_runs_in_wal_mode(store, tmp_path):
    with store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
