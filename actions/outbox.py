"""Durable outbox of applications: stored locally first, delivered with retries, never lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from actions.api_client import (
    ApiError,
    ApiUnavailable,
    EmileApiClient,
    Gone,
    InvalidRequest,
    close_shared_client,
    encode_json,
    shared_client,
)
from actions.vocabulary import ANSWER_CHOICES, ANSWER_LISTS
from common import sqlstate
from common.settings import AssistantSettings as Settings
from common.settings import load_assistant_settings as load_settings

logger = logging.getLogger(__name__)

OutboxState = Literal["pending", "delivered", "failed"]
PENDING: Final = "pending"
DELIVERED: Final = "delivered"
FAILED: Final = "failed"

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    -- The request body (JSON); cleared once delivered: the API keeps the personal data.
    payload TEXT,
    phone TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    -- A delivery in progress holds the row until lease_until (another process may share it).
    lease_until REAL,
    lease_owner TEXT,
    last_error TEXT,
    error_code TEXT,
    reference TEXT,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
"""


class InvalidPayload(ValueError):
    """An application payload the API would refuse for sure (a bug in the caller)."""


@dataclass(frozen=True)
class OutboxStatus:
    """Where one application stands in the outbox."""

    key: str
    state: OutboxState
    reference: str | None
    attempts: int
    last_error: str | None
    # The API's error code of a permanent failure (e.g. `idempotency_key_reused`).
    error_code: str | None


@dataclass(frozen=True)
class OutboxPurge:
    """What one retention purge of the outbox deleted (or would), and the failing rows kept."""

    delivered: int
    refused: int
    undelivered: int
    refused_kept: int
    retrying_kept: int
    oldest_failing_days: float | None
    failing_days: float

    @property
    def failing_kept(self) -> int:
        """Rows that keep failing, still kept for an administrator."""
        return self.refused_kept + self.retrying_kept

    def lines(self, dry_run: bool) -> list[str]:
        """The report, for the command and the action server's log."""
        verb = "would be deleted" if dry_run else "deleted"
        lines = [
            f"outbox: {self.delivered} delivered, {self.refused} refused by the API and"
            f" {self.undelivered} never delivered {verb}"
        ]
        if self.failing_kept:
            lines.append(
                f"outbox: {self.failing_kept} applications keep failing ({self.refused_kept}"
                f" refused by the API, {self.retrying_kept} retrying; oldest queued"
                f" {self.oldest_failing_days or 0:.1f} days ago), deleted"
                f" {self.failing_days:g} days after"
            )
        return lines


@dataclass(frozen=True)
class DeliveryRound:
    """What one `deliver_due` did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def backoff_delay(
    attempts: int, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after `attempts` failed attempts: exponential, capped, with jitter.

    "Equal jitter": half the delay is fixed, half random, so delays still grow from one
    attempt to the next while outboxes of several processes do not retry in lockstep.
    """
    exponent = min(max(attempts, 1) - 1, 32)
    delay = min(cap_s, base_s * 2.0**exponent)
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def check_payload(payload: Mapping[str, Any]) -> None:
    """Refuse a payload that cannot be JSON or has an answer outside the vocabulary."""
    try:
        encode_json(payload)
    except (TypeError, ValueError) as exc:
        raise InvalidPayload(f"the application is not JSON-serialisable: {exc}") from exc
    answers = payload.get("answers")
    if not isinstance(answers, Mapping):
        raise InvalidPayload("the application has no `answers` object")
    for field, allowed in ANSWER_CHOICES.items():
        value = answers.get(field)
        if value is not None and value not in allowed:
            raise InvalidPayload(f"answers.{field}={value!r} is not one of {allowed}")
    for field, allowed in ANSWER_LISTS.items():
        values = answers.get(field) or []
        if not isinstance(values, list):
            raise InvalidPayload(f"answers.{field} must be a list")
        for value in values:
            if value not in allowed:
                raise InvalidPayload(f"answers.{field} has {value!r}, not one of {allowed}")


