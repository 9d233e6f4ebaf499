"""The outbox keeps no payload after delivery, reports the rows that keep failing and purges
them after their period, down to the bytes of its files."""

import asyncio
import logging
import random
from pathlib import Path

import pytest

from actions.outbox import Outbox, OutboxRetention, OutboxWorker
from common.settings import SettingsError
from common.settings import load_assistant_settings as load_settings
from tests.actions.test_outbox import Clock, FakeApi, payload

DAY = 86400.0
# What a person typed, as it would be in the payload.
NEEDLES = ["Zorobabelle", "+33687650999", "687650999"]


def readable(path: Path) -> list[str]:
    """Needles found in the outbox's files (database, log, shared memory)."""
    content = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    return [needle for needle in NEEDLES if needle.encode() in content]


def personal(**changes):
    return payload(phone="+33687650999", last_name="Zorobabelle", **changes)


@pytest.fixture
def api():
    return FakeApi()


@pytest.fixture
def clock():
    return Clock(now=1_800_000_000.0)


@pytest.fixture
def box(tmp_path, clock):
    return Outbox(tmp_path / "outbox.db", clock=clock, rng=random.Random(1))


def test_the_periods_are_settings_with_defaults():
    settings = load_settings({"EMILE_API_KEY": "k"})
    assert (settings.outbox_delivered_days, settings.outbox_failing_days) == (30.0, 30.0)
    assert settings.purge_every_s == DAY
    changed = load_settings(
        {
            "EMILE_API_KEY": "k",
            "EMILE_OUTBOX_DELIVERED_DAYS": "7",
            "EMILE_OUTBOX_FAILING_DAYS": "14",
            "EMILE_PURGE_EVERY_S": "3600",
        }
    )
    assert (changed.outbox_delivered_days, changed.outbox_failing_days) == (7.0, 14.0)
    assert changed.purge_every_s == 3600.0
    with pytest.raises(SettingsError, match="number of days"):
        load_settings({"EMILE_API_KEY": "k", "EMILE_OUTBOX_FAILING_DAYS": "a month"})


@pytest.mark.asyncio
async def test_a_delivered_payload_is_gone_from_the_files_at_delivery(box, make_client, api):
    key = box.enqueue(personal())
    assert readable(box.path) == NEEDLES  # The test sees it before, so it would see it after.
    await box.try_deliver_now(key, make_client(api))
    assert box.status(key).state == "delivered"
    assert readable(box.path) == []


@pytest.mark.asyncio
async def test_a_refused_row_is_counted_then_purged_after_its_period(box, make_client, api, clock):
    api.refuse = (422, "validation_error")
    key = box.enqueue(personal())
    await box.deliver_due(make_client(api))
    assert box.status(key).state == "failed"

    clock.now += 29 * DAY
    report = box.purge(delivered_days=30, failing_days=30)
    assert (report.refused, report.refused_kept, report.failing_kept) == (0, 1, 1)
    assert "1 applications keep failing (1 refused by the API" in report.lines(False)[1]
    assert box.status(key) is not None

    clock.now += 2 * DAY
    dry = box.purge(delivered_days=30, failing_days=30, dry_run=True)
    assert (dry.refused, dry.failing_kept) == (1, 0)
    assert box.status(key) is not None  # A dry run deletes nothing.
    report = box.purge(delivered_days=30, failing_days=30)
    assert (report.refused, report.failing_kept) == (1, 0)
    assert box.status(key) is None
    assert readable(box.path) == []


@pytest.mark.asyncio
async def test_an_undeliverable_row_is_counted_then_purged(box, make_client, api, clock):
    api.down = True
    key = box.enqueue(personal())
    client = make_client(api)
    for _ in range(5):
        await box.deliver_due(client)
        clock.now += 2 * DAY
    report = box.purge(delivered_days=30, failing_days=30)
    assert (report.undelivered, report.retrying_kept) == (0, 1)
    assert report.oldest_failing_days == pytest.approx(10)

    clock.now += 21 * DAY
    report = box.purge(delivered_days=30, failing_days=30)
    assert (report.undelivered, report.retrying_kept) == (1, 0)
    assert box.status(key) is None
    assert readable(box.path) == []


@pytest.mark.asyncio
async def test_a_delivered_row_goes_after_its_period(box, make_client, api, clock):
    key = box.enqueue(personal())
    await box.try_deliver_now(key, make_client(api))
    clock.now += 29 * DAY
    assert box.purge(delivered_days=30, failing_days=30).delivered == 0
    clock.now += 2 * DAY
    assert box.purge(delivered_days=30, failing_days=30).delivered == 1
    assert box.status(key) is None


async def eventually(check, seconds: float = 20.0) -> bool:
    """Whether `check()` becomes true within `seconds` (the worker runs in the loop)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.asyncio
async def test_the_worker_purges_by_itself_and_logs_the_counts(
    box, make_client, api, clock, caplog
):
    api.refuse = (422, "validation_error")
    refused = box.enqueue(personal())
    await box.deliver_due(make_client(api))
    worker = OutboxWorker(
        box,
        make_client(api),
        poll_interval_s=0.05,
        retention=OutboxRetention(
            delivered_days=30, failing_days=30, every_s=0.1, first_after_s=0.0
        ),
    )
    caplog.set_level(logging.INFO, logger="actions.outbox")

    def logged(text: str) -> bool:
        return any(text in r.getMessage() for r in caplog.records)

    worker.start()
    try:
        # Reported while kept...
        assert await eventually(lambda: logged("1 applications keep failing"))
        assert box.status(refused) is not None
        # ...then deleted after its period, and counted.
        clock.now += 31 * DAY
        assert await eventually(lambda: box.status(refused) is None)
        assert await eventually(
            lambda: logged("1 refused by the API and 0 never delivered deleted")
        )
    finally:
        await worker.stop()
    assert readable(box.path) == []
