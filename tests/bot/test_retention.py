"""Conversations and the channels' stores are purged after their retention periods, by the
command and by the running Rasa server, on SQLite and PostgreSQL, down to the file bytes."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.choices import ChoiceNumbering, ChoiceStore
from bot.channels.dedup import SeenStore
from bot.channels.inbox import Inbox
from bot.channels.optout import OptOutStore
from bot.channels.telegram_payloads import PayloadStore
from bot.retention import purge, scrub
from bot.tracker_store import ErasableSQLTrackerStore
from common.settings import DAY_S, AssistantSettings, SettingsError, load_assistant_settings

ROOT = Path(__file__).resolve().parents[2]
NOW = time.time()
# What people typed: found in the files before the purge, never after.
OLD_TEXT = "Je dors chez Wilhelmina Quetzalcoatl"
OLD_APPLICANT_TEXT = "Mon nom est Zorobabelle Ouagadougou"


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def settings(data_dir: Path, **changes) -> AssistantSettings:
    return AssistantSettings(data_dir=data_dir, **changes)


def said(text: str, days_ago: float, applied: bool = False) -> list:
    """A turn of a conversation `days_ago` days ago (its events' timestamps)."""
    at = NOW - days_ago * DAY_S
    events = [
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(text, {"name": "inform", "confidence": 1.0}, timestamp=at),
        BotUttered("ok", timestamp=at),
    ]
    if applied:
        events.append(SlotSet("application_key", str(uuid.uuid4()), timestamp=at))
    return events


async def save(store, domain, sender: str, events: list) -> None:
    await store.save(DialogueStateTracker.from_events(sender, events, slots=domain.slots))


def sqlite_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


# ---------------------------------------------------------------- settings


def test_settings_have_documented_defaults_and_a_ceiling():
    defaults = load_assistant_settings({})
    assert (defaults.conversation_days, defaults.applicant_conversation_days) == (90, 365)
    assert (defaults.opt_out_days, defaults.keyboard_days) == (1095, 30)
    assert defaults.purge_every_s == DAY_S
    assert load_assistant_settings({"EMILE_CONVERSATION_DAYS": "30"}).conversation_days == 30
    # Never longer than the API keeps the application (EMILE_RETENTION_DAYS, 730).
    with pytest.raises(SettingsError, match="longer than the API"):
        load_assistant_settings({"EMILE_APPLICANT_CONVERSATION_DAYS": "800"})
    with pytest.raises(SettingsError, match="longer than the API"):
        load_assistant_settings({"EMILE_RETENTION_DAYS": "60"})
    with pytest.raises(SettingsError, match="must be a number"):
        load_assistant_settings({"EMILE_CONVERSATION_DAYS": "three months"})


# ---------------------------------------------------------------- conversations, by backend


class Backend:
    """A fresh tracker database: the store on it, and the bytes of its files."""

    def __init__(self, name: str, tmp_path: Path) -> None:
        self.name = name
        self.tmp_path = tmp_path
        self.admin: sa.engine.Engine | None = None
        self.database = ""

    def store(self, domain, **kwargs) -> ErasableSQLTrackerStore:
        if self.name == "sqlite":
            return ErasableSQLTrackerStore(
                domain=domain, dialect="sqlite", db=str(self.tmp_path / "trackers.db"), **kwargs
            )
        url = sa.engine.make_url(os.environ["EMILE_TEST_POSTGRES_URL"])
        return ErasableSQLTrackerStore(
            domain=domain,
            dialect="postgresql",
            host=str(url.set(database=self.database)),
            **kwargs,
        )

    def files(self, engine: sa.engine.Engine) -> bytes | None:
        """Everything the database keeps of the conversations on disk (None: not readable)."""
        if self.name == "sqlite":
            return sqlite_bytes(self.tmp_path / "trackers.db")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("CHECKPOINT"))  # Pages still in memory reach the files.
            directory = conn.execute(sa.text("SHOW data_directory")).scalar()
            paths = conn.execute(
                sa.text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c"
                    " WHERE c.oid = 'events'::regclass"
                    " OR c.oid IN (SELECT indexrelid FROM pg_index"
                    "  WHERE indrelid = 'events'::regclass)"
                    " OR c.oid = (SELECT reltoastrelid FROM pg_class"
                    "  WHERE oid = 'events'::regclass)"
                )
            ).scalars()
            content = b""
            for relative in paths:
                base = Path(directory) / relative
                # Its segments (.1, .2…) and maps (_fsm, _vm) too.
                for path in base.parent.glob(base.name + "*"):
                    try:
                        content += path.read_bytes()
                    except PermissionError:
                        return None
        return content


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Iterator[Backend]:
    chosen = Backend(request.param, tmp_path)
    if request.param == "postgresql":
        url = os.environ.get("EMILE_TEST_POSTGRES_URL")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("EMILE_TEST_POSTGRES_URL is not set: run the tests with `make test`")
            pytest.skip("EMILE_TEST_POSTGRES_URL is not set")
        chosen.database = f"emile_trackers_{uuid.uuid4().hex[:10]}"
        chosen.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with chosen.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{chosen.database}"'))
    yield chosen
    if chosen.admin is not None:
        with chosen.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{chosen.database}" WITH (FORCE)'))
        chosen.admin.dispose()


