"""Choices as numbered lines, for channels without buttons (SMS), and the replies that pick them.

The bot's buttons become lines `1. Yes` / `2. No`; the payloads (`/affirm`,
`/inform{"…"}`) are kept per sender, durably, and never shown. A reply `2`, `2.`, ` 2 `,
`2)` or `٢` is then the second choice; a reply that repeats a choice's title ("Yes") picks
it too. Anything else is ordinary text for NLU.

When the titles themselves start with numbers that are not their position ("None", "1",
"2"… for a number of children), numbered lines would be ambiguous: a person who means two
children writes "2". Those choices get letters (`A. None`, `B. 1`…) and a reply that is a
number goes to NLU as the number it is.

Choices are numbered across one bot turn (two sessions each with a "Book" button are `1.`
and `2.`); a new turn replaces them, and a turn without choices clears them, so that a
stale "2" never answers a question that had no choices.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.dedup import connect

DEFAULT_TTL_S = 7 * 24 * 3600.0
_LEADING_NUMBER = re.compile(r"\s*(\d+)")
# `2`, `2.`, `2)`, `(2)`, `#2`, ` 2 `; digits of any script (Arabic-Indic ٢, Persian ۲…).
_NUMBER_REPLY = re.compile(r"\s*[#(]?\s*(\d{1,3})\s*[.)]?\s*")
_LETTER_REPLY = re.compile(r"\s*\(?\s*([A-Za-z])\s*[.)]?\s*")
_SPACES = re.compile(r"\s+")


def _title_key(text: str) -> str:
    """A title or reply without case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (
        " " if unicodedata.category(c)[0] in "PSZ" else c
        for c in decomposed
        if not unicodedata.combining(c) and c not in "'’"
    )
    bare = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return _SPACES.sub(" ", bare).strip()


@dataclass
class ChoiceNumbering:
    """Labels given to the choices of one bot turn, in order, and their payloads."""

    payloads: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    _next_number: int = 1
    _next_letter: int = 0

    def add(self, buttons: Iterable[Mapping[str, Any]]) -> list[str]:
        """The lines for one message's buttons (`1. Yes`), remembering their payloads."""
        usable = [
            b for b in buttons if isinstance(b, Mapping) and str(b.get("title") or "").strip()
        ]
        if not usable:
            return []
        titles = [str(b["title"]).strip() for b in usable]
        use_letters = any(
            (match := _LEADING_NUMBER.match(title)) is not None
            and int(match.group(1)) != self._next_number + index
            for index, title in enumerate(titles)
        )
        lines: list[str] = []
        for button, title in zip(usable, titles, strict=True):
            if use_letters and self._next_letter < 26:
                label = string.ascii_uppercase[self._next_letter]
                self._next_letter += 1
            else:
                label = str(self._next_number)
                self._next_number += 1
            url = button.get("url")
            payload = button.get("payload")
            if isinstance(payload, str) and payload:
                self.payloads[label] = payload
                self.titles[label] = title
                lines.append(f"{label}. {title}")
            elif isinstance(url, str) and url:
                lines.append(f"{title}: {url}")  # a link is shown, not chosen
            else:
                self.payloads[label] = title
                self.titles[label] = title
                lines.append(f"{label}. {title}")
        return lines


def render(text: str, lines: list[str]) -> str:
    """A message's text with its choice lines under it."""
    parts = [part for part in (text.strip(), "\n".join(lines)) if part]
    return "\n".join(parts)


def pick(reply: str, payloads: Mapping[str, str], titles: Mapping[str, str]) -> str | None:
    """The payload a reply picks among the remembered choices, or None (ordinary text)."""
    if not payloads:
        return None
    number = _NUMBER_REPLY.fullmatch(reply)
    if number is not None:
        label = str(int(number.group(1)))
        if label in payloads:
            return payloads[label]
    letter = _LETTER_REPLY.fullmatch(reply)
    if letter is not None and letter.group(1).upper() in payloads:
        return payloads[letter.group(1).upper()]
    # A number that is no label ("2" children when choices are lettered) or a title.
    key = _title_key(reply)
    if key:
        found = {payloads[label] for label, title in titles.items() if _title_key(title) == key}
        if len(found) == 1:
            return found.pop()
    return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sms_choices (
    sender TEXT PRIMARY KEY,
    choices TEXT NOT NULL,
    updated_at REAL NOT NULL
) WITHOUT ROWID;
"""


class ChoiceStore:
    """The last bot turn's choices per sender, durably (SQLite), for `ttl_s` seconds."""

    def __init__(
        self,
        path: str | Path,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    def save(self, sender: str, numbering: ChoiceNumbering) -> None:
        """Replace the sender's choices (no choices: forget them)."""
        with self._lock:
            if not numbering.payloads:
                self._db.execute("DELETE FROM sms_choices WHERE sender = ?", (sender,))
                return
            data = json.dumps({"payloads": numbering.payloads, "titles": numbering.titles})
            now = self._clock()
            self._db.execute(
                "INSERT INTO sms_choices (sender, choices, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (sender) DO UPDATE SET choices = excluded.choices, "
                "updated_at = excluded.updated_at",
                (sender, data, now),
            )
            self._db.execute("DELETE FROM sms_choices WHERE updated_at < ?", (now - self.ttl_s,))

    def resolve(self, sender: str, reply: str) -> str | None:
        """The payload the reply picks among the sender's last choices, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT choices, updated_at FROM sms_choices WHERE sender = ?", (sender,)
            ).fetchone()
        if row is None or row[1] < self._clock() - self.ttl_s:
            return None
        try:
            data = json.loads(row[0])
            payloads, titles = dict(data["payloads"]), dict(data["titles"])
        except (ValueError, KeyError, TypeError):
            return None
        return pick(reply, payloads, titles)

    def forget(self, sender: str) -> None:
        """Drop the sender's choices."""
        with self._lock:
            self._db.execute("DELETE FROM sms_choices WHERE sender = ?", (sender,))

    async def asave(self, sender: str, numbering: ChoiceNumbering) -> None:
        """`save` in a worker thread."""
        await asyncio.to_thread(self.save, sender, numbering)

    async def aresolve(self, sender: str, reply: str) -> str | None:
        """`resolve` in a worker thread."""
        return await asyncio.to_thread(self.resolve, sender, reply)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()