class Outbox:
    """Applications waiting to reach the API, in a SQLite file that survives restarts.

    With EMILE_STATE_URL (several action servers), in the PostgreSQL they share instead
    (common/sqlstate.py): leases then keep two servers from sending one row at once.

    Every row has an Idempotency-Key made once at `enqueue`; each delivery attempt sends
    the same key and the same bytes, so the API creates the application at most once.
    Delivery claims a row with a lease first, so concurrent coroutines (or processes
    sharing the file) never send the same row at the same time.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        backoff_base_s: float = 2.0,
        backoff_cap_s: float = 300.0,
        lease_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        url: str | None = None,
    ) -> None:
        """Open (or create) the outbox at `path`, or in PostgreSQL at `url` (EMILE_STATE_URL)."""
        self.path = Path(path)
        self.url = url if url is not None else sqlstate.state_url()
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        # Longer than any one request can take (the client's timeouts), so a live delivery
        # never loses its lease; a crashed process's lease simply runs out.
        self.lease_s = lease_s
        self._clock = clock
        self._rng = rng or random.Random()
        # Deliveries started by try_deliver_now that outlived its wait.
        self._tasks: set[asyncio.Task[OutboxStatus | None]] = set()
        self._lock = threading.RLock()
        self._db: sqlstate.StateConnection | None = None
        self._create()

    # -- storage

    def _create(self) -> None:
        if self.url:
            with self._connect() as db:
                db.executescript(_SCHEMA)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Personal data until delivered: readable by this user only.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > _SCHEMA_VERSION:
                raise RuntimeError(f"{self.path}: outbox schema {version} is newer than this code")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _connect(self, durable: bool = False) -> Iterator[sqlstate.StateConnection]:
        # One connection, kept open (closing the last one checkpoints the WAL, an fsync per
        # operation) and shared by the event loop and worker threads under a lock.
        with self._lock:
            if self._db is None and self.url:
                # Every PostgreSQL commit is durable: `durable` changes nothing there.
                self._db = sqlstate.PostgresConnection(self.url)
            if self._db is None:
                local = sqlite3.connect(
                    self.path, timeout=10.0, isolation_level=None, check_same_thread=False
                )
                local.row_factory = sqlite3.Row
                local.execute("PRAGMA busy_timeout=10000")
                local.execute("PRAGMA synchronous=NORMAL")
                # A deleted row or a cleared payload is overwritten with zeros in the file.
                local.execute("PRAGMA secure_delete=ON")
                self._db = local
            if not durable:
                yield self._db
                return
            # FULL (an fsync per commit) where losing the write would matter: a queued
            # application must survive a power cut once the person is told it is sent.
            # Delivery bookkeeping may be lost harmlessly: the same key is sent again.
            self._db.execute("PRAGMA synchronous=FULL")
            try:
                yield self._db
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")

    def scrub(self, vacuum: bool = False) -> bool:
        """Truncate the write-ahead log, where erased payloads linger (False: busy).

        On PostgreSQL, with `vacuum` (an erasure, a purge), the table is rewritten without
        its dead rows (VACUUM FULL: a brief lock of this small table); deliveries leave
        their cleared payloads to the next one.
        """
        if self.url:
            if vacuum:
                with self._connect() as db:
                    db.execute("VACUUM (FULL) outbox")
            return True
        with self._connect() as db:
            # Briefly: another process reading the file only delays this to the next time.
            db.execute("PRAGMA busy_timeout=200")
            try:
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                db.execute("PRAGMA busy_timeout=10000")
        return not busy

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: Any) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- writing

    def enqueue(self, payload: Mapping[str, Any], key: str | None = None) -> str:
        """Store an application durably and return its Idempotency-Key.

        Call it before telling the person their application is sent. With `key` (kept in a
        slot, say), enqueueing again is a no-op: the first payload stays.
        """
        check_payload(payload)
        key = key or str(uuid.uuid4())
        if not 1 <= len(key) <= 100:
            raise ValueError("an Idempotency-Key has 1 to 100 characters")
        phone = payload.get("phone")
        now = self._clock()
        with self._connect(durable=True) as db, self._transaction(db):
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (idempotency_key, payload, phone, state,"
                " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    encode_json(payload).decode("utf-8"),
                    phone if isinstance(phone, str) else None,
                    PENDING,
                    now,
                    now,
                ),
            )
        if cursor.rowcount == 0:
            logger.warning("outbox: %s was already queued; the first payload is kept", key)
        else:
            logger.info("outbox: queued %s", key)
        return key

    def status(self, key: str) -> OutboxStatus | None:
        """Where the application with this key stands; None if unknown (or erased)."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
        return _status(row) if row is not None else None

    def failed(self) -> list[OutboxStatus]:
        """Applications the API refused for good: kept for an administrator to look at."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM outbox WHERE state = ? ORDER BY created_at", (FAILED,)
            ).fetchall()
        return [_status(row) for row in rows]

    def pending_count(self) -> int:
        """How many applications still wait for delivery."""
        with self._connect() as db:
            row = db.execute("SELECT count(*) FROM outbox WHERE state = ?", (PENDING,)).fetchone()
        return int(row[0])

    def seconds_until_due(self) -> float | None:
        """Seconds until a pending row may be attempted (0 if one is due); None if none waits."""
        with self._connect() as db:
            row = db.execute(
                "SELECT min(CASE WHEN lease_until > next_attempt_at THEN lease_until"
                " ELSE next_attempt_at END) FROM outbox WHERE state = ?",
                (PENDING,),
            ).fetchone()
        if row[0] is None:
            return None
        return max(float(row[0]) - self._clock(), 0.0)

    def requeue(self, key: str) -> bool:
        """Make a failed application pending again (after an administrator fixed the cause)."""
        now = self._clock()
        with self._connect(durable=True) as db, self._transaction(db):
            cursor = db.execute(
                "UPDATE outbox SET state = ?, next_attempt_at = ?, error_code = NULL,"
                " finished_at = NULL WHERE idempotency_key = ? AND state = ?"
                " AND payload IS NOT NULL",
                (PENDING, now, key, FAILED),
            )
        return cursor.rowcount == 1

    def erase_phone(self, phone: str) -> int:
        """Forget every undelivered application made with this phone (the person's erasure)."""
        with self._connect(durable=True) as db, self._transaction(db):
            cursor = db.execute(
                "DELETE FROM outbox WHERE phone = ? AND state != ?", (phone, DELIVERED)
            )
        self.scrub(vacuum=True)
        return cursor.rowcount

    def forget(self, key: str) -> bool:
        """Delete one row, whatever its state."""
        with self._connect(durable=True) as db, self._transaction(db):
            cursor = db.execute("DELETE FROM outbox WHERE idempotency_key = ?", (key,))
        self.scrub(vacuum=True)
        return cursor.rowcount == 1

    def purge(
        self, *, delivered_days: float, failing_days: float, dry_run: bool = False
    ) -> OutboxPurge:
        """Delete the rows past their retention; count the failing rows kept meanwhile.

        Delivered rows (a key and a reference, the payload cleared at delivery) go
        `delivered_days` after delivery; rows the API refused go `failing_days` after the
        refusal, and rows never delivered `failing_days` after they were queued.
        """
        now = self._clock()
        delivered_before = now - delivered_days * 86400
        failing_before = now - failing_days * 86400
        rules = {
            "delivered": ("state = ? AND finished_at < ?", (DELIVERED, delivered_before)),
            "refused": ("state = ? AND finished_at < ?", (FAILED, failing_before)),
            # Not while a delivery holds it: the API may be answering right now.
            "undelivered": (
                "state = ? AND created_at < ? AND (lease_until IS NULL OR lease_until <= ?)",
                (PENDING, failing_before, now),
            ),
        }
        counts: dict[str, int] = {}
        with self._connect(durable=True) as db, self._transaction(db):
            for name, (condition, params) in rules.items():
                verb = "SELECT count(*)" if dry_run else "DELETE"
                cursor = db.execute(f"{verb} FROM outbox WHERE {condition}", params)
                counts[name] = int(cursor.fetchone()[0] if dry_run else cursor.rowcount)
            refused, retrying, oldest = db.execute(
                "SELECT sum(CASE WHEN state = ? THEN 1 ELSE 0 END),"
                " sum(CASE WHEN state = ? AND attempts > 0 THEN 1 ELSE 0 END), min(created_at)"
                " FROM outbox WHERE (state = ? OR (state = ? AND attempts > 0))"
                " AND NOT (" + " OR ".join(f"({c})" for c, _ in rules.values()) + ")",
                (
                    FAILED,
                    PENDING,
                    FAILED,
                    PENDING,
                    *(p for _, params in rules.values() for p in params),
                ),
            ).fetchone()
        if not dry_run and any(counts.values()):
            self.scrub(vacuum=True)
        return OutboxPurge(
            **counts,
            refused_kept=int(refused or 0),
            retrying_kept=int(retrying or 0),
            oldest_failing_days=(now - oldest) / 86400 if oldest is not None else None,
            failing_days=failing_days,
        )

    # -- delivery bookkeeping

    def _claim(self, key: str, *, due_only: bool) -> tuple[str, str] | None:
        """Take the lease on a pending row; (lease token, payload) or None if not available."""
        now = self._clock()
        token = uuid.uuid4().hex
        due = " AND next_attempt_at <= ?" if due_only else ""
        params: tuple[Any, ...] = (now + self.lease_s, token, key, PENDING, now)
        if due_only:
            params += (now,)
        with self._connect() as db, self._transaction(db):
            cursor = db.execute(
                "UPDATE outbox SET lease_until = ?, lease_owner = ? WHERE idempotency_key = ?"
                " AND state = ? AND (lease_until IS NULL OR lease_until <= ?)" + due,
                params,
            )
            if cursor.rowcount != 1:
                return None
            row = db.execute(
                "SELECT payload FROM outbox WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return token, row["payload"]

    def _due_keys(self, limit: int) -> list[str]:
        now = self._clock()
        with self._connect() as db:
            rows = db.execute(
                "SELECT idempotency_key FROM outbox WHERE state = ? AND next_attempt_at <= ?"
                " AND (lease_until IS NULL OR lease_until <= ?)"
                " ORDER BY next_attempt_at, created_at LIMIT ?",
                (PENDING, now, now, limit),
            ).fetchall()
        return [row[0] for row in rows]

    def _mark_delivered(self, key: str, reference: str) -> None:
        # Whoever got the reference wins, even with an expired lease: the API has it.
        with self._connect() as db, self._transaction(db):
            db.execute(
                "UPDATE outbox SET state = ?, reference = ?, payload = NULL, phone = NULL,"
                " lease_until = NULL,"
                " lease_owner = NULL, last_error = NULL, error_code = NULL, finished_at = ?,"
                " attempts = attempts + 1 WHERE idempotency_key = ? AND state != ?",
                (DELIVERED, reference, self._clock(), key, DELIVERED),
            )
        # The payload does not outlive its delivery, in the log either (secure_delete
        # zeroed it in the database pages).
        self.scrub()

    def _mark_retry(self, key: str, token: str, error: str) -> float:
        now = self._clock()
        with self._connect() as db, self._transaction(db):
            row = db.execute(
                "SELECT attempts FROM outbox WHERE idempotency_key = ? AND lease_owner = ?"
                " AND state = ?",
                (key, token, PENDING),
            ).fetchone()
            if row is None:
                return 0.0
            attempts = int(row[0]) + 1
            delay = backoff_delay(attempts, self.backoff_base_s, self.backoff_cap_s, self._rng)
            db.execute(
                "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?,"
                " lease_until = NULL, lease_owner = NULL WHERE idempotency_key = ?",
                (attempts, now + delay, error[:500], key),
            )
        return delay

    def _mark_failed(self, key: str, token: str, error: ApiError) -> None:
        with self._connect() as db, self._transaction(db):
            db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                " error_code = ?, lease_until = NULL, lease_owner = NULL, finished_at = ?"
                " WHERE idempotency_key = ? AND lease_owner = ? AND state = ?",
                (FAILED, str(error)[:500], error.code, self._clock(), key, token, PENDING),
            )

    def _release(self, key: str, token: str) -> None:
        with self._connect() as db, self._transaction(db):
            db.execute(
                "UPDATE outbox SET lease_until = NULL, lease_owner = NULL"
                " WHERE idempotency_key = ? AND lease_owner = ?",
                (key, token),
            )

    # -- delivery

    async def _deliver(
        self, key: str, token: str, payload_json: str, client: EmileApiClient
    ) -> OutboxState:
        """Send one claimed row and record the outcome."""
        try:
            payload = json.loads(payload_json)
            receipt = await client.create_application(payload, idempotency_key=key)
        except (InvalidRequest, Gone) as exc:
            # 422 (or 400), 410 and a phone over its quota (429) will never succeed: keep the
            # row, flag it, tell a human.
            self._mark_failed(key, token, exc)
            logger.error("outbox: %s refused for good by the API: %s", key, exc)
            return FAILED
        except asyncio.CancelledError:
            # Unknown whether the API got it: the same key makes the next attempt safe.
            self._release(key, token)
            raise
        except ApiUnavailable as exc:
            delay = self._mark_retry(key, token, str(exc))
            logger.warning("outbox: %s not delivered (%s); retry in %.0f s", key, exc, delay)
            return PENDING
        except Exception as exc:
            # NotFound/Conflict (a misconfigured URL, a race in the API) or a bug here:
            # retrying with the same key is safe, giving up would lose the application.
            delay = self._mark_retry(key, token, f"{type(exc).__name__}: {exc}")
            logger.exception("outbox: %s not delivered; retry in %.0f s", key, delay)
            return PENDING
        self._mark_delivered(key, receipt.reference)
        logger.info("outbox: %s delivered as %s", key, receipt.reference)
        return DELIVERED

    async def deliver_due(self, client: EmileApiClient, limit: int = 50) -> DeliveryRound:
        """Attempt every due pending application once (at most `limit`)."""
        counts = {PENDING: 0, DELIVERED: 0, FAILED: 0}
        for key in self._due_keys(limit):
            claim = self._claim(key, due_only=True)
            if claim is None:
                continue  # Someone else is delivering it, or it just changed.
            token, payload_json = claim
            counts[await self._deliver(key, token, payload_json, client)] += 1
        return DeliveryRound(
            delivered=counts[DELIVERED], retrying=counts[PENDING], failed=counts[FAILED]
        )

    async def _deliver_now(self, key: str, client: EmileApiClient) -> OutboxStatus | None:
        claim = self._claim(key, due_only=False)
        if claim is not None:
            token, payload_json = claim
            await self._deliver(key, token, payload_json, client)
            return self.status(key)
        # Another coroutine or process holds it: wait for its outcome.
        while (current := self.status(key)) is not None and current.state == PENDING:
            if self._leased(key):
                await asyncio.sleep(0.05)
            else:
                return current  # Free again and still pending: a retry is scheduled.
        return current

    def _leased(self, key: str) -> bool:
        with self._connect() as db:
            row = db.execute(
                "SELECT lease_until FROM outbox WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return row is not None and row[0] is not None and row[0] > self._clock()

    async def try_deliver_now(
        self, key: str, client: EmileApiClient, timeout: float = 3.0
    ) -> OutboxStatus | None:
        """Attempt delivery at once and wait up to `timeout` s for the reference.

        A delivery still running at the timeout is not cancelled: it finishes in the
        background, and the row stays pending meanwhile (the person can be told it is queued).
        """
        task = asyncio.get_running_loop().create_task(self._deliver_now(key, client))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if task in done:
            return task.result()
        return self.status(key)

    async def drain(self) -> None:
        """Wait for deliveries started by `try_deliver_now` that are still running."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _status(row: Any) -> OutboxStatus:
    return OutboxStatus(
        key=row["idempotency_key"],
        state=row["state"],
        reference=row["reference"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        error_code=row["error_code"],
    )


@dataclass(frozen=True)
class OutboxRetention:
    """How long the outbox keeps rows, and how often the worker purges it."""

    delivered_days: float
    failing_days: float
    every_s: float
    first_after_s: float = 60.0


class OutboxWorker:
    """Background task delivering due applications; wake it after an enqueue."""

    def __init__(
        self,
        outbox: Outbox,
        client: EmileApiClient | Callable[[], EmileApiClient],
        *,
        poll_interval_s: float = 30.0,
        min_sleep_s: float = 0.05,
        retention: OutboxRetention | None = None,
    ) -> None:
        """A worker for `outbox`, sending with `client` (or a function giving the client)."""
        self.outbox = outbox
        self._client = client
        self.poll_interval_s = poll_interval_s
        self.retention = retention
        self._next_purge = 0.0
        # Floor on the pause between rounds: a clock oddity must not become a busy loop.
        self.min_sleep_s = min_sleep_s
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the worker task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the task in the running event loop (no-op when it runs already)."""
        if not self.running:
            self._wake = asyncio.Event()
            self._stopping = False
            if self.retention is not None:
                self._next_purge = time.monotonic() + self.retention.first_after_s
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    def wake(self) -> None:
        """Deliver now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop the task; a delivery cut short stays pending and is retried later."""
        task, self._task = self._task, None
        if task is not None:
            # The flag too: code below us (a library) may swallow a cancellation.
            self._stopping = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.outbox.drain()

    async def _purge_if_due(self) -> None:
        retention = self.retention
        if retention is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + retention.every_s
        report = await asyncio.to_thread(
            self.outbox.purge,
            delivered_days=retention.delivered_days,
            failing_days=retention.failing_days,
        )
        deleted, *failing = report.lines(dry_run=False)
        logger.info("retention: %s", deleted)
        for line in failing:
            # An operator must look at these before they go (requeue or contact the person).
            logger.warning("retention: %s", line)

    def _current_client(self) -> EmileApiClient:
        return self._client if isinstance(self._client, EmileApiClient) else self._client()

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the round: a wake() during it makes the next pause end at once.
            self._wake.clear()
            try:
                await self._purge_if_due()
                await self.outbox.deliver_due(self._current_client())
                until_due = self.outbox.seconds_until_due()
            except Exception:
                # The worker must outlive any error (disk full, a bug): log, pause, go on.
                logger.exception("outbox worker: delivery round failed")
                until_due = self.poll_interval_s
            pause = self.poll_interval_s if until_due is None else until_due
            if self.retention is not None:
                pause = min(pause, self._next_purge - time.monotonic())
            pause = max(min(pause, self.poll_interval_s), self.min_sleep_s)
            # Not asyncio.wait_for: on Python 3.10 it swallows a cancellation that arrives
            # just as the event is set (wake() then stop()), and the worker would never stop.
            waiter = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({waiter}, timeout=pause)
            finally:
                waiter.cancel()


# ---------------------------------------------------------------- the action server's hook


@dataclass
class OutboxService:
    """The outbox, its worker and the client they use: what a submit action needs."""

    outbox: Outbox
    worker: OutboxWorker
    client: Callable[[], EmileApiClient]

    async def submit(
        self, payload: Mapping[str, Any], key: str | None = None, wait_s: float = 3.0
    ) -> tuple[str, OutboxStatus | None]:
        """Queue an application durably, then try to deliver it within `wait_s` seconds.

        Returns the Idempotency-Key and the status: `delivered` with the reference when the
        API answered in time, `pending` when it is queued (delivered later), `failed` if
        the API refused it for good.
        """
        # In a thread: the durable write waits for an fsync, other conversations need not.
        key = await asyncio.to_thread(self.outbox.enqueue, payload, key)
        status = await self.outbox.try_deliver_now(key, self.client(), timeout=wait_s)
        if status is not None and status.state == PENDING:
            # The worker may be sleeping a whole poll interval: let it plan the retry.
            self.worker.wake()
        return key, status


_service: OutboxService | None = None


def _build_service(settings: Settings) -> OutboxService:
    outbox = Outbox(
        settings.outbox_path,
        backoff_base_s=settings.outbox_backoff_base_s,
        backoff_cap_s=settings.outbox_backoff_cap_s,
        lease_s=max(60.0, 6 * settings.api_timeout_s),
    )

    def client() -> EmileApiClient:
        return shared_client(settings)

    retention = OutboxRetention(
        delivered_days=settings.outbox_delivered_days,
        failing_days=settings.outbox_failing_days,
        every_s=settings.purge_every_s,
        first_after_s=min(60.0, settings.purge_every_s),
    )
    worker = OutboxWorker(
        outbox, client, poll_interval_s=settings.outbox_poll_interval_s, retention=retention
    )
    return OutboxService(outbox, worker, client)


async def start_outbox(settings: Settings | None = None) -> OutboxService:
    """The process's outbox service, its worker started (idempotent; call from async code).

    Actions may call it on every use; the action server may call it at start-up so that
    applications left pending by a previous run are delivered without waiting for one.
    """
    global _service
    if _service is None:
        _service = _build_service(settings or load_settings())
    _service.worker.start()
    return _service


async def stop_outbox() -> None:
    """Stop the worker and forget the service (at shutdown, and between tests)."""
    global _service
    service, _service = _service, None
    if service is not None:
        await service.worker.stop()


def attach_to_sanic(app: Any) -> None:
    """Start the outbox with a Sanic app (the action server) and stop it with it."""

    async def _start(_app: Any, _loop: Any) -> None:
        await start_outbox()

    async def _stop(_app: Any, _loop: Any) -> None:
        await stop_outbox()
        await close_shared_client()

    app.register_listener(_start, "after_server_start")
    app.register_listener(_stop, "before_server_stop")
