"""Button payloads too long for Telegram's `callback_data` (64 bytes), behind durable tokens."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from pathlib import Path
from typing import Final

from bot.channels.dedup import connect

MAX_CALLBACK_DATA: Final = 64
# callback_data that stands for a stored payload starts with this (payloads never do:
# a payload that happens to is stored too).
TOKEN_PREFIX: Final = "~"
# How often a long payload's row is marked as shown again (it is kept while in use).
PAYLOAD_REFRESH_S = 3600.0


class PayloadStore:
    """Button payloads too long for `callback_data`, behind short durable tokens.

    A token is a hash of the payload, so the same payload always gets the same token and a
    row is written once (old buttons keep working after a restart); `created_at` is the last
    time it was shown (refreshed hourly), and bot/retention.py deletes rows not shown for
    EMILE_TELEGRAM_KEYBOARD_DAYS.
    """

    def __init__(self, path: str | Path) -> None:
        self._db = connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS telegram_payloads ("
            " token TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL"
            ") WITHOUT ROWID"
        )
        self._lock = threading.Lock()
        # Token -> when this process last wrote it.
        self._known: dict[str, float] = {}

    @staticmethod
    def token_for(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:18]
        return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

    def callback_data(self, payload: str) -> str:
        """What goes in `callback_data` for a payload: itself if it fits, else a token."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(
            TOKEN_PREFIX
        ):
            return payload
        token = self.token_for(payload)
        now = time.time()
        if now - self._known.get(token, 0.0) > PAYLOAD_REFRESH_S:
            with self._lock:
                # Written again if the retention purge deleted it meanwhile.
                self._db.execute(
                    "INSERT INTO telegram_payloads (token, payload, created_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (token) DO UPDATE SET "
                    "created_at = excluded.created_at",
                    (token, payload, now),
                )
                self._known[token] = now
        return token

    def resolve(self, data: str) -> str | None:
        """The payload for `callback_data`; None for a token this store does not know."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        with self._lock:
            row = self._db.execute(
                "SELECT payload FROM telegram_payloads WHERE token = ?", (data,)
            ).fetchone()
        return str(row[0]) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()