@pytest.mark.asyncio
async def test_old_conversations_go_recent_ones_stay(backend, domain, tmp_path):
    store = backend.store(domain, retention=False)
    await save(store, domain, "old", said(OLD_TEXT, days_ago=91))
    await save(store, domain, "recent", said("je cherche un travail", days_ago=89))
    # Led to an application: kept longer, then gone too.
    await save(store, domain, "applied", said("bonjour", days_ago=200, applied=True))
    await save(store, domain, "applied-long-ago", said(OLD_APPLICANT_TEXT, 366, applied=True))
    # An old conversation picked up again yesterday is a recent one.
    await save(store, domain, "came-back", said("hello", 300) + said("again", days_ago=1))
    retention = settings(tmp_path)

    before = backend.files(store.engine)
    if before is not None:  # The test sees the texts before, so it would see them after.
        assert OLD_TEXT.encode() in before and OLD_APPLICANT_TEXT.encode() in before

    dry = purge(store.engine, retention, dry_run=True)
    assert sorted(dry.conversations.senders) == ["applied-long-ago", "old"]
    assert dry.conversations.events == 7
    assert await store.retrieve("old") is not None  # A dry run erases nothing.

    report = purge(store.engine, retention)
    assert sorted(report.conversations.senders) == ["applied-long-ago", "old"]
    assert (report.conversations.conversations, report.conversations.events) == (2, 7)
    assert await store.retrieve("old") is None
    assert await store.retrieve("applied-long-ago") is None
    for kept in ("recent", "applied", "came-back"):
        assert await store.retrieve(kept) is not None, kept
    assert sorted(await store.keys()) == ["applied", "came-back", "recent"]

    after = backend.files(store.engine)
    for _ in range(10):
        if after is None or OLD_TEXT.encode() not in after:
            break
        # PostgreSQL: VACUUM keeps rows a snapshot open elsewhere (autovacuum's ANALYZE, say)
        # may still see; the next vacuum removes them.
        time.sleep(1)
        scrub(store.engine)
        after = backend.files(store.engine)
    if after is not None:
        assert OLD_TEXT.encode() not in after
        assert OLD_APPLICANT_TEXT.encode() not in after
        assert b"je cherche un travail" in after
    store.engine.dispose()


@pytest.mark.asyncio
async def test_the_rasa_server_purges_by_itself_and_logs_the_counts(tmp_path, domain, caplog):
    caplog.set_level(logging.INFO, logger="bot.retention")
    retention = settings(tmp_path, purge_every_s=0.2)
    store = ErasableSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "trackers.db"), retention=retention
    )
    try:
        await save(store, domain, "old", said(OLD_TEXT, days_ago=100))
        await save(store, domain, "recent", said("bonjour", days_ago=0))
        for _ in range(100):
            if "old" not in await store.keys():
                break
            await asyncio.sleep(0.05)
        assert await store.keys() == ["recent"]
        # The person writes again: a new conversation, holding only what they say now.
        assert await store.retrieve("old") is None
        await save(store, domain, "old", said("me revoilà", days_ago=0))
        events = (await store.retrieve("old")).events
        assert [e.text for e in events if isinstance(e, UserUttered)] == ["me revoilà"]
    finally:
        store.retention.stop()
    assert any("conversations: 1 (3 events) erased" in r.getMessage() for r in caplog.records)
    assert OLD_TEXT.encode() not in sqlite_bytes(tmp_path / "trackers.db")


# ---------------------------------------------------------------- the channels' stores


