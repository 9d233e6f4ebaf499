"""The path every provider delivery takes once its adapter has verified and parsed it.

verified delivery → its person's turn taken and its `at_once` work started (synchronously,
in delivery order, before anything is awaited) → written to the durable inbox, which is also
the duplicate check (bot/channels/inbox.py) → the webhook answers the provider (a 5xx when
the write failed, so that the provider delivers again) → the delivery's work in the person's
turn, at most `max_concurrency` turns at a time, its inbox lease renewed meanwhile → the row
marked done → drained, with a timeout, when the server stops.

A sweeper (started and stopped with the server, bot/channels/lifecycle.py) takes over the
rows whose lease ran out because their server died, rebuilds them through the adapter and
processes them the same way, oldest first.

Why background tasks rather than work inside the webhook request: the providers wait for the
webhook's answer and deliver again when it is slow (Telegram re-posts, Twilio retries), and a
Rasa turn with actions and API calls can take seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol, TypeVar

from bot.channels.inbox import DONE, FAILED, Inbox, InboxSettings, claimant
from bot.channels.turns import Turn, Turns

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_MAX_CONCURRENCY = 32
DEFAULT_DRAIN_TIMEOUT_S = 10.0
# Tries at marking a row done before giving up (it would be taken over, and run again).
FINISH_TRIES = 5


class InboxUnavailable(RuntimeError):
    """The delivery could not be written down: the webhook must answer with an error."""


class Delivery(Protocol):
    """One verified, parsed provider delivery, as a channel adapter hands it to the core."""

    @property
    def person(self) -> str:
        """Whose queue the delivery waits in (chat id, phone number)."""

    @property
    def key(self) -> str | None:
        """The provider's id of the delivery (update_id, MessageSid); None: none given."""

    def record(self) -> dict[str, Any]:
        """What the adapter needs to rebuild the delivery on another server (JSON)."""

    def at_once(self) -> None:
        """Start what must not wait behind the person's queue (it may create tasks).

        Called in delivery order before the duplicate check: it must be harmless for a
        second delivery of the same thing."""

    async def in_turn(self) -> None:
        """The delivery's work, in the person's turn (Rasa, the replies)."""


# The adapter's way back from a stored record to a delivery (None: cannot be rebuilt).
Rebuild = Callable[[Mapping[str, Any]], Delivery | None]
# Whether the conversation already holds a delivery (a takeover after its turn was saved).
Processed = Callable[[Delivery], Awaitable[bool]]


async def _never(_delivery: Delivery) -> bool:
    return False


