"""The channel pipeline on its own: the durable inbox before the answer, takeover of a dead
server's deliveries, order per person, duplicates, bounded work, draining.

Each test runs on SQLite (one server's file) and on PostgreSQL (the store several servers
share, EMILE_TEST_POSTGRES_URL); two `Pipeline`s on one store are two servers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlalchemy as sa

from bot.channels.inbox import DONE, FAILED, PENDING, Inbox, InboxSettings
from bot.channels.pipeline import InboxUnavailable, Pipeline
from common import sqlstate

# Short leases, so that takeovers happen within a test; long enough that a loaded machine
# (a renewal every third of it) does not lose one.
LEASE_S = 1.5
FAST = InboxSettings(lease_s=LEASE_S, sweep_s=0.05, max_attempts=3)


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
        self.running = False

    def record(self) -> dict[str, Any]:
        return {"person": self.person, "key": self.key, "delay_s": self.delay_s}

    def at_once(self) -> None:
        self.started.append(f"{self.person}:{self.key}")

    async def in_turn(self) -> None:
        self.running = True
        try:
            await asyncio.sleep(self.delay_s)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.log.append(f"{self.person}:{self.key}")


def rebuilder(log: list[str]) -> Callable[[Mapping[str, Any]], Delivery]:
    """What an adapter does on the server that takes a delivery over."""
    return lambda record: Delivery(log, record["person"], record["key"], record["delay_s"])


@pytest.fixture(params=["sqlite", "postgresql"])
def store_path(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Where the servers' inbox lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        monkeypatch.delenv(sqlstate.STATE_URL_ENV, raising=False)
        yield tmp_path / "inbox.db"
        return
    admin_url = os.environ.get("EMILE_TEST_POSTGRES_URL")
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail("EMILE_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        pytest.skip("EMILE_TEST_POSTGRES_URL is not set")
    name = f"emile_inbox_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv(
        sqlstate.STATE_URL_ENV, str(sa.engine.make_url(admin_url).set(database=name))
    )
    yield tmp_path / "unused.db"
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def stores(store_path: Path) -> Iterator[Callable[[], Inbox]]:
    """A new connection to the shared inbox per call (each server has its own)."""
    opened: list[Inbox] = []

    def open_one() -> Inbox:
        opened.append(Inbox(store_path))
        return opened[-1]

    yield open_one
    for inbox in opened:
        inbox.close()


def server(
    stores: Callable[[], Inbox],
    log: list[str],
    settings: InboxSettings = FAST,
    **kw: Any,
) -> Pipeline:
    inbox = stores()
    return Pipeline("test", lambda: inbox, rebuilder(log), inbox_settings=settings, **kw)


async def receive_all(pipeline: Pipeline, deliveries: list[Delivery]) -> list[bool]:
    """As concurrent webhook requests: each takes its turn first, in delivery order."""
    tasks = [asyncio.create_task(pipeline.receive(d)) for d in deliveries]
    return list(await asyncio.gather(*tasks))


def kill(pipeline: Pipeline) -> None:
    """As SIGKILL: everything stops where it is; nothing is marked, nothing released."""
    for task in [*pipeline._tasks, pipeline._sweeper, pipeline._renewer]:
        if task is not None:
            task.cancel()
    pipeline._held.clear()


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met")


@pytest.mark.asyncio
async def test_each_persons_deliveries_run_in_the_order_received(
    stores: Callable[[], Inbox],
) -> None:
    log: list[str] = []
    pipeline = server(stores, log, max_concurrency=4)
    rng = random.Random(12)
    people = [f"p{i}" for i in range(5)]
    sent: dict[str, list[str]] = {p: [] for p in people}
    deliveries = []
    for n in range(60):
        person = rng.choice(people)
        # Earlier deliveries are often slower: order must not follow speed.
        deliveries.append(Delivery(log, person, f"k{n}", delay_s=rng.uniform(0, 0.02)))
        sent[person].append(f"{person}:k{n}")
    assert all(await receive_all(pipeline, deliveries))
    assert await pipeline.drain(30) == 0
    for person in people:
        assert [entry for entry in log if entry.startswith(f"{person}:")] == sent[person]


@pytest.mark.asyncio
async def test_a_duplicate_runs_once_whichever_server_gets_it(
    stores: Callable[[], Inbox],
) -> None:
    log: list[str] = []
    started: list[str] = []
    pipeline = server(stores, log)
    answers = await receive_all(
        pipeline,
        [
            Delivery(log, "alice", "1", delay_s=0.05, started=started),
            Delivery(log, "alice", "1", started=started),  # the provider again
            Delivery(log, "alice", "2", started=started),
        ],
    )
    assert answers == [True, False, True]
    await pipeline.drain(30)
    assert log == ["alice:1", "alice:2"]
    # `at_once` ran for each delivery, in delivery order (it must be harmless twice).
    assert started == ["alice:1", "alice:1", "alice:2"]
    # Durable and shared: another server on the same store knows it.
    other = server(stores, log)
    assert await other.receive(Delivery(log, "alice", "2")) is False
    await other.drain(30)
    assert log == ["alice:1", "alice:2"]


@pytest.mark.asyncio
async def test_written_before_the_answer_and_taken_over_once_its_server_died(
    stores: Callable[[], Inbox],
) -> None:
    """The row is committed when `receive` returns (the webhook's 200); the server dies
    before processing it; another server takes it over after the lease, once."""
    log: list[str] = []
    first = server(stores, log, max_concurrency=1)
    first.start()
    blocker = Delivery(log, "bob", "b1", delay_s=3600)
    waiting = [Delivery(log, "alice", "a1"), Delivery(log, "alice", "a2")]
    # The blocker holds the only slot before the others arrive (received together, a1 could
    # be taken first on a busy machine, and be done before the server dies).
    assert await first.receive(blocker) is True
    await until(lambda: blocker.running)
    assert await receive_all(first, waiting) == [True, True]
    # What the 200 promises: the rows are there, from another connection.
    look = stores()
    assert look.state("test", "a1") == (PENDING, first.claimed_by, 1)
    kill(first)
    await asyncio.sleep(0)

    second = server(stores, log)
    second.start()
    await until(lambda: (look.state("test", "a2") or ("",))[0] == DONE)
    assert log == ["alice:a1", "alice:a2"]  # in order, once
    assert look.state("test", "a2") == (DONE, None, 2)
    # Each finished row keeps only what the duplicate check needs.
    row = look._db.execute("SELECT person, payload FROM inbox WHERE key = 'a1'").fetchone()
    assert tuple(row) == (None, None)
    # The slow one was taken over too (and is running on the second server).
    assert look.state("test", "b1") == (PENDING, second.claimed_by, 2)
    assert await second.drain(0.1) == 1
    assert look.state("test", "b1")[1] == second.claimed_by  # released: claimable at once
    third = server(stores, log, settings=InboxSettings(lease_s=60, sweep_s=60))
    rows, _ = third._inbox().claim("test", claimed_by=third.claimed_by, lease_s=60, max_attempts=3)
    assert [row.key for row in rows] == ["b1"]


@pytest.mark.asyncio
async def test_a_failed_write_is_refused_and_nothing_runs(stores: Callable[[], Inbox]) -> None:
    log: list[str] = []
    inbox = stores()
    broken = {"now": True}

    def open_inbox() -> Inbox:
        if broken["now"]:
            raise sqlite3.OperationalError("disk I/O error")
        return inbox

    pipeline = Pipeline("test", open_inbox, rebuilder(log), inbox_settings=FAST)
    with pytest.raises(InboxUnavailable):
        await pipeline.receive(Delivery(log, "alice", "1"))
    broken["now"] = False
    # The provider delivers it again: taken in now, and the person's queue is not stuck.
    assert await pipeline.receive(Delivery(log, "alice", "1"))
    assert await pipeline.receive(Delivery(log, "alice", "2"))
    await pipeline.drain(30)
    assert log == ["alice:1", "alice:2"]


@pytest.mark.asyncio
async def test_a_slow_turn_keeps_its_lease_and_is_not_taken_over(
    stores: Callable[[], Inbox],
) -> None:
    log: list[str] = []
    slow_server = server(stores, log)
    slow_server.start()
    # Three leases long: without renewal the other server would take it.
    assert await slow_server.receive(Delivery(log, "carol", "slow", delay_s=3 * LEASE_S))
    assert await slow_server.receive(Delivery(log, "carol", "next"))
    other = server(stores, log)
    other.start()
    await slow_server.drain(30)
    await asyncio.sleep(2 * FAST.sweep_s)
    await other.drain(30)
    assert log == ["carol:slow", "carol:next"]


@pytest.mark.asyncio
async def test_a_restarted_server_takes_its_own_rows_back_at_once(
    stores: Callable[[], Inbox],
) -> None:
    log: list[str] = []
    slow = InboxSettings(lease_s=60, sweep_s=0.05, server_name="rasa-1")
    before = server(stores, log, settings=slow)
    assert await before.receive(Delivery(log, "dan", "d1", delay_s=3600))
    kill(before)
    # Another server waits for the lease (a minute)…
    other = server(stores, log, settings=InboxSettings(lease_s=60, sweep_s=0.05))
    assert await other.sweep() == 0
    # …the same server, started again, takes it back without waiting.
    after = server(stores, log, settings=slow)
    rows, _ = after._inbox().claim("test", claimed_by=after.claimed_by, lease_s=60, max_attempts=3)
    assert [row.key for row in rows] == ["d1"]


@pytest.mark.asyncio
async def test_a_delivery_that_keeps_killing_its_server_is_given_up(
    stores: Callable[[], Inbox], caplog: pytest.LogCaptureFixture
) -> None:
    log: list[str] = []
    settings = InboxSettings(lease_s=0.05, sweep_s=3600, max_attempts=2)
    first = server(stores, log, settings=settings)
    assert await first.receive(Delivery(log, "eve", "poison", delay_s=3600))
    kill(first)  # attempt 1
    await asyncio.sleep(0.1)
    second = server(stores, log, settings=settings)
    assert await second.sweep() == 1
    kill(second)  # attempt 2
    await asyncio.sleep(0.1)
    third = server(stores, log, settings=settings)
    with caplog.at_level(logging.ERROR, logger="bot.channels.pipeline"):
        assert await third.sweep() == 0
    assert "delivery poison given up after 2 attempts" in caplog.text
    assert third._inbox().state("test", "poison") == (FAILED, None, 2)
    assert log == []


@pytest.mark.asyncio
async def test_a_turn_already_saved_is_not_run_again(stores: Callable[[], Inbox]) -> None:
    log: list[str] = []
    first = server(stores, log)
    assert await first.receive(Delivery(log, "fay", "saved", delay_s=3600))
    kill(first)
    await asyncio.sleep(LEASE_S + 0.05)

    async def in_the_conversation(delivery: Any) -> bool:
        return bool(delivery.key == "saved")

    second = server(stores, log, processed=in_the_conversation)
    assert await second.sweep() == 1
    await second.drain(30)
    assert log == []
    assert second._inbox().state("test", "saved") == (DONE, None, 2)


@pytest.mark.asyncio
async def test_a_bounded_number_of_turns_run_at_once(stores: Callable[[], Inbox]) -> None:
    running = 0
    most = 0

    class Counting(Delivery):
        async def in_turn(self) -> None:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

    pipeline = server(stores, [], max_concurrency=2)
    await receive_all(pipeline, [Counting([], f"p{n}", None) for n in range(10)])
    await pipeline.drain(30)
    assert most == 2


@pytest.mark.asyncio
async def test_drain_cancels_what_outlives_the_timeout(stores: Callable[[], Inbox]) -> None:
    log: list[str] = []
    pipeline = server(stores, log, drain_timeout_s=0.2)
    stuck = Delivery(log, "bob", "1", delay_s=3600)
    quick = Delivery(log, "carol", "2", delay_s=0.01)
    await receive_all(pipeline, [stuck, quick])
    assert await pipeline.drain() == 1
    assert log == ["carol:2"]
    assert stuck.cancelled
    assert pipeline.pending == 0
