#!/usr/bin/env python
"""How long the conversation purge takes, and how long it holds the tracker database.

    .venv/assistant/bin/python scripts/bench_retention.py [--conversations 20000] [--events 40]
        [--expired 0.25] [--postgres URL]

Fills a fresh tracker database (SQLite in a temporary directory, or a new database on the
PostgreSQL server at URL) with conversations of `--events` events each, `--expired` of them
idle for longer than the retention period, then times a dry run and the purge (with its
scrub: the WAL truncation on SQLite, VACUUM FULL on PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.retention import purge, scrub
from common.settings import DAY_S, AssistantSettings


def fill(engine: sa.engine.Engine, conversations: int, events: int, expired: float) -> None:
    """Create Rasa's `events` table and fill it."""
    from rasa.core.tracker_store import SQLTrackerStore

    SQLTrackerStore.Base.metadata.create_all(engine)
    table = SQLTrackerStore.SQLEvent.__table__
    now = time.time()
    old = int(conversations * expired)
    with engine.begin() as connection:
        for number in range(conversations):
            at = now - (120 if number < old else 1) * DAY_S
            sender = f"+3361{number:07d}"
            connection.execute(
                table.insert(),
                [
                    {
                        "sender_id": sender,
                        "type_name": "user",
                        "timestamp": at + index,
                        "intent_name": "inform",
                        "action_name": None,
                        "data": json.dumps({"event": "user", "text": f"message {index} " * 8}),
                    }
                    for index in range(events)
                ],
            )


def main() -> int:
    """Fill, then time the dry run and the purge."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--expired", type=float, default=0.25)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        admin = None
        name = f"emile_bench_{uuid.uuid4().hex[:8]}"
        if args.postgres:
            admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            engine = sa.create_engine(sa.engine.make_url(args.postgres).set(database=name))
        else:
            engine = sa.create_engine(f"sqlite:///{directory}/trackers.db")
            sa.event.listen(
                engine, "connect", lambda c, _r: c.execute("PRAGMA journal_mode=WAL") and None
            )
            sa.event.listen(
                engine, "connect", lambda c, _r: c.execute("PRAGMA secure_delete=ON") and None
            )
        try:
            fill(engine, args.conversations, args.events, args.expired)
            settings = AssistantSettings(data_dir=Path(directory))
            started = time.perf_counter()
            dry = purge(engine, settings, dry_run=True)
            dry_s = time.perf_counter() - started
            started = time.perf_counter()
            done = purge(engine, settings)
            purge_s = time.perf_counter() - started
            # The scrub alone: how long PostgreSQL's VACUUM FULL locks the table.
            started = time.perf_counter()
            scrub(engine)
            scrub_s = time.perf_counter() - started
        finally:
            engine.dispose()
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    total = args.conversations * args.events
    print(f"{engine.dialect.name}: {args.conversations} conversations, {total} events")
    print(f"dry run: {dry.conversations.conversations} conversations found in {dry_s:.2f} s")
    print(
        f"purge: {done.conversations.conversations} conversations"
        f" ({done.conversations.events} events) erased and scrubbed in {purge_s:.2f} s"
    )
    print(f"scrub alone (WAL truncation / VACUUM FULL, the table locked): {scrub_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
