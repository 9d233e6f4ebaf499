"""A typed choice read as its payload by the Rasa server, on every channel.

The reading itself (which reply picks which choice) is common/choices.py, shared with the
action server's forms (actions/answers.py); this wraps Rasa's message parsing with it, as
one of the patches bot/serve.py applies at start-up.
"""

from __future__ import annotations

from typing import Any

from common.choices import typed_choice_payload


def install() -> None:
    """Read a typed choice as its payload on every channel (bot/rasa_patches.py, once).

    Wraps Rasa's `MessageProcessor.parse_message`, which gets the conversation's tracker:
    when the message picks one of the choices of the bot's last turn ("3", "b", or a title),
    it is parsed, and stored, as that choice's payload, exactly as a tap. The SMS channel
    maps numbered replies itself (bot/channels/choices.py); the mapping is the same.
    """
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    original = MessageProcessor.parse_message

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        if tracker is not None and isinstance(message.text, str):
            payload = typed_choice_payload(message.text, tracker.events)
            if payload is not None:
                message.text = payload
        parsed: dict[str, Any] = await original(self, message, tracker, only_output_properties)
        return parsed

    MessageProcessor.parse_message = parse_message
