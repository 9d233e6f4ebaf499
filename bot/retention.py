"""Retention of the personal data the Rasa server keeps: conversations and the channels' stores.

    python -m bot.retention purge --dry-run   # what would go, and the outbox's failing rows
    python -m bot.retention purge             # erase it (the running servers also do, daily)

Periods are settings (common/settings.py, README "Settings"); what each store keeps and why:
docs/personal-data.md. The Rasa server runs the same purge by itself
(`ErasableSQLTrackerStore` starts a `RetentionJob`), the action server purges its outbox
(actions/outbox.py); this command runs all of it once, for an operator or a cron job.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common import sqlstate
from common.paths import PROJECT_ROOT
from common.settings import (
    DAY_S,
    AssistantSettings,
    SettingsError,
    load_assistant_settings,
)

logger = logging.getLogger(__name__)

# Slots whose setting marks a conversation that led to an application (domain.yml). Rasa
# stores a slot event's name in the `action_name` column.
APPLICATION_SLOTS = ("application_key", "application_reference")
# Conversations deleted per transaction (a few thousand events: tens of milliseconds).
BATCH = 100


def channel_files(settings: AssistantSettings) -> dict[str, Path]:
    """The channels' SQLite stores, by channel."""
    return {
        "sms": settings.data_dir / "sms.db",
        "telegram": (settings.telegram_dir or settings.data_dir) / "telegram.db",
    }


# ---------------------------------------------------------------- conversations


@dataclass
class ConversationPurge:
    """Conversations erased (or that would be) by one purge."""

    conversations: int = 0
    events: int = 0
    senders: list[str] = field(default_factory=list, repr=False)


_EVENTS = sa.table(
    "events",
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("action_name"),
)


def expired_conversations(
    connection: Any, settings: AssistantSettings, now: float
) -> dict[bool, list[tuple[str, int]]]:
    """Conversations past their period, (sender, events) by whether they led to an application."""
    applied = sa.func.max(
        sa.case(
            (
                sa.and_(
                    _EVENTS.c.type_name == "slot",
                    _EVENTS.c.action_name.in_(APPLICATION_SLOTS),
                ),
                1,
            ),
            else_=0,
        )
    )
    last = sa.func.max(_EVENTS.c.timestamp)
    query = (
        sa.select(_EVENTS.c.sender_id, applied, sa.func.count())
        .group_by(_EVENTS.c.sender_id)
        .having(
            sa.or_(
                sa.and_(applied == 1, last < now - settings.applicant_conversation_days * DAY_S),
                sa.and_(applied == 0, last < now - settings.conversation_days * DAY_S),
            )
        )
    )
    found: dict[bool, list[tuple[str, int]]] = {True: [], False: []}
    for sender, was_applied, events in connection.execute(query):
        found[bool(was_applied)].append((str(sender), int(events)))
    return found


def purge_conversations(
    engine: sa.engine.Engine, settings: AssistantSettings, *, dry_run: bool, now: float
) -> ConversationPurge:
    """Delete every event of the conversations idle for longer than their period."""
    result = ConversationPurge()
    if not sa.inspect(engine).has_table("events"):
        return result  # No conversation stored yet (Rasa creates the table).
    with engine.connect() as connection:
        found = expired_conversations(connection, settings, now)
    for was_applied, conversations in found.items():
        days = settings.applicant_conversation_days if was_applied else settings.conversation_days
        cutoff = now - days * DAY_S
        for start in range(0, len(conversations), BATCH):
            batch = conversations[start : start + BATCH]
            senders = [sender for sender, _ in batch]
            if dry_run:
                result.events += sum(events for _, events in batch)
                result.senders += senders
                continue
            # A transaction per batch: conversations going on meanwhile wait for one batch
            # at most (SQLite has one writer at a time).
            with engine.begin() as connection:
                # Someone who wrote again since the count keeps their conversation.
                recent = (
                    sa.select(_EVENTS.c.sender_id)
                    .where(_EVENTS.c.sender_id.in_(senders), _EVENTS.c.timestamp >= cutoff)
                    .distinct()
                )
                active = {row[0] for row in connection.execute(recent)}
                gone = [sender for sender in senders if sender not in active]
                if gone:
                    deleted = connection.execute(
                        sa.delete(_EVENTS).where(_EVENTS.c.sender_id.in_(gone))
                    )
                    result.events += int(deleted.rowcount)
                    result.senders += gone
    result.conversations = len(result.senders)
    return result


