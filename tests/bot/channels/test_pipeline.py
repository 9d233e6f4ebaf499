"""The channel pipeline on its own: order per person, duplicates, bounded work, draining."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.dedup import SeenStore
from bot.channels.pipeline import Pipeline


class Delivery:
    """A delivery whose work takes `delay_s` and records when it ran."""

    def __init__(
        self,
        log: list[str],
        person: str,
        key: str | None,
        delay_s: float = 0.0,
        started: list[str] | None = None,
    ) -> None:
        self.log = log
        self.person = person
        self.key = key
        self.delay_s = delay_s
        self.started = started if started is not None else []
        self.cancelled = False

    def at_once(self) -> None:
        self.started.append(f"{self.person}:{self.key}")

    async def in_turn(self) -> None:
        try:
            await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.log.append(f"{self.person}:{self.key}")


@pytest.fixture
def seen(tmp_path: Path) -> Iterator[SeenStore]:
    store = SeenStore(tmp_path / "seen.db")
    yield store
    store.close()


@pytest.mark.asyncio
async def test_each_persons_deliveries_run_in_the_order_submitted(seen: SeenStore) -> None:
    pipeline = Pipeline("test", lambda: seen, max_concurrency=4)
    log: list[str] = []
    rng = random.Random(12)
    people = [f"p{i}" for i in range(5)]
    sent: dict[str, list[str]] = {p: [] for p in people}
    for n in range(60):
        person = rng.choice(people)
        # Earlier deliveries are often slower: order must not follow speed.
        pipeline.submit(Delivery(log, person, f"k{n}", delay_s=rng.uniform(0, 0.02)))
        sent[person].append(f"{person}:k{n}")
    assert await pipeline.drain(30) == 0
    for person in people:
        assert [entry for entry in log if entry.startswith(f"{person}:")] == sent[person]


@pytest.mark.asyncio
async def test_a_duplicate_runs_once_and_does_not_break_the_order(seen: SeenStore) -> None:
    pipeline = Pipeline("test", lambda: seen)
    log: list[str] = []
    started: list[str] = []
    pipeline.submit(Delivery(log, "alice", "1", delay_s=0.05, started=started))
    pipeline.submit(Delivery(log, "alice", "1", started=started))  # the provider again
    pipeline.submit(Delivery(log, "alice", "2", started=started))
    await pipeline.drain(30)
    assert log == ["alice:1", "alice:2"]
    # `at_once` ran for each delivery, in delivery order (it must be harmless twice).
    assert started == ["alice:1", "alice:1", "alice:2"]
    # Durable: a new pipeline on the same store still knows it.
    again = Pipeline("test", lambda: seen)
    again.submit(Delivery(log, "alice", "2"))
    await again.drain(30)
    assert log == ["alice:1", "alice:2"]


@pytest.mark.asyncio
async def test_a_bounded_number_of_turns_run_at_once(seen: SeenStore) -> None:
    pipeline = Pipeline("test", lambda: seen, max_concurrency=2)
    running = 0
    most = 0

    class Counting(Delivery):
        async def in_turn(self) -> None:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

    for n in range(10):
        pipeline.submit(Counting([], f"p{n}", None))
    await pipeline.drain(30)
    assert most == 2


@pytest.mark.asyncio
async def test_drain_cancels_what_outlives_the_timeout(seen: SeenStore) -> None:
    pipeline = Pipeline("test", lambda: seen, drain_timeout_s=0.2)
    log: list[str] = []
    stuck = Delivery(log, "bob", "1", delay_s=3600)
    quick = Delivery(log, "carol", "2", delay_s=0.01)
    pipeline.submit(stuck)
    pipeline.submit(quick)
    assert await pipeline.drain() == 1
    assert log == ["carol:2"]
    assert stuck.cancelled
    assert pipeline.pending == 0
