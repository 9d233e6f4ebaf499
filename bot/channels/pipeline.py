"""The path every provider delivery takes once its adapter has verified and parsed it.

verified delivery → its person's turn taken and its `at_once` work started (synchronously,
in delivery order, before anything is awaited) → the webhook answers the provider at once →
durable duplicate check → the delivery's work in the person's turn, at most
`max_concurrency` turns at a time → drained, with a timeout, when the server stops.

Why background tasks rather than work inside the webhook request: the providers wait for the
webhook's answer and deliver again when it is slow (Telegram re-posts, Twilio retries), and a
Rasa turn with actions and API calls can take seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from bot.channels.dedup import SeenStore
from bot.channels.turns import Turn, Turns

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_MAX_CONCURRENCY = 32
DEFAULT_DRAIN_TIMEOUT_S = 10.0


class Delivery(Protocol):
    """One verified, parsed provider delivery, as a channel adapter hands it to the core."""

    @property
    def person(self) -> str:
        """Whose queue the delivery waits in (chat id, phone number)."""

    @property
    def key(self) -> str | None:
        """The provider's id of the delivery (update_id, MessageSid); None: not checked."""

    def at_once(self) -> None:
        """Start what must not wait behind the person's queue (it may create tasks).

        Called in delivery order before the duplicate check: it must be harmless for a
        second delivery of the same thing."""

    async def in_turn(self) -> None:
        """The delivery's work, in the person's turn (Rasa, the replies)."""


class Pipeline:
    """Turns, duplicate check, bounded concurrency and draining, for one channel."""

    def __init__(
        self,
        channel: str,
        seen: Callable[[], SeenStore],
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        drain_timeout_s: float = DEFAULT_DRAIN_TIMEOUT_S,
    ) -> None:
        self.channel = channel
        # A callable: the store is opened on the first delivery, not when the channel is built.
        self._seen = seen
        self.drain_timeout_s = drain_timeout_s
        self.turns = Turns(max_concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()

    def submit(self, delivery: Delivery) -> None:
        """Take the delivery in; call it without awaiting anything before (order per person)."""
        turn = self.turns.take(delivery.person)
        try:
            delivery.at_once()
        except Exception:
            logger.exception("%s: delivery %s could not be started", self.channel, delivery.key)
        self.spawn(self._run(delivery, turn))

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run `work` in the background; drained at shutdown."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, delivery: Delivery, turn: Turn) -> None:
        try:
            if delivery.key is not None and not await self._seen().afirst_time(
                self.channel, delivery.key
            ):
                logger.info("%s: delivery %s already taken in; ignored", self.channel, delivery.key)
                turn.skip()
                return
        except Exception:
            turn.skip()
            logger.exception("%s: delivery %s could not be checked", self.channel, delivery.key)
            return
        try:
            async with turn.running():
                await delivery.in_turn()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: delivery %s could not be processed", self.channel, delivery.key)

    @property
    def pending(self) -> int:
        """Deliveries taken in and not finished."""
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> int:
        """Wait for the deliveries in progress, at most `timeout` seconds (default: the
        setting), then cancel the rest; how many were cancelled."""
        limit = self.drain_timeout_s if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        # A delivery may spawn more work (a Telegram echo): wait until none is left.
        while self._tasks:
            left = deadline - loop.time()
            if left <= 0:
                break
            await asyncio.wait(set(self._tasks), timeout=left)
        cancelled = list(self._tasks)
        for task in cancelled:
            task.cancel()
        if cancelled:
            await asyncio.gather(*cancelled, return_exceptions=True)
            logger.warning(
                "%s: %d deliveries cancelled at shutdown (after %.1f s)",
                self.channel,
                len(cancelled),
                limit,
            )
        return len(cancelled)
