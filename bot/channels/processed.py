"""Whether a conversation already holds a message: a delivery taken over from a dead server
whose turn was saved before it died is not run a second time."""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import UserUttered


async def in_conversation(agent: Any, sender: str, message_id: str | None) -> bool:
    """True when `sender`'s conversation has a user message with `message_id`."""
    store = getattr(agent, "tracker_store", None)
    if store is None or not message_id:
        return False
    tracker = await store.retrieve(sender)
    if tracker is None:
        return False
    return any(
        isinstance(event, UserUttered) and event.message_id == message_id
        for event in tracker.events
    )