class Pipeline:
    """Inbox, turns, bounded concurrency, takeover and draining, for one channel."""

    def __init__(
        self,
        channel: str,
        inbox: Callable[[], Inbox],
        rebuild: Rebuild,
        *,
        inbox_settings: InboxSettings | None = None,
        processed: Processed = _never,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        drain_timeout_s: float = DEFAULT_DRAIN_TIMEOUT_S,
    ) -> None:
        self.channel = channel
        # A callable: the store is opened on the first delivery, not when the channel is built.
        self._inbox = inbox
        self.rebuild = rebuild
        self.settings = inbox_settings or InboxSettings()
        self.processed = processed
        self.drain_timeout_s = drain_timeout_s
        self.turns = Turns(max_concurrency)
        self.claimed_by = claimant(self.settings.server_name)
        self._tasks: set[asyncio.Task[Any]] = set()
        # Rows this process holds (written or claimed, not finished): their leases are renewed.
        self._held: set[str] = set()
        # Rows whose lease another server took (this process stalled): not processed here.
        self._lost: set[str] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None

    # -- taking a delivery in

    async def receive(self, delivery: Delivery) -> bool:
        """Take a delivery in: True when new, False for a duplicate; InboxUnavailable when
        it could not be written (answer the provider with an error). Call it before
        awaiting anything else in the webhook: the person's turn is taken synchronously."""
        turn = self.turns.take(delivery.person)
        self._start(delivery)
        key = delivery.key or f"local-{uuid.uuid4().hex}"
        try:
            inbox = self._inbox()
            fresh = await asyncio.to_thread(
                inbox.put,
                self.channel,
                key,
                delivery.person,
                delivery.record(),
                claimed_by=self.claimed_by,
                lease_s=self.settings.lease_s,
            )
        except Exception as error:
            turn.skip()
            logger.exception("%s: delivery %s could not be written down", self.channel, key)
            raise InboxUnavailable(str(error)) from error
        if not fresh:
            turn.skip()
            logger.info("%s: delivery %s already taken in; ignored", self.channel, key)
            return False
        # Held (its lease renewed) from now on; not before: a duplicate of a delivery this
        # server is processing must not drop the original's key.
        self._held.add(key)
        self.spawn(self._run(delivery, turn, key, takeover=False))
        return True

    def _start(self, delivery: Delivery) -> None:
        try:
            delivery.at_once()
        except Exception:
            logger.exception("%s: delivery %s could not be started", self.channel, delivery.key)

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run `work` in the background; drained at shutdown."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, delivery: Delivery, turn: Turn, key: str, *, takeover: bool) -> None:
        state = DONE
        try:
            async with turn.running():
                if key in self._lost:
                    logger.warning("%s: delivery %s taken over elsewhere", self.channel, key)
                    return
                if takeover and await self.processed(delivery):
                    # Its turn was saved before its server died: not run twice (its answers
                    # may not all have gone out).
                    logger.warning("%s: delivery %s was already processed", self.channel, key)
                else:
                    await delivery.in_turn()
        except asyncio.CancelledError:
            # Stopping: the row stays pending, released for another server (`drain`).
            raise
        except Exception:
            state = FAILED
            logger.exception("%s: delivery %s could not be processed", self.channel, key)
        if key not in self._lost:
            await self._finish(key, state)
        self._held.discard(key)
        self._lost.discard(key)

    async def _finish(self, key: str, state: str) -> None:
        for attempt in range(FINISH_TRIES):
            try:
                await asyncio.to_thread(
                    self._inbox().finish, self.channel, key, claimed_by=self.claimed_by, state=state
                )
                return
            except Exception:
                logger.exception("%s: delivery %s could not be marked done", self.channel, key)
                await asyncio.sleep(0.5 * 2**attempt)

    # -- leases and takeover

    def start(self) -> None:
        """Start renewing this server's leases and sweeping for rows of dead servers."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_loop())
        if self._renewer is None:
            self._renewer = asyncio.get_running_loop().create_task(self._renew_loop())

    async def _renew_loop(self) -> None:
        # A third of the lease: two renewals may be late before another server takes over.
        while True:
            await asyncio.sleep(self.settings.lease_s / 3)
            await self.renew()

    async def renew(self) -> None:
        """Extend the leases of the rows this process holds; note the ones it lost."""
        keys = set(self._held)
        if not keys:
            return
        try:
            held = await asyncio.to_thread(
                self._inbox().renew,
                self.channel,
                keys,
                claimed_by=self.claimed_by,
                lease_s=self.settings.lease_s,
            )
        except Exception:
            logger.exception("%s: leases could not be renewed", self.channel)
            return
        # Finished meanwhile, or taken by another server (then not to be processed here).
        lost = (keys - held) & self._held
        if lost:
            logger.warning("%s: %d leases lost to another server", self.channel, len(lost))
            self._lost |= lost

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                logger.exception("%s: the inbox sweep failed", self.channel)
            await asyncio.sleep(self.settings.sweep_s)

    async def sweep(self) -> int:
        """Claim and start the rows whose server died (or this server's earlier life's)."""
        rows, given_up = await asyncio.to_thread(
            self._inbox().claim,
            self.channel,
            claimed_by=self.claimed_by,
            lease_s=self.settings.lease_s,
            max_attempts=self.settings.max_attempts,
        )
        for key in given_up:
            logger.error(
                "%s: delivery %s given up after %d attempts",
                self.channel,
                key,
                self.settings.max_attempts,
            )
        # Oldest first: each person's turns are taken in the order they arrived.
        for row in rows:
            self._held.add(row.key)
            try:
                delivery = self.rebuild(row.record)
            except Exception:
                logger.exception("%s: delivery %s could not be rebuilt", self.channel, row.key)
                delivery = None
            if delivery is None:
                self._held.discard(row.key)
                await self._finish(row.key, FAILED)
                continue
            logger.info(
                "%s: delivery %s taken over (attempt %d)", self.channel, row.key, row.attempts
            )
            turn = self.turns.take(delivery.person)
            self._start(delivery)
            self.spawn(self._run(delivery, turn, row.key, takeover=True))
        return len(rows)

    # -- stopping

    @property
    def pending(self) -> int:
        """Deliveries taken in and not finished."""
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> int:
        """Stop sweeping; wait for the deliveries in progress, at most `timeout` seconds
        (default: the setting), then cancel the rest and release their rows to the other
        servers; how many were cancelled."""
        # No new takeovers; the leases of what is still running stay renewed until the end.
        await _cancel(self._sweeper)
        self._sweeper = None
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
        await _cancel(self._renewer)
        self._renewer = None
        if self._held:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(
                    self._inbox().release, self.channel, set(self._held), claimed_by=self.claimed_by
                )
            self._held.clear()
        return len(cancelled)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
