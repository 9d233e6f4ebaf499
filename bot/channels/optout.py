"""SMS opt-out: the keywords (data/sms_keywords.yml) and a durable store of who opted out.

A number that sent STOP (ARRET, СТОП, توقف…) gets no message at all until it sends START
(DEMARRER, СТАРТ…). The state lives in SQLite in the data directory, so it survives
restarts and is shared by every Rasa server process on the machine.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from bot.channels.dedup import connect

KEYWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "sms_keywords.yml"

Keyword = Literal["opt_out", "opt_in"]
OPT_OUT: Keyword = "opt_out"
OPT_IN: Keyword = "opt_in"

# Marks that do not change which keyword a person meant: Latin/Greek/Cyrillic accents and
# Arabic vowel marks and hamza seats (after NFKD, أ إ آ are ا + a mark). Bengali or Ethiopic
# vowel signs are letters, not accents: they stay.
_IGNORED_MARKS = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u0640]")
# Letters written two ways on Arabic-script keyboards (Arabic and Persian yeh and kaf).
_FOLD = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a whole message."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = _IGNORED_MARKS.sub("", decomposed)
    folded = unicodedata.normalize("NFC", stripped).casefold().translate(_FOLD)
    # Punctuation and symbols around the word ("Stop.", "¡STOP!", "«arrêt»") do not count.
    start, end = 0, len(folded)
    while start < end and _is_edge_noise(folded[start]):
        start += 1
    while end > start and _is_edge_noise(folded[end - 1]):
        end -= 1
    return _SPACES.sub(" ", folded[start:end])


def _is_edge_noise(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in ("P", "S")


@dataclass(frozen=True)
class Keywords:
    """Opt-out and opt-in keywords of every language, normalized."""

    opt_out: frozenset[str]
    opt_in: frozenset[str]

    @classmethod
    def load(cls, path: str | Path = KEYWORDS_FILE) -> Keywords:
        """Read the keyword file: {opt_out: {lang: [...]}, opt_in: {lang: [...]}}."""
        with Path(path).open(encoding="utf-8") as stream:
            data = yaml.safe_load(stream) or {}
        return cls(
            opt_out=frozenset(_normalized(data.get(OPT_OUT))),
            opt_in=frozenset(_normalized(data.get(OPT_IN))),
        )

    def match(self, message: str) -> Keyword | None:
        """`opt_out` or `opt_in` when the whole message is such a keyword, else None."""
        key = normalize(message)
        if not key:
            return None
        if key in self.opt_out:
            return OPT_OUT
        if key in self.opt_in:
            return OPT_IN
        return None


def _normalized(per_language: object) -> Iterable[str]:
    if not isinstance(per_language, dict):
        raise ValueError("sms keywords: expected a mapping of language code to words")
    for words in per_language.values():
        for word in words or []:
            if not isinstance(word, str):  # YAML reads a bare YES or NO as a boolean
                raise ValueError(f"sms keywords: {word!r} is not text: quote it")
            key = normalize(word)
            if key:
                yield key


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sms_opt_out (
    phone TEXT PRIMARY KEY,
    opted_out INTEGER NOT NULL,
    keyword TEXT,
    changed_at REAL NOT NULL
) WITHOUT ROWID;
"""


class OptOutStore:
    """Which numbers opted out of SMS, durably (SQLite)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    def opt_out(self, phone: str, keyword: str | None = None) -> None:
        """Stop every message to `phone` until it opts in again."""
        self._set(phone, True, keyword)

    def opt_in(self, phone: str, keyword: str | None = None) -> None:
        """Messages to `phone` may be sent again."""
        self._set(phone, False, keyword)

    def is_opted_out(self, phone: str) -> bool:
        """Whether `phone` opted out (and did not opt in since)."""
        with self._lock:
            row = self._db.execute(
                "SELECT opted_out FROM sms_opt_out WHERE phone = ?", (phone,)
            ).fetchone()
        return bool(row and row[0])

    def _set(self, phone: str, opted_out: bool, keyword: str | None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO sms_opt_out (phone, opted_out, keyword, changed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (phone) DO UPDATE SET "
                "opted_out = excluded.opted_out, keyword = excluded.keyword, "
                "changed_at = excluded.changed_at",
                (phone, int(opted_out), keyword, self._clock()),
            )

    async def ais_opted_out(self, phone: str) -> bool:
        """`is_opted_out` in a worker thread."""
        return await asyncio.to_thread(self.is_opted_out, phone)

    async def aopt_out(self, phone: str, keyword: str | None = None) -> None:
        """`opt_out` in a worker thread."""
        await asyncio.to_thread(self.opt_out, phone, keyword)

    async def aopt_in(self, phone: str, keyword: str | None = None) -> None:
        """`opt_in` in a worker thread."""
        await asyncio.to_thread(self.opt_in, phone, keyword)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()