def test_channel_stores_keep_an_opt_out_and_nothing_past_its_period(tmp_path, domain):
    sms, telegram = tmp_path / "sms.db", tmp_path / "telegram.db"
    long_ago = NOW - 4 * 365 * DAY_S
    OptOutStore(sms, clock=lambda: long_ago).opt_out("+33600000001", "STOP")
    opt_outs = OptOutStore(sms)
    opt_outs.opt_out("+33600000002", "STOP")
    opt_outs.opt_out("+33600000003", "ARRET")
    opt_outs.opt_in("+33600000003", "START")  # Opted in again: no need to keep the number.
    SeenStore(sms).first_time("sms", "SM-new")
    SeenStore(sms, clock=lambda: NOW - 3 * DAY_S).first_time("sms", "SM-old")
    # A delivery written down and finished, then one never processed: its text stays only
    # until the row expires (two days).
    Inbox(sms).put("sms", "SM-in-new", "+33600000005", {"body": "x"}, claimed_by="a/1", lease_s=60)
    Inbox(sms, clock=lambda: NOW - 3 * DAY_S).put(
        "sms", "SM-in-old", "+33600000006", {"body": OLD_TEXT}, claimed_by="a/1", lease_s=60
    )
    old_choices = ChoiceStore(sms, clock=lambda: NOW - 8 * DAY_S)
    numbering = ChoiceNumbering()
    numbering.add([{"title": "Oui", "payload": "/affirm"}])
    old_choices.save("+33600000004", numbering)
    payloads = PayloadStore(telegram)
    token = payloads.callback_data("/inform" + '{"x": "' + "y" * 80 + '"}')
    with sa.create_engine(f"sqlite:///{telegram}").begin() as conn:
        conn.execute(
            sa.text("UPDATE telegram_payloads SET created_at = :t"), {"t": NOW - 31 * DAY_S}
        )

    retention = settings(tmp_path)
    engine = ErasableSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "trackers.db"), retention=False
    ).engine
    dry = purge(engine, retention, dry_run=True)
    expected = {
        "sms inbox": 1,
        "sms seen": 1,
        "sms sms_choices": 1,
        "sms sms_opt_out": 2,
        "telegram telegram_payloads": 1,
    }
    assert dry.channels == expected
    assert opt_outs.is_opted_out("+33600000001")

    report = purge(engine, retention)
    assert report.channels == expected
    assert not opt_outs.is_opted_out("+33600000001")  # Past three years.
    assert opt_outs.is_opted_out("+33600000002")  # The law's period runs.
    assert payloads.resolve(token) is None
    content = sqlite_bytes(sms)
    gone_values = (b"+33600000001", b"+33600000003", b"+33600000004", b"SM-old", b"+33600000006")
    for gone in (*gone_values, OLD_TEXT.encode()):
        assert gone not in content, gone
    assert b"+33600000002" in content
    assert b"y" * 80 not in sqlite_bytes(telegram)


# ---------------------------------------------------------------- the command


@pytest.mark.asyncio
async def test_the_command_dry_run_then_purge(tmp_path, domain):
    store = ErasableSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "trackers.db"), retention=False
    )
    await save(store, domain, "old", said(OLD_TEXT, days_ago=91))
    await save(store, domain, "recent", said("bonjour", days_ago=1))
    store.engine.dispose()
    env = {
        **os.environ,
        "EMILE_DATA_DIR": str(tmp_path),
        "EMILE_TRACKER_DB": str(tmp_path / "trackers.db"),
        "EMILE_OUTBOX_PATH": str(tmp_path / "outbox.db"),
        "EMILE_ACTIONS_URL": "http://127.0.0.1:1/webhook",
        "EMILE_ACTIONS_SECRET": "x",
    }
    command = [sys.executable, "-m", "bot.retention", "purge"]

    dry = subprocess.run(
        [*command, "--dry-run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert "conversations: 1 (3 events) would be erased: no message for 90 days" in dry.stdout
    assert OLD_TEXT.encode() in sqlite_bytes(tmp_path / "trackers.db")

    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "conversations: 1 (3 events) erased" in done.stdout, done.stdout + done.stderr
    assert "outbox: none" in done.stdout
    assert OLD_TEXT.encode() not in sqlite_bytes(tmp_path / "trackers.db")

    refused = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "EMILE_CONVERSATION_DAYS": "1000"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert "longer than the API keeps applications" in refused.stderr
