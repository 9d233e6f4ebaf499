"""SeenStore: once per (channel, id), durable, expiring, safe under concurrency."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.channels.dedup import SeenStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_first_time_once_per_channel_and_id(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "seen.db")
    assert store.first_time("telegram", 1) is True
    assert store.first_time("telegram", 1) is False
    assert store.first_time("telegram", "1") is False  # ids are compared as text
    assert store.first_time("sms", 1) is True  # another channel, another namespace
    assert store.first_time("telegram", 2) is True


def test_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "seen.db"
    store = SeenStore(path)
    assert store.first_time("sms", "SM123")
    store.close()
    assert SeenStore(path).first_time("sms", "SM123") is False


def test_entries_expire(tmp_path: Path) -> None:
    clock = Clock()
    store = SeenStore(tmp_path / "seen.db", ttl_s=60, clock=clock)
    assert store.first_time("telegram", 7)
    clock.now += 59
    assert not store.first_time("telegram", 7)
    clock.now += 61  # the failed attempt did not refresh the entry
    assert store.first_time("telegram", 7)
    assert not store.first_time("telegram", 7)


def test_purge_deletes_expired_rows(tmp_path: Path) -> None:
    clock = Clock()
    store = SeenStore(tmp_path / "seen.db", ttl_s=10, clock=clock)
    for key in range(5):
        store.first_time("telegram", key)
    clock.now += 5
    store.first_time("telegram", "fresh")
    clock.now += 6
    assert store.purge() == 5
    assert not store.first_time("telegram", "fresh")


def test_forget_lets_the_next_delivery_through(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "seen.db")
    assert store.first_time("sms", "SM1")
    store.forget("sms", "SM1")
    assert store.first_time("sms", "SM1")


def test_ttl_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SeenStore(tmp_path / "seen.db", ttl_s=0)


@pytest.mark.asyncio
async def test_concurrent_coroutines_get_one_true(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "seen.db")
    results = await asyncio.gather(*(store.afirst_time("telegram", 42) for _ in range(20)))
    assert results.count(True) == 1


def test_two_stores_on_one_file_and_threads(tmp_path: Path) -> None:
    """Two processes' worth of connections, many threads: each id is new exactly once."""
    stores = [SeenStore(tmp_path / "seen.db"), SeenStore(tmp_path / "seen.db")]
    wins: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        store = stores[index % 2]
        for key in range(50):
            if store.first_time("telegram", key):
                with lock:
                    wins.append(key)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == list(range(50))
