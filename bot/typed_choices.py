"""A typed reply that picks one of the choices the bot just showed, on any channel.

"3" picks the third choice, or the one shown as "3. …"; a reply that repeats a choice's
title picks it too. Choices whose titles are numbers that are not their positions ("None",
"1", "2"… for a number of children) are labelled with letters, as the SMS channel does
(bot/channels/choices.py): there a typed number is the number itself.

Used by the Rasa server for every message (bot/rasa_patches.py: a typed choice is read as
the button's payload, as if tapped) and by the action server's forms (actions/answers.py).
Standard library only.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

_PAYLOAD: Final = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?$", re.S)
LABEL: Final = re.compile(r"^\s*(?P<label>\d{1,2}|[A-Za-z])\s*[.)]\s+")
_CHOICE_REPLY: Final = re.compile(r"^\s*[#(]?\s*(?P<label>\d{1,2}|[A-Za-z])\s*[.)]?\s*$")
_LEADING_NUMBER: Final = re.compile(r"^\s*(\d+)")


def ascii_digits(text: str) -> str:
    """The text with every decimal digit (٣ Arabic-Indic, ۳ Persian…) written 0-9."""
    if text.isascii():
        return text
    return "".join(
        str(decimal) if (decimal := unicodedata.decimal(ch, None)) is not None else ch
        for ch in text
    )


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation and symbols as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        decimal = unicodedata.decimal(ch, None)
        if decimal is not None:
            kept.append(str(decimal))  # ٣ and ۳ are 3
        elif unicodedata.category(ch)[0] in "PSZC":
            kept.append(" ")
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())


@dataclass(frozen=True)
class Choice:
    """One choice the person was shown: its title (as shown) and its payload."""

    title: str
    payload: str

    @property
    def intent(self) -> str | None:
        match = _PAYLOAD.match(self.payload.strip())
        return match.group("intent") if match else None

    @property
    def entities(self) -> dict[str, Any]:
        match = _PAYLOAD.match(self.payload.strip())
        if not match or not match.group("entities"):
            return {}
        try:
            parsed = json.loads(match.group("entities"))
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


def labels(choices: Sequence[Choice]) -> dict[str, Choice]:
    """The label that picks each choice: the one shown ("3. Shops"), else its position.

    Choices whose titles are numbers that are not their positions ("None", "1", "2"… for a
    number of children) get letters, as on SMS: a number typed there is the number itself.
    """
    shown = {m.group("label").upper(): c for c in choices if (m := LABEL.match(c.title))}
    if shown:
        return shown
    numbers_clash = any(
        (m := _LEADING_NUMBER.match(c.title)) is not None and int(m.group(1)) != index
        for index, c in enumerate(choices, start=1)
    )
    if numbers_clash:
        return {chr(ord("A") + i): c for i, c in enumerate(choices[:26])}
    return {str(i): c for i, c in enumerate(choices, start=1)}


def picked_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice a reply names by its label ("2", "b)") or by its whole title."""
    if not choices:
        return None
    reply = _CHOICE_REPLY.match(ascii_digits(text))
    if reply is not None:
        choice = labels(choices).get(reply.group("label").upper())
        if choice is not None:
            return choice
    key = normalise(LABEL.sub("", text))
    same = {c.payload: c for c in choices if key and normalise(LABEL.sub("", c.title)) == key}
    return next(iter(same.values())) if len(same) == 1 else None


def buttons_shown(buttons: Iterable[Any]) -> list[Choice]:
    """The choices of a list of Rasa buttons (those with a payload)."""
    return [
        Choice(str(b.get("title") or ""), str(b.get("payload")))
        for b in buttons
        if isinstance(b, Mapping) and b.get("payload")
    ]


def typed_choice_payload(text: str, events: Iterable[Any]) -> str | None:
    """The payload of the choice a typed message picks among the bot's last turn, if any.

    `events` are the conversation's Rasa events before the message (BotUttered objects
    or their dicts); the turn is the bot messages since the person's last message.
    """
    if not text or text.startswith("/"):
        return None
    turn: list[list[Choice]] = []
    for event in reversed(list(events)):
        kind = getattr(event, "type_name", None) or (
            event.get("event") if isinstance(event, Mapping) else None
        )
        if kind == "user":
            break
        if kind == "bot":
            data = getattr(event, "data", None)
            if data is None and isinstance(event, Mapping):
                data = event.get("data")
            turn.append(buttons_shown((data or {}).get("buttons") or []))
    choices = [choice for message in reversed(turn) for choice in message]
    picked = picked_choice(text, choices)
    return picked.payload if picked is not None else None


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
