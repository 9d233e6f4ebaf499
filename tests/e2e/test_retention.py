"""Retention through the running stack: the Rasa server purges by itself; a conversation older
than the limit is gone after `python -m bot.retention purge` (and the person starts afresh,
with the welcome), a recent one goes on, and the tracker database's files keep nothing of it."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.e2e.stack import BOT_VENV, ROOT, Stack, wait_until
from tests.e2e.test_conversations import Person, start_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = 86400.0
# What the person typed about their situation.
TYPED = "Je dors chez Wilhelmina depuis mars"


def purge(stack: Stack, *args: str) -> str:
    """`python -m bot.retention purge` with the stack's settings, as an operator runs it."""
    done = subprocess.run(
        [str(BOT_VENV / "python"), "-m", "bot.retention", "purge", *args],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def tracker_files(stack: Stack) -> bytes:
    """The bytes of the tracker database, its write-ahead log and shared memory."""
    path = Path(stack.env["EMILE_TRACKER_DB"])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def age(stack: Stack, sender: str, days: float) -> None:
    """Make a conversation `days` older, as if the person had stopped writing then."""
    with sqlite3.connect(stack.env["EMILE_TRACKER_DB"], timeout=15) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - ? WHERE sender_id = ?", (days * DAY, sender)
        )


def test_an_old_conversation_is_purged_and_the_person_starts_afresh(stack: Stack) -> None:
    # Both servers' own purges ran (a minute after start-up) and logged their counts.
    wait_until(lambda: "retention: conversations:" in stack.logs("rasa"), 120, "Rasa's purge")
    wait_until(lambda: "retention: outbox:" in stack.logs("actions"), 120, "the outbox's purge")

    old, recent = Person(stack, "Quetzalcoatl"), Person(stack, "recent")
    for person in (old, recent):
        start_in(person, "fr")
    old.says(TYPED)
    age(stack, old.sender, days=91)
    age(stack, recent.sender, days=89)
    before = tracker_files(stack)
    assert TYPED.encode() in before and old.sender.encode() in before

    dry = purge(stack, "--dry-run")
    assert "conversations: 1 (" in dry and "would be erased: no message for 90 days" in dry
    assert old.slot("language") == "fr"  # Nothing erased yet.

    done = purge(stack)
    assert "conversations: 1 (" in done and ") erased" in done
    after = tracker_files(stack)
    assert TYPED.encode() not in after
    assert old.sender.encode() not in after

    # The recent conversation goes on where it was (no language question).
    assert recent.says("/check_eligibility") == [
        "utter_eligibility_intro",
        "utter_ask_residence_area",
    ]
    # The old one starts again, with the welcome.
    assert old.says("bonjour") == ["utter_ask_language"]
    assert old.slot("language") is None
