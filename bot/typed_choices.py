"""A typed choice read as its payload by the Rasa server, on every channel.

The reading itself (which reply picks which choice) is common/choices.py, shared with the
action server's forms (actions/answers.py); this wraps Rasa's message parsing with it, as
one of the patches bot/serve.py applies at start-up.
"""

from __future__ import annotations

from typing import Any

from common.choices import typed_choice_payload

_installed = False
# The Rasa versions whose MessageProcessor.parse_message(message, tracker, ...) this wraps.
SUPPORTED_RASA = ("3.6.",)


def install() -> None:
    """Read a typed choice as its payload on every channel (idempotent).

    Wraps Rasa's `MessageProcessor.parse_message`, which gets the conversation's tracker:
    when the message picks one of the choices of the bot's last turn ("3", "b", or a title),
    it is parsed, and stored, as that choice's payload, exactly as a tap. The SMS channel
    maps numbered replies itself (bot/channels/choices.py); the mapping is the same.
    """
    global _installed
    if _installed:
        return
    import rasa
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    if not rasa.__version__.startswith(SUPPORTED_RASA):
        raise RuntimeError(
            f"bot.typed_choices supports rasa {SUPPORTED_RASA}, not {rasa.__version__}"
        )
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
    _installed = True
