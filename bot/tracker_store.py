# mypy: disallow-subclassing-any=False
"""SQL tracker store that can forget a conversation when the person asks to delete their data.

Rasa 3.6's `SQLTrackerStore` only ever appends events: `Restarted`, `AllSlotsReset` or a
new session hide old events from the dialogue but keep them, with every message the
person typed, in the `events` table; no REST endpoint removes them either
(`PUT /conversations/<id>/tracker/events` appends too). This store deletes them.

The signal is the action `action_erase_data` (actions/erasure.py) followed, in the same
turn, by a `Restarted` event, which that action returns only once the API has erased the
person's application. When a tracker carrying that signal is saved, every stored event of
the conversation is deleted and nothing of that turn is written: the next message starts a
new, empty conversation.

Retention (bot/retention.py): the store starts a `RetentionJob` that erases conversations
idle for longer than their period, and the channels' expired rows, a minute after start-up
and then every EMILE_PURGE_EVERY_S; `retention: false` in endpoints.yml turns it off (one
server of several may do it alone). On SQLite, deleted rows are zeroed in the file
(secure_delete) and the write-ahead log is truncated after an erasure or a purge.

With EMILE_STATE_URL=postgresql://… (several Rasa servers, docs/scaling.md) the store uses
that database instead of the SQLite file endpoints.yml names; erasure and retention work
the same (PostgreSQL keeps dead rows until the next purge's VACUUM FULL).

endpoints.yml:
    tracker_store:
      type: bot.tracker_store.ErasableSQLTrackerStore
      dialect: sqlite
      db: var/trackers.db

Costs of Rasa's store removed (a third of the Rasa server's time per message, profiled
with 20 conversations at a time):
- Every save counted the conversation's stored events with a query (our erasure check
  counted them a second time). The store now remembers, per conversation, how many events
  of its latest session are stored: set when a tracker is read, advanced when one is saved,
  dropped on erasure; the query runs only for a conversation it does not know. This holds
  with several Rasa servers on one database too: Rasa reads the tracker before every save
  of it, under the conversation's lock (Redis then, bot/lock_store.py), and the read sets
  the count again.
- SQLite commits in WAL mode with `synchronous=NORMAL`: a commit no longer waits for the
  disk; a crash or restart of the server loses nothing, a power cut at most the last turns.
- Events are read as their JSON column only and written in one `executemany`, rather than
  through an ORM object each; SQLite connections are pooled, not opened for each query.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.retention import RetentionJob, scrub
from common import sqlstate
from common.conversation import ERASE_ACTION
from common.settings import AssistantSettings, load_assistant_settings

logger = logging.getLogger(__name__)

# Conversations whose stored-event count is remembered (the least recently used go first).
KNOWN_CONVERSATIONS = 50_000


def erasure_requested(events: Iterable[Event]) -> bool:
    """Whether `events` hold `action_erase_data` followed by a `Restarted`."""
    erase_seen = False
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
            erase_seen = True
        elif erase_seen and isinstance(event, Restarted):
            return True
    return False


def stored_after(count: int, new_events: list[Event]) -> int:
    """Events of the latest session stored once `new_events` are added to `count` of them.

    As Rasa's own query counts them: a `SessionStarted` among the new events starts the
    count again from itself.
    """
    for index in range(len(new_events) - 1, -1, -1):
        if isinstance(new_events[index], SessionStarted):
            return len(new_events) - index
    return count + len(new_events)


class ErasableSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that deletes a conversation's events on an erasure request."""

    engine: Any  # set by SQLTrackerStore, replaced below for SQLite

    def __init__(
        self, *args: Any, retention: AssistantSettings | bool = True, **kwargs: Any
    ) -> None:
        url = sqlstate.state_url()
        if url:
            # Several Rasa servers: the PostgreSQL they share, whatever endpoints.yml says.
            parsed = sa.engine.make_url(url)
            kwargs.update(
                dialect="postgresql",
                host=parsed.host,
                port=parsed.port,
                db=parsed.database,
                username=parsed.username,
                password=parsed.password,
            )
        super().__init__(*args, **kwargs)
        self._stored: OrderedDict[str, int] = OrderedDict()
        # The retention job forgets erased conversations from its own thread.
        self._stored_lock = threading.Lock()
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool):
            # two or three per message. A pool keeps them open.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=4,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        logger.info("Tracker store: SQL at %s (conversations erasable)", self.engine.url)
        self.retention: RetentionJob | None = None
        if retention is not False:
            settings = (
                retention if isinstance(retention, AssistantSettings) else load_assistant_settings()
            )
            self.retention = RetentionJob(self.engine, settings, on_erased=self._forget)
            self.retention.start()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            # The JSON column only: no ORM object per event.
            rows = query.with_entities(self.SQLEvent.data).all()
            if not fetch_events_from_all_sessions:
                self._remember(sender_id, len(rows))
            events = [json.loads(data) for (data,) in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of `tracker`, or erase the conversation if asked to."""
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            stored = self._stored.get(sender_id)
            if stored is None:
                stored = self._event_query(session, sender_id, False).count()
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if erasure_requested(new_events):
                deleted = self._delete(session, sender_id)
                logger.info("Conversation erased at the person's request (%d events)", deleted)
                if self.engine.dialect.name == "sqlite":
                    scrub(self.engine)  # A checkpoint: milliseconds.
                elif self.retention is not None:
                    # VACUUM FULL locks the table: at the next purge, not in this turn.
                    self.retention.vacuum_due = True
                return
            await self.stream_events(tracker)
            if new_events:
                # One executemany, not an ORM unit of work per event.
                session.execute(
                    self.SQLEvent.__table__.insert(),
                    [self._row(sender_id, event) for event in new_events],
                )
                session.commit()
        self._remember(sender_id, stored_after(stored, new_events))

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; the number deleted."""
        with self.session_scope() as session:
            return self._delete(session, sender_id)

    def _delete(self, session: Any, sender_id: str) -> int:
        deleted = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id)
            .delete(synchronize_session=False)
        )
        session.commit()
        self._forget([sender_id])
        return int(deleted)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """The table row of one event, as Rasa's SQLTrackerStore writes it."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _remember(self, sender_id: str, count: int) -> None:
        with self._stored_lock:
            self._stored[sender_id] = count
            self._stored.move_to_end(sender_id)
            if len(self._stored) > KNOWN_CONVERSATIONS:
                self._stored.popitem(last=False)

    def _forget(self, senders: list[str]) -> None:
        with self._stored_lock:
            for sender_id in senders:
                self._stored.pop(sender_id, None)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    # Erased and purged conversations are overwritten with zeros, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
