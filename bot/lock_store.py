# mypy: disallow-subclassing-any=False
"""Rasa's lock store, chosen by the environment: in memory (one server) or Redis (several).

endpoints.yml names `bot.lock_store.ConfiguredLockStore`. Without EMILE_REDIS_URL it is
Rasa's `InMemoryLockStore`, as before: one Rasa server. With
EMILE_REDIS_URL=redis://host:port/db it is Rasa's `RedisLockStore`, so that one
conversation's messages are processed one at a time whichever server each reaches
(docs/scaling.md).

`AtomicRedisLockStore` changes one thing in Rasa's: every change to a lock (issue a
ticket, finish serving, drop expired tickets) is one Redis transaction (WATCH/MULTI)
instead of a read followed by a write. Rasa's read-then-write lets two servers that take
messages of the same conversation at the same moment both read the lock, both issue the
same ticket number and both process at once, or lose a ticket (the message then fails
with a LockError). The key also expires with its last ticket, so a server killed while
holding a lock leaves nothing behind for longer than TICKET_LOCK_LIFETIME (60 s default).

And one more: a message that finds its conversation busy looks at the lock again after
`WAIT_BETWEEN_LOOKS_S` (50 ms), not Rasa's 1 s. Behind a balancer a person's next message
often reaches the other server while the first is still saving the previous turn (the
replies are already sent, so a quick tap comes in a few ms later): Rasa's wait added a
second to that answer (scripts/bench_servers.py, SMS through two servers).
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urlparse

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "EMILE_REDIS_URL"
KEY_PREFIX = "emile"
# Between two looks at a busy conversation's lock (Rasa: 1 s); a look is one Redis GET and
# one transaction.
WAIT_BETWEEN_LOOKS_S: Final = 0.05
T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose lock changes are Redis transactions."""

    def _change(
        self,
        conversation_id: str,
        change: Callable[[TicketLock | None], tuple[TicketLock | None, T]],
    ) -> T:
        """Apply `change` to the stored lock atomically; it returns (lock to write, result)."""
        import redis

        key = self.key_prefix + conversation_id
        while True:
            with self.red.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    written, result = change(lock)
                    pipe.multi()
                    if written is not None and written.tickets:
                        # Gone with its last ticket: a killed server leaves nothing behind.
                        expires = max(ticket.expires for ticket in written.tickets)
                        ttl_ms = max(1, math.ceil((expires - time.time()) * 1000))
                        pipe.set(key, written.dumps(), px=ttl_ms)
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # Another server changed it meanwhile: read it again.

    def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_BETWEEN_LOOKS_S,
    ) -> AbstractAsyncContextManager[TicketLock]:
        """Rasa's lock, looked at again every `wait_time_in_seconds` while busy."""
        cm: AbstractAsyncContextManager[TicketLock] = super().lock(
            conversation_id, lock_lifetime, wait_time_in_seconds
        )
        return cm

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket of the conversation's lock (made if missing)."""

        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._change(conversation_id, issue)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the lock's expired tickets."""

        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove a served ticket (and the lock with the last one)."""

        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove a served ticket; the lock goes with its last ticket, in the same step."""
        self.finish_serving(conversation_id, ticket_number)


def redis_settings(url: str) -> dict[str, Any]:
    """`RedisLockStore` arguments from a redis:// (or rediss://) URL."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError(f"{REDIS_URL_ENV} must be a redis:// URL, not {parsed.scheme}://")
    path = parsed.path.strip("/")
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or 6379,
        "db": int(path) if path else 0,
        "username": unquote(parsed.username) if parsed.username else None,
        "password": unquote(parsed.password) if parsed.password else None,
        "use_ssl": parsed.scheme == "rediss",
        "key_prefix": KEY_PREFIX,
    }


def lock_store_from_env(environ: Mapping[str, str] | None = None) -> LockStore:
    """Redis when EMILE_REDIS_URL is set, else in memory."""
    env = os.environ if environ is None else environ
    url = env.get(REDIS_URL_ENV, "").strip()
    if not url:
        return InMemoryLockStore()
    settings = redis_settings(url)
    store = AtomicRedisLockStore(**settings)
    store.red.ping()  # Fail at start-up, not at the first message.
    logger.info("Lock store: Redis at %s:%s", settings["host"], settings["port"])
    return store


class ConfiguredLockStore(LockStore):
    """What endpoints.yml names: the lock store `lock_store_from_env` chooses."""

    def __new__(cls, endpoint_config: Any = None) -> Any:
        return lock_store_from_env()