def scrub(engine: sa.engine.Engine, tables: Iterable[str] = ("events",)) -> bool:
    """Leave nothing deleted readable in the database files (False: SQLite's log was busy).

    SQLite (secure_delete on, `bot.tracker_store`): deleted rows are zeroed in the pages; their
    earlier versions in the write-ahead log go with a checkpoint that truncates it.
    PostgreSQL keeps dead row versions in the table files until VACUUM: as `emile-api purge`,
    the tables are rewritten (VACUUM FULL, which locks them while it runs). The WAL segments
    and any backup still hold them until they are recycled or rotated.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            raw = connection.connection
            busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.execute(sa.text(f'VACUUM (FULL) "{table}"'))
    return True


# ---------------------------------------------------------------- the channels' stores


@dataclass(frozen=True)
class StoreRule:
    """Which rows of one channel table have outlived their period."""

    channel: str
    table: str
    what: str
    # SQL condition on the row, with `:cutoff` (seconds since the epoch).
    condition: str
    days: Callable[[AssistantSettings], float]


def _ttl_days(seconds: float) -> Callable[[AssistantSettings], float]:
    return lambda _settings: seconds / DAY_S


def channel_rules() -> list[StoreRule]:
    """Every channel table that names a person, and when its rows go."""
    # Imported here: the channels' modules are the home of these periods.
    from bot.channels.choices import DEFAULT_TTL_S as CHOICES_TTL_S
    from bot.channels.dedup import DEFAULT_TTL_S as SEEN_TTL_S
    from bot.channels.inbox import DEFAULT_TTL_S as INBOX_TTL_S

    rules = []
    for channel in ("sms", "telegram"):
        # Every row, whatever its state: a finished one holds no text, an unfinished one
        # that old will not be answered any more.
        rules.append(
            StoreRule(
                channel,
                "inbox",
                "deliveries taken in (their text until processed)",
                "received_at < :cutoff",
                _ttl_days(INBOX_TTL_S),
            )
        )
        # Keyboards pressed (Telegram); delivery ids of the versions before the inbox.
        rules.append(
            StoreRule(
                channel,
                "seen",
                "delivery ids already taken in",
                "seen_at < :cutoff",
                _ttl_days(SEEN_TTL_S),
            )
        )
    rules += [
        StoreRule(
            "sms",
            "sms_choices",
            "numbered choices awaiting a reply",
            "updated_at < :cutoff",
            _ttl_days(CHOICES_TTL_S),
        ),
        # A number that opted in again needs no row at all: no row means "may be sent to".
        StoreRule(
            "sms",
            "sms_opt_out",
            "opt-outs (and opt-ins, at once)",
            "opted_out = 0 OR changed_at < :cutoff",
            lambda settings: settings.opt_out_days,
        ),
        StoreRule(
            "telegram",
            "telegram_payloads",
            "long button payloads",
            "created_at < :cutoff",
            lambda settings: settings.keyboard_days,
        ),
    ]
    return rules


def purge_channel_stores(
    settings: AssistantSettings, *, dry_run: bool, now: float
) -> dict[str, int]:
    """Delete the expired rows of the channels' stores; {"channel table": rows}."""
    url = sqlstate.state_url()
    if url:
        return _purge_shared_channel_stores(url, settings, dry_run=dry_run, now=now)
    counts: dict[str, int] = {}
    files = channel_files(settings)
    for rule in channel_rules():
        path = files[rule.channel]
        if not path.exists():
            continue
        cutoff = now - rule.days(settings) * DAY_S
        with _channel_db(path) as db:
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (rule.table,)
            ).fetchone():
                continue
            where = f"FROM {rule.table} WHERE {rule.condition}"
            if dry_run:
                count = db.execute(f"SELECT count(*) {where}", {"cutoff": cutoff}).fetchone()[0]
            else:
                count = db.execute(f"DELETE {where}", {"cutoff": cutoff}).rowcount
        counts[f"{rule.channel} {rule.table}"] = int(count)
    if not dry_run:
        for path in files.values():
            if path.exists():
                with _channel_db(path) as db:
                    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


