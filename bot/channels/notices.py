"""Notices a channel sends by itself (after a photo, after START), rendered by the server's NLG.

A notice is a domain response (`utter_media_not_supported`, `utter_sms_opt_in`…) rendered
for the conversation's tracker, so in the person's language; a new person's language comes
from the provider's hint (Telegram's `language_code`) when there is one. It is not a turn of
the conversation: nothing is added to the tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

LANGUAGE_SLOT = "language"

# (sender id, response names in order of preference, language hint) -> the rendered message.
Notices = Callable[[str, tuple[str, ...], str | None], Awaitable[dict[str, Any] | None]]


def agent_notices(get_agent: Callable[[], Any], channel: str) -> Notices:
    """Render the first of `names` that the domain has, with the Rasa server's NLG."""

    async def render(
        sender: str, names: tuple[str, ...], language_hint: str | None = None
    ) -> dict[str, Any] | None:
        agent = get_agent()
        if agent is None or getattr(agent, "nlg", None) is None:
            logger.error("%s: no agent loaded to render %s", channel, names[0])
            return None
        # Imported here: rasa's trackers module is heavy and the channel modules are not.
        from rasa.shared.core.trackers import DialogueStateTracker

        tracker = await agent.tracker_store.retrieve(sender)
        if tracker is None:
            slots = agent.domain.slots if getattr(agent, "domain", None) else []
            tracker = DialogueStateTracker(sender, slots)
        values: dict[str, Any] = {}
        if language_hint and not tracker.get_slot(LANGUAGE_SLOT):
            values[LANGUAGE_SLOT] = language_hint
        for name in names:
            message = await agent.nlg.generate(name, tracker, channel, **values)
            if message:
                if name != names[0]:
                    logger.warning("%s: the domain has no %s; sent %s", channel, names[0], name)
                return dict(message)
        return None

    return render
