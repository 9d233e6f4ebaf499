"""One person's messages handled one at a time, in the order they arrived, on every channel.

A channel takes a person's turn (`Turns.take`) in its webhook, synchronously, before it
awaits anything: whatever it awaits afterwards (a duplicate check in a thread, an opt-out
look-up), the person's next message waits behind this one. Everyone's turns together are
bounded by `max_concurrency`, so a burst cannot start more Rasa turns than the server can
carry.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Turns:
    """Per-person first-come-first-served turns, and a bound on turns running at once."""

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency
        # Person -> the ticket of the turn now running or last taken (the queue's tail).
        self._tails: dict[str, asyncio.Future[None]] = {}
        self._semaphore: asyncio.Semaphore | None = None

    def take(self, person: str) -> "Turn":
        """A place in `person`'s queue, behind every turn taken before; call it unawaited."""
        before = self._tails.get(person)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[person] = done
        return Turn(self, person, before, done)

    @property
    def waiting(self) -> int:
        """People with a turn running or waiting."""
        return len(self._tails)

    def _semaphore_now(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        return self._semaphore

    def _finished(self, person: str, done: asyncio.Future[None]) -> None:
        if not done.done():
            done.set_result(None)
        if self._tails.get(person) is done:
            del self._tails[person]


class Turn:
    """One message's place in its person's queue (see `Turns.take`)."""

    def __init__(
        self,
        turns: Turns,
        person: str,
        before: "asyncio.Future[None] | None",
        done: "asyncio.Future[None]",
    ) -> None:
        self._turns = turns
        self._person = person
        self._before = before
        self._done = done

    def skip(self) -> None:
        """Give the place up without running: the next turn still waits for the earlier ones."""
        if self._before is None or self._before.done():
            self._turns._finished(self._person, self._done)
        else:
            self._before.add_done_callback(
                lambda _: self._turns._finished(self._person, self._done)
            )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Wait for the person's earlier messages, then for a free slot; run; let the next go."""
        try:
            if self._before is not None:
                # shield: this turn being cancelled must not cancel the ticket of the one before.
                await asyncio.shield(self._before)
            async with self._turns._semaphore_now():
                yield
        finally:
            self._turns._finished(self._person, self._done)