def _purge_shared_channel_stores(
    url: str, settings: AssistantSettings, *, dry_run: bool, now: float
) -> dict[str, int]:
    """`purge_channel_stores` on the PostgreSQL that several Rasa servers share."""
    counts: dict[str, int] = {}
    db = sqlstate.PostgresConnection(url)
    try:
        for rule in channel_rules():
            if db.execute("SELECT to_regclass(?)", (rule.table,)).fetchone()[0] is None:
                continue
            # Both channels' deliveries share these tables there, told apart by `channel`.
            where = f"FROM {rule.table} WHERE ({rule.condition})"
            if rule.table in ("seen", "inbox"):
                where += " AND channel = :channel"
            params = {"cutoff": now - rule.days(settings) * DAY_S, "channel": rule.channel}
            if dry_run:
                count = db.execute(f"SELECT count(*) {where}", params).fetchone()[0]
            else:
                count = db.execute(f"DELETE {where}", params).rowcount
            counts[f"{rule.channel} {rule.table}"] = int(count)
        if not dry_run and any(counts.values()):
            # Dead rows stay readable in the table files until rewritten (as `scrub`).
            for table in sorted({rule.table for rule in channel_rules()}):
                if db.execute("SELECT to_regclass(?)", (table,)).fetchone()[0] is not None:
                    db.execute(f'VACUUM (FULL) "{table}"')
    finally:
        db.close()
    return counts


@contextlib.contextmanager
def _channel_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A short connection to a channel store, deleting with secure_delete."""
    db = sqlite3.connect(str(path), timeout=15.0, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")
        yield db
    finally:
        db.close()


# ---------------------------------------------------------------- one run, and the job


@dataclass
class RetentionReport:
    """What one purge of the Rasa server's stores did (or would do)."""

    conversations: ConversationPurge
    channels: dict[str, int]
    scrubbed: bool = True

    def lines(self, settings: AssistantSettings, dry_run: bool) -> list[str]:
        """The report, one line per store."""
        verb = "would be erased" if dry_run else "erased"
        lines = [
            f"conversations: {self.conversations.conversations} ({self.conversations.events}"
            f" events) {verb}: no message for {settings.conversation_days:g} days"
            f" ({settings.applicant_conversation_days:g} after an application)"
        ]
        lines += [f"{store}: {count} rows {verb}" for store, count in self.channels.items()]
        if not self.scrubbed:
            lines.append("warning: the tracker database is in use; its log is truncated later")
        return lines


def purge(
    engine: sa.engine.Engine,
    settings: AssistantSettings,
    *,
    dry_run: bool = False,
    now: float | None = None,
    always_scrub: bool = False,
) -> RetentionReport:
    """Purge the conversations in `engine` and the channels' stores.

    The database files are scrubbed when conversations were deleted, or with `always_scrub`
    (after erasures at the person's request, which leave dead rows on PostgreSQL).
    """
    moment = time.time() if now is None else now
    conversations = purge_conversations(engine, settings, dry_run=dry_run, now=moment)
    scrubbed = True
    if (conversations.events or always_scrub) and not dry_run:
        scrubbed = scrub(engine)
    channels = purge_channel_stores(settings, dry_run=dry_run, now=moment)
    return RetentionReport(conversations, channels, scrubbed)


