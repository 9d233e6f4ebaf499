"""Several Rasa and action servers on one PostgreSQL (EMILE_STATE_URL) and one Redis.

Each "server" here is its own store object with its own connection, as two processes
would have: what one writes, the other sees; a delivery taken by one is a duplicate for
the other; retention purges the shared tables; "delete my data" leaves no event behind.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.outbox import Outbox
from bot.channels.choices import ChoiceNumbering, ChoiceStore
from bot.channels.dedup import SeenStore
from bot.channels.inbox import Inbox
from bot.channels.optout import OptOutStore
from bot.channels.telegram_payloads import PayloadStore
from bot.lock_store import AtomicRedisLockStore, lock_store_from_env, redis_settings
from bot.retention import purge_channel_stores
from bot.tracker_store import ErasableSQLTrackerStore
from common import sqlstate
from common.settings import AssistantSettings

ROOT = Path(__file__).resolve().parents[2]


def _server_url(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not set: run the tests with `make test`")
        pytest.skip(f"{name} is not set")
    return url


@pytest.fixture
def state_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database, set as EMILE_STATE_URL."""
    admin_url = _server_url("EMILE_TEST_POSTGRES_URL")
    name = f"emile_state_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = str(sa.engine.make_url(admin_url).set(database=name))
    monkeypatch.setenv(sqlstate.STATE_URL_ENV, url)
    yield url
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_the_stores_go_to_postgresql_only_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv(sqlstate.STATE_URL_ENV, raising=False)
    store = SeenStore(tmp_path / "sms.db")
    assert (tmp_path / "sms.db").exists()
    store.close()
    monkeypatch.setenv(sqlstate.STATE_URL_ENV, "sqlite:///x.db")
    with pytest.raises(sqlstate.StateError):
        SeenStore(tmp_path / "other.db")


