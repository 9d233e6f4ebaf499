"""A typed reply that picks one of the choices the bot just showed, on any channel.

"3" picks the third choice, or the one shown as "3. …"; a reply that repeats a choice's
title picks it too. Choices whose titles are numbers that are not their positions ("None",
"1", "2"… for a number of children) are labelled with letters, as the SMS channel does
(bot/channels/choices.py): there a typed number is the number itself.

Used by the Rasa server for every message (bot/typed_choices.py: a typed choice is read as
the button's payload, as if tapped) and by the action server's forms (actions/answers.py).
Standard library only.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from common.text import ascii_digits, normalise

_PAYLOAD: Final = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?$", re.S)
LABEL: Final = re.compile(r"^\s*(?P<label>\d{1,2}|[A-Za-z])\s*[.)]\s+")
_CHOICE_REPLY: Final = re.compile(r"^\s*[#(]?\s*(?P<label>\d{1,2}|[A-Za-z])\s*[.)]?\s*$")
_LEADING_NUMBER: Final = re.compile(r"^\s*(\d+)")


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
    same = {c.payload: c for c in choices if key and _title_key(c.title) == key}
    return next(iter(same.values())) if len(same) == 1 else None


@functools.lru_cache(maxsize=4096)
def _title_key(title: str) -> str:
    """A choice's title as a reply is compared with it (titles recur: remembered)."""
    return normalise(LABEL.sub("", title))


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
