# mypy: disallow-subclassing-any=False
"""SQL tracker store that can forget a conversation when the person asks to delete their data.

Rasa 3.6's `SQLTrackerStore` only ever appends events: `Restarted`, `AllSlotsReset` or a
new session hide old events from the dialogue but keep them, with every message the
person typed, in the `events` table; no REST endpoint removes them either
(`PUT /conversations/<id>/tracker/events` appends too). This store deletes them.

The signal is the action `action_erase_data` (actions/erasure.py) followed, in the same
turn, by a `Restarted` event, which that action returns only once the API has erased the
person's application. When a tracker carrying that signal is saved, every stored event of
the conversation is deleted and nothing of that turn is written: the next message starts a
new, empty conversation.

endpoints.yml:
    tracker_store:
      type: bot.tracker_store.ErasableSQLTrackerStore
      dialect: sqlite
      db: var/trackers.db
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, Restarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches

logger = logging.getLogger(__name__)

# The Rasa server imports this module (endpoints.yml): the place to speed up Rasa itself.
rasa_patches.apply()

ERASE_ACTION_NAME = "action_erase_data"


def erasure_requested(events: Iterable[Event]) -> bool:
    """Whether `events` hold `action_erase_data` followed by a `Restarted`."""
    erase_seen = False
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION_NAME:
            erase_seen = True
        elif erase_seen and isinstance(event, Restarted):
            return True
    return False


class ErasableSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that deletes a conversation's events on an erasure request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        logger.info("Tracker store: SQL at %s (conversations erasable)", self.engine.url)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of `tracker`, or erase the conversation if asked to."""
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
        if erasure_requested(new_events):
            deleted = self.erase(tracker.sender_id)
            logger.info("Conversation erased at the person's request (%d events)", deleted)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; the number deleted."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(deleted)