class RetentionJob:
    """Runs `purge` in a thread of the Rasa server: a minute after start, then regularly."""

    def __init__(
        self,
        engine: sa.engine.Engine,
        settings: AssistantSettings,
        on_erased: Callable[[list[str]], None] = lambda _senders: None,
        first_after_s: float = 60.0,
    ) -> None:
        self.engine = engine
        self.settings = settings
        # The tracker store forgets what it remembered of the erased conversations.
        self.on_erased = on_erased
        self.first_after_s = min(first_after_s, settings.purge_every_s)
        # Set by the tracker store after an erasure on PostgreSQL: vacuum at the next run.
        self.vacuum_due = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (between tests; the server just exits)."""
        self._stop.set()
        self._thread.join(timeout=10)

    def run_once(self) -> RetentionReport:
        """One purge, logged with its counts."""
        always_scrub, self.vacuum_due = self.vacuum_due, False
        report = purge(self.engine, self.settings, always_scrub=always_scrub)
        self.on_erased(report.conversations.senders)
        for line in report.lines(self.settings, dry_run=False):
            logger.info("retention: %s", line)
        return report

    def _run(self) -> None:
        pause = self.first_after_s
        while not self._stop.wait(pause):
            pause = self.settings.purge_every_s
            try:
                self.run_once()
            except Exception:
                # A locked or unreachable database must not end the job: next time.
                logger.exception("retention: the purge failed; next try in %.0f s", pause)


# ---------------------------------------------------------------- the command


def tracker_engine(endpoints: Path) -> sa.engine.Engine:
    """An engine on the tracker store that `endpoints` (endpoints.yml) configures.

    EMILE_STATE_URL, when set, wins (as in `bot.tracker_store`).
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    shared = sqlstate.state_url()
    if shared:
        return sa.create_engine(shared)  # As bot.tracker_store does with several servers.
    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise SettingsError(f"{endpoints} has no tracker_store")
    kwargs = dict(config.kwargs)
    url = SQLTrackerStore.get_db_url(
        dialect=kwargs.get("dialect", "sqlite"),
        host=kwargs.get("host") or config.url,
        port=kwargs.get("port"),
        db=kwargs.get("db", "rasa.db"),
        username=kwargs.get("username"),
        password=kwargs.get("password"),
        query=kwargs.get("query"),
    )
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _secure_delete)
    return engine


def _secure_delete(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA secure_delete=ON")
    connection.execute("PRAGMA busy_timeout=15000")


def _purge_outbox(settings: AssistantSettings, dry_run: bool) -> list[str]:
    """Purge the action server's outbox file; its report lines."""
    from actions.outbox import Outbox

    if not settings.outbox_path.exists() and not sqlstate.state_url():
        return ["outbox: none"]
    outbox = Outbox(settings.outbox_path)
    try:
        report = outbox.purge(
            delivered_days=settings.outbox_delivered_days,
            failing_days=settings.outbox_failing_days,
            dry_run=dry_run,
        )
    finally:
        outbox.close()
    return report.lines(dry_run)


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.retention purge [--dry-run]`."""
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("purge", help="erase what has outlived its retention period")
    run.add_argument("--dry-run", action="store_true", help="count, erase nothing")
    run.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    args = parser.parse_args(argv)
    # Importing Rasa wakes TensorFlow's logging: nothing an operator can act on.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        settings = load_assistant_settings()
        engine = tracker_engine(args.endpoints)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    database = engine.url.database
    try:
        if engine.dialect.name == "sqlite" and database and not Path(database).exists():
            # No conversation yet: create no database, purge the rest.
            channels = purge_channel_stores(settings, dry_run=args.dry_run, now=time.time())
            report = RetentionReport(ConversationPurge(), channels)
        else:
            # Scrubbed even when nothing expired: after an urgent erasure, this is the way.
            report = purge(engine, settings, dry_run=args.dry_run, always_scrub=True)
    finally:
        engine.dispose()
    for line in [*report.lines(settings, args.dry_run), *_purge_outbox(settings, args.dry_run)]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