def test_a_delivery_is_taken_once_whichever_server_gets_it(state_url, tmp_path):
    servers = [SeenStore(tmp_path / f"server{index}.db") for index in range(2)]
    assert not list(tmp_path.iterdir())  # Nothing on the local disk.
    results: list[bool] = []

    def deliver(index: int) -> None:
        for update in range(50):
            results.append(servers[index % 2].first_time("telegram", update))

    threads = [threading.Thread(target=deliver, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 50 updates, each delivered four times to the two servers: each taken once.
    assert results.count(True) == 50
    assert servers[1].first_time("sms", 7) and not servers[0].first_time("sms", 7)
    servers[0].forget("sms", 7)
    assert servers[1].first_time("sms", 7)


def test_an_opt_out_and_choices_seen_by_every_server(state_url, tmp_path):
    first, second = OptOutStore(tmp_path / "a.db"), OptOutStore(tmp_path / "b.db")
    first.opt_out("+33611111111", "STOP")
    assert second.is_opted_out("+33611111111")
    second.opt_in("+33611111111", "START")
    assert not first.is_opted_out("+33611111111")

    numbering = ChoiceNumbering()
    numbering.add([{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}])
    ChoiceStore(tmp_path / "a.db").save("+33622222222", numbering)
    assert ChoiceStore(tmp_path / "b.db").resolve("+33622222222", "2") == "/deny"

    long_payload = '/inform{"territory": "' + "x" * 80 + '"}'
    token = PayloadStore(tmp_path / "a.db").callback_data(long_payload)
    assert token != long_payload
    assert PayloadStore(tmp_path / "b.db").resolve(token) == long_payload


def test_timestamps_keep_their_seconds(state_url, tmp_path):
    # PostgreSQL's REAL has 6 digits: an epoch time would lose minutes.
    SeenStore(tmp_path / "a.db", clock=lambda: 1_790_000_123.25).first_time("sms", "SM1")
    assert rows(state_url, "SELECT seen_at FROM seen") == [(1_790_000_123.25,)]


def test_retention_purges_the_shared_tables(state_url, tmp_path):
    day = 24 * 3600.0
    now = time.time()
    # The recent one first: a store purges what expired by its own clock as it writes.
    SeenStore(tmp_path / "a.db", clock=lambda: now).first_time("sms", "SMnew")
    SeenStore(tmp_path / "a.db", clock=lambda: now - 3 * day).first_time("telegram", 1)
    SeenStore(tmp_path / "a.db", clock=lambda: now - 3 * day).first_time("sms", "SMold")
    OptOutStore(tmp_path / "a.db", clock=lambda: now - 1200 * day).opt_out("+33633333333")
    OptOutStore(tmp_path / "a.db", clock=lambda: now).opt_out("+33644444444")
    Inbox(tmp_path / "a.db", clock=lambda: now).put(
        "sms", "SMin", "+33655555555", {"body": "recent"}, claimed_by="a/1", lease_s=60
    )
    Inbox(tmp_path / "a.db", clock=lambda: now - 3 * day).put(
        "telegram", "7", "1234", {"text": "three days old"}, claimed_by="a/1", lease_s=60
    )
    settings = AssistantSettings(data_dir=tmp_path)

    dry = purge_channel_stores(settings, dry_run=True, now=now)
    assert dry["sms seen"] == 1 and dry["telegram seen"] == 1 and dry["sms sms_opt_out"] == 1
    assert dry["telegram inbox"] == 1 and dry["sms inbox"] == 0
    counts = purge_channel_stores(settings, dry_run=False, now=now)
    assert counts == dry
    assert rows(state_url, "SELECT key FROM seen") == [("SMnew",)]
    assert rows(state_url, "SELECT phone FROM sms_opt_out") == [("+33644444444",)]
    assert rows(state_url, "SELECT channel, key FROM inbox") == [("sms", "SMin")]


@pytest.mark.asyncio
async def test_two_action_servers_never_send_one_application_twice(state_url, tmp_path):
    payload = {"phone": "+33655555555", "answers": {}}
    first, second = Outbox(tmp_path / "a.db"), Outbox(tmp_path / "b.db")
    key = first.enqueue(payload)
    assert second.enqueue(payload, key=key) == key  # The same key: the first row stays.
    assert first.pending_count() == 1

    claims = await asyncio.gather(
        *(asyncio.to_thread(outbox._claim, key, due_only=False) for outbox in (first, second) * 5)
    )
    assert sum(claim is not None for claim in claims) == 1
    assert first.seconds_until_due() is not None

    first._mark_delivered(key, "EM-TEST")
    status = second.status(key)
    assert status is not None and (status.state, status.reference) == ("delivered", "EM-TEST")
    assert rows(state_url, "SELECT payload, phone FROM outbox") == [(None, None)]
    report = second.purge(delivered_days=-1, failing_days=30)
    assert report.delivered == 1 and second.status(key) is None


@pytest.mark.asyncio
async def test_delete_my_data_erases_the_conversation_on_postgresql(state_url):
    domain = Domain.load(str(ROOT / "domain.yml"))
    # endpoints.yml names SQLite; EMILE_STATE_URL wins, as on every server of several.
    servers = [
        ErasableSQLTrackerStore(domain=domain, dialect="sqlite", db="unused.db", retention=False)
        for _ in range(2)
    ]
    assert servers[0].engine.dialect.name == "postgresql"
    said = [
        ActionExecuted("action_listen"),
        UserUttered("my name is Amina", {"name": "inform", "confidence": 1.0}),
        SlotSet("first_name", "Amina"),
    ]
    await servers[0].save(DialogueStateTracker.from_events("amina", said, slots=domain.slots))
    # The next message reaches the other server, which reads the conversation first.
    tracker = await servers[1].retrieve("amina")
    assert tracker is not None and tracker.get_slot("first_name") == "Amina"
    for event in (
        UserUttered("/affirm", {"name": "affirm", "confidence": 1.0}),
        ActionExecuted("action_erase_data"),
        BotUttered("deleted"),
        Restarted(),
    ):
        tracker.update(event)
    await servers[1].save(tracker)
    assert rows(state_url, "SELECT count(*) FROM events WHERE sender_id = 'amina'") == [(0,)]
    assert await servers[0].retrieve("amina") is None


def test_the_lock_store_is_redis_only_when_configured():
    assert type(lock_store_from_env({})).__name__ == "InMemoryLockStore"
    assert redis_settings("redis://:pw@cache:6380/2")["db"] == 2
    with pytest.raises(ValueError):
        redis_settings("http://cache")


def test_two_servers_issue_distinct_tickets_and_the_lock_goes_with_the_last():
    url = _server_url("EMILE_TEST_REDIS_URL")
    servers = [AtomicRedisLockStore(**redis_settings(url)) for _ in range(2)]
    conversation = f"test-{uuid.uuid4().hex}"
    tickets: list[int] = []

    def take(index: int) -> None:
        for _ in range(25):
            tickets.append(servers[index % 2].issue_ticket(conversation, 30))

    threads = [threading.Thread(target=take, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Rasa's read-then-write store hands out the same number twice under this load.
    assert sorted(tickets) == list(range(100))
    key = servers[0].key_prefix + conversation
    assert 0 < servers[0].red.pttl(key) <= 30_000  # Gone with its tickets if a server dies.
    for ticket in tickets:
        servers[ticket % 2].cleanup(conversation, ticket)
    assert servers[0].get_lock(conversation) is None


@pytest.mark.asyncio
async def test_a_message_behind_another_server_waits_for_it_not_a_second(monkeypatch):
    """The lock is looked at every 50 ms, not Rasa's 1 s: a quick answer is not held back."""
    import rasa.core.lock_store as rasa_lock_store

    url = _server_url("EMILE_TEST_REDIS_URL")
    first, second = (AtomicRedisLockStore(**redis_settings(url)) for _ in range(2))
    conversation = f"test-{uuid.uuid4().hex}"
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(seconds)

    monkeypatch.setattr(rasa_lock_store.asyncio, "sleep", sleep)
    order: list[str] = []

    async def turn(store: AtomicRedisLockStore, name: str, hold_s: float) -> None:
        async with store.lock(conversation):
            order.append(f"{name} starts")
            await real_sleep(hold_s)
            order.append(f"{name} ends")

    holder = asyncio.create_task(turn(first, "first", 0.2))
    await real_sleep(0.02)
    await turn(second, "second", 0)
    await holder
    assert order == ["first starts", "first ends", "second starts", "second ends"]
    assert waits and set(waits) == {0.05}
    assert second.get_lock(conversation) is None
