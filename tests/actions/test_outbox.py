"""The durable outbox: nothing lost while the API is down, nothing created twice."""

import asyncio
import json
import random
import sqlite3
import stat

import httpx
import pytest

from actions import outbox as outbox_module
from actions.outbox import (
    InvalidPayload,
    Outbox,
    OutboxService,
    OutboxWorker,
    attach_to_sanic,
    backoff_delay,
    start_outbox,
    stop_outbox,
)
from common.settings import AssistantSettings as Settings

PAYLOAD = {
    "first_name": "Amina",
    "last_name": "Diallo",
    "phone": "+33612345678",
    "email": None,
    "language": "fr",
    "channel": "sms",
    "consent_at": "2026-11-22T10:00:00+01:00",
    "answers": {
        "residence_area": "ile_de_france",
        "housing_situation": "emergency_shelter",
        "right_to_work": "yes",
        "work_situation": "unemployed",
        "ready_to_move": "yes",
        "adults": 1,
        "children": 2,
        "trades": ["building"],
        "experience_years": 3,
        "driving_licence": "no",
        "french_level": "intermediate",
    },
    "territory_preferences": ["cantal", "lozere"],
    "verdict": {"result": "eligible", "reasons": [], "rules_version": "2024.1"},
}


def payload(phone="+33612345678", **changes):
    return {**PAYLOAD, "phone": phone, **changes}


class FakeApi:
    """POST /applications with the API's idempotency rules; can be down, slow or refusing."""

    def __init__(self):
        self.down = False
        self.delay = 0.0
        self.refuse: tuple[int, str] | None = None
        self.erased_keys: set[str] = set()
        self.requests: list[httpx.Request] = []
        # Idempotency-Key -> (body, reference): what the API stored.
        self.created: dict[str, tuple[bytes, str]] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        assert request.url.path == "/api/v1/applications"
        key = request.headers["Idempotency-Key"]
        if key in self.erased_keys:
            return httpx.Response(410, json={"detail": "erased", "code": "gone"})
        if self.refuse:
            status, code = self.refuse
            return httpx.Response(status, json={"detail": "refused", "code": code})
        if key in self.created:
            body, reference = self.created[key]
            if body != request.content:
                return httpx.Response(
                    422, json={"detail": "other body", "code": "idempotency_key_reused"}
                )
            return httpx.Response(
                200, json={"reference": reference}, headers={"Idempotent-Replayed": "true"}
            )
        reference = f"REF{len(self.created) + 1:03d}"
        self.created[key] = (request.content, reference)
        return httpx.Response(201, json={"reference": reference, "status": "new"})

    def keys(self):
        return [r.headers["Idempotency-Key"] for r in self.requests]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def api():
    return FakeApi()


@pytest.fixture
def client(make_client, api):
    return make_client(api)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def box(tmp_path, clock):
    return Outbox(tmp_path / "outbox.db", clock=clock, rng=random.Random(1))


def rows(path):
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM outbox")]


# ---------------------------------------------------------------- storing


def test_enqueue_stores_durably_before_any_delivery(box, tmp_path):
    key = box.enqueue(payload())
    assert len(key) == 36  # uuid4
    status = box.status(key)
    assert (status.state, status.reference, status.attempts) == ("pending", None, 0)
    # Another Outbox on the file (another process, or after a restart) sees it.
    again = Outbox(tmp_path / "outbox.db")
    assert again.status(key) == status
    assert again.pending_count() == 1
    (row,) = rows(tmp_path / "outbox.db")
    assert json.loads(row["payload"]) == payload()


def test_the_file_is_private_and_in_wal_mode(box):
    assert stat.S_IMODE(box.path.stat().st_mode) == 0o600
    with sqlite3.connect(box.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_enqueue_with_a_known_key_keeps_the_first(box):
    key = box.enqueue(payload(), key="conversation-42")
    assert box.enqueue(payload(phone="+33700000000"), key="conversation-42") == key
    assert box.pending_count() == 1
    assert rows(box.path)[0]["phone"] == "+33612345678"


@pytest.mark.parametrize(
    "bad",
    [
        {**PAYLOAD, "answers": {**PAYLOAD["answers"], "housing_situation": "tent"}},
        {**PAYLOAD, "answers": {**PAYLOAD["answers"], "trades": ["piracy"]}},
        {**PAYLOAD, "answers": {**PAYLOAD["answers"], "trades": "building"}},
        {**PAYLOAD, "answers": None},
        {**PAYLOAD, "consent_at": object()},
        {**PAYLOAD, "x": float("nan")},
    ],
)
def test_a_payload_the_api_would_refuse_is_not_stored(box, bad):
    with pytest.raises(InvalidPayload):
        box.enqueue(bad)
    assert box.pending_count() == 0


def test_unknown_key(box):
    assert box.status("nope") is None


# ---------------------------------------------------------------- delivering


@pytest.mark.asyncio
async def test_api_down_then_up_delivers_once_with_the_same_key(box, client, api, clock):
    key = box.enqueue(payload())
    api.down = True
    for _ in range(3):
        round_ = await box.deliver_due(client)
        assert (round_.delivered, round_.retrying) == (0, 1)
        status = box.status(key)
        assert status.state == "pending"
        assert "unreachable" in status.last_error
        clock.now += 1000  # past any back-off
    assert box.status(key).attempts == 3

    api.down = False
    round_ = await box.deliver_due(client)
    assert round_.delivered == 1
    status = box.status(key)
    assert (status.state, status.reference) == ("delivered", "REF001")
    assert api.keys() == [key] * 4
    assert len(api.created) == 1
    # Every attempt sent the same bytes.
    assert len({r.content for r in api.requests}) == 1

    # Nothing more to do, ever.
    clock.now += 10_000
    assert (await box.deliver_due(client)).delivered == 0
    assert len(api.requests) == 4


@pytest.mark.asyncio
async def test_a_delivered_row_keeps_no_personal_data(box, client):
    key = box.enqueue(payload())
    await box.deliver_due(client)
    (row,) = rows(box.path)
    assert row["payload"] is None and row["phone"] is None
    assert (row["idempotency_key"], row["reference"]) == (key, "REF001")


@pytest.mark.asyncio
async def test_a_lost_answer_is_replayed_not_duplicated(box, make_client, api, clock):
    """The API created it but the answer never came back: the retry gets the same reference."""

    async def lose_first_answer(request):
        response = await api(request)
        if len(api.requests) == 1:
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    client = make_client(lose_first_answer)
    key = box.enqueue(payload())
    await box.deliver_due(client)
    assert box.status(key).state == "pending"
    assert len(api.created) == 1  # created on the API side all the same
    clock.now += 1000
    await box.deliver_due(client)
    assert box.status(key).reference == "REF001"
    assert len(api.created) == 1
    assert api.keys() == [key, key]


@pytest.mark.asyncio
async def test_a_restart_resumes(tmp_path, client, api):
    path = tmp_path / "outbox.db"
    first = Outbox(path)
    keys = [first.enqueue(payload(phone=f"+3361234567{i}")) for i in range(3)]
    del first  # the process stops before delivering anything
    second = Outbox(path)
    assert (await second.deliver_due(client)).delivered == 3
    assert [second.status(k).state for k in keys] == ["delivered"] * 3
    assert sorted(api.keys()) == sorted(keys)


@pytest.mark.asyncio
async def test_a_crashed_delivery_is_taken_over_when_its_lease_ends(tmp_path, client, api):
    clock = Clock()
    path = tmp_path / "outbox.db"
    crashed = Outbox(path, clock=clock, lease_s=60)
    key = crashed.enqueue(payload())
    assert crashed._claim(key, due_only=True) is not None  # then the process dies

    survivor = Outbox(path, clock=clock, lease_s=60)
    assert (await survivor.deliver_due(client)).delivered == 0
    assert api.requests == []
    clock.now += 61
    assert (await survivor.deliver_due(client)).delivered == 1
    assert survivor.status(key).reference == "REF001"


@pytest.mark.parametrize(
    ("status", "code"),
    [(422, "idempotency_key_reused"), (422, "invalid_input"), (400, "bad_request")],
)
@pytest.mark.asyncio
async def test_a_refusal_is_flagged_kept_and_not_retried(box, client, api, clock, status, code):
    key = box.enqueue(payload())
    api.refuse = (status, code)
    round_ = await box.deliver_due(client)
    assert round_.failed == 1
    failed = box.status(key)
    assert (failed.state, failed.error_code, failed.reference) == ("failed", code, None)
    assert str(status) in failed.last_error
    assert box.failed() == [failed]
    assert box.pending_count() == 0
    # Kept with its payload for an administrator, never retried on its own.
    assert json.loads(rows(box.path)[0]["payload"]) == payload()
    clock.now += 10_000
    await box.deliver_due(client)
    assert len(api.requests) == 1

    # Once the cause is fixed, an administrator can send it again.
    api.refuse = None
    assert box.requeue(key)
    await box.deliver_due(client)
    assert box.status(key).state == "delivered"


@pytest.mark.asyncio
async def test_an_erased_key_is_gone_for_good(box, client, api):
    key = box.enqueue(payload())
    api.erased_keys.add(key)
    await box.deliver_due(client)
    assert (box.status(key).state, box.status(key).error_code) == ("failed", "gone")


@pytest.mark.parametrize("status", [500, 502, 503, 401, 404, 409, 429])
@pytest.mark.asyncio
async def test_server_errors_and_odd_answers_are_retried(box, client, api, status):
    key = box.enqueue(payload())
    api.refuse = (status, "whatever")
    await box.deliver_due(client)
    assert box.status(key).state == "pending"
    assert box.status(key).attempts == 1


@pytest.mark.asyncio
async def test_not_retried_before_its_time(box, client, api, clock):
    key = box.enqueue(payload())
    api.down = True
    await box.deliver_due(client)
    wait = box.seconds_until_due()
    assert 1.0 <= wait <= 2.0  # the first delay: base 2 s, half of it jittered
    clock.now += wait / 2
    await box.deliver_due(client)
    assert len(api.requests) == 1
    clock.now += wait / 2
    await box.deliver_due(client)
    assert len(api.requests) == 2
    assert box.status(key).attempts == 2


@pytest.mark.asyncio
async def test_back_off_grows_to_its_cap(tmp_path, client, api):
    clock = Clock()
    box = Outbox(
        tmp_path / "o.db", backoff_base_s=1, backoff_cap_s=60, clock=clock, rng=random.Random(7)
    )
    box.enqueue(payload())
    api.down = True
    waits = []
    for _ in range(12):
        await box.deliver_due(client)
        waits.append(box.seconds_until_due())
        clock.now += waits[-1]
    for attempt, wait in enumerate(waits, start=1):
        nominal = min(60, 2 ** (attempt - 1))
        assert nominal / 2 <= wait <= nominal, (attempt, wait)
    # Two attempts later the wait is always longer, until the cap is reached.
    assert all(waits[i + 2] > waits[i] for i in range(5))
    assert waits[0] <= 1 < 4 <= waits[3] and min(waits[-4:]) >= 30


def test_backoff_delay_bounds():
    rng = random.Random(3)
    for attempts in range(1, 40):
        nominal = min(300, 2 * 2 ** (attempts - 1))
        for _ in range(20):
            assert nominal / 2 <= backoff_delay(attempts, 2, 300, rng) <= nominal
    assert backoff_delay(0, 2, 300, rng) <= 2
    assert backoff_delay(10_000, 2, 300, rng) <= 300


# ---------------------------------------------------------------- concurrency


@pytest.mark.asyncio
async def test_concurrent_deliveries_send_each_row_once(box, client, api):
    api.delay = 0.05
    keys = [box.enqueue(payload(phone=f"+3361234567{i}")) for i in range(3)]
    await asyncio.gather(
        box.deliver_due(client),
        box.deliver_due(client),
        *(box.try_deliver_now(k, client, timeout=2) for k in keys),
        box.deliver_due(client),
    )
    assert sorted(api.keys()) == sorted(keys)
    assert all(box.status(k).state == "delivered" for k in keys)


@pytest.mark.asyncio
async def test_two_outboxes_on_one_file_send_each_row_once(tmp_path, client, api):
    api.delay = 0.02
    path = tmp_path / "outbox.db"
    a, b = Outbox(path), Outbox(path)
    keys = [a.enqueue(payload(phone=f"+336123456{i:02d}")) for i in range(10)]
    await asyncio.gather(a.deliver_due(client), b.deliver_due(client))
    assert sorted(api.keys()) == sorted(keys)


# ---------------------------------------------------------------- delivering at once


@pytest.mark.asyncio
async def test_try_deliver_now_gives_the_reference_at_once(box, client):
    key = box.enqueue(payload())
    status = await box.try_deliver_now(key, client, timeout=2)
    assert (status.state, status.reference) == ("delivered", "REF001")


@pytest.mark.asyncio
async def test_try_deliver_now_with_the_api_down(box, client, api):
    api.down = True
    key = box.enqueue(payload())
    status = await box.try_deliver_now(key, client, timeout=2)
    assert (status.state, status.attempts) == ("pending", 1)


@pytest.mark.asyncio
async def test_a_slow_delivery_finishes_in_the_background(box, client, api):
    api.delay = 0.3
    key = box.enqueue(payload())
    status = await box.try_deliver_now(key, client, timeout=0.05)
    assert status.state == "pending"
    await box.drain()
    assert box.status(key).reference == "REF001"
    assert len(api.requests) == 1


@pytest.mark.asyncio
async def test_try_deliver_now_waits_for_a_delivery_in_progress(box, client, api):
    api.delay = 0.1
    key = box.enqueue(payload())
    running = asyncio.create_task(box.deliver_due(client))
    await asyncio.sleep(0.02)
    status = await box.try_deliver_now(key, client, timeout=2)
    await running
    assert (status.state, status.reference) == ("delivered", "REF001")
    assert len(api.requests) == 1


# ---------------------------------------------------------------- erasure


@pytest.mark.asyncio
async def test_erasure_forgets_undelivered_applications_of_a_phone(box, client, api):
    delivered = box.enqueue(payload())
    await box.deliver_due(client)
    api.down = True
    pending = box.enqueue(payload())
    other = box.enqueue(payload(phone="+33700000000"))
    assert box.erase_phone("+33612345678") == 1
    assert box.status(pending) is None
    assert box.status(other).state == "pending"
    assert box.status(delivered).state == "delivered"
    assert box.forget(other) and box.status(other) is None


# ---------------------------------------------------------------- the worker


@pytest.mark.asyncio
async def test_worker_delivers_when_woken_and_retries_until_up(tmp_path, client, api):
    box = Outbox(tmp_path / "o.db", backoff_base_s=0.02, backoff_cap_s=0.05)
    worker = OutboxWorker(box, client, poll_interval_s=60)
    api.down = True
    worker.start()
    worker.start()  # no-op
    try:
        key = box.enqueue(payload())
        worker.wake()
        for _ in range(200):
            if len(api.requests) >= 3:
                break
            await asyncio.sleep(0.01)
        assert box.status(key).state == "pending"
        api.down = False
        for _ in range(200):
            if box.status(key).state == "delivered":
                break
            await asyncio.sleep(0.01)
        assert box.status(key).reference == "REF001"
        assert set(api.keys()) == {key}
        assert len(api.created) == 1
    finally:
        await worker.stop()
    assert not worker.running


@pytest.mark.asyncio
async def test_stop_right_after_wake(tmp_path, client):
    """Python 3.10's wait_for would swallow this cancellation and the worker run forever."""
    box = Outbox(tmp_path / "o.db")
    worker = OutboxWorker(box, client, poll_interval_s=60)
    for _ in range(20):
        worker.start()
        await asyncio.sleep(0.01)
        worker.wake()
        await asyncio.wait_for(worker.stop(), timeout=2)
        assert not worker.running


@pytest.mark.asyncio
async def test_worker_survives_errors(tmp_path, client, api, caplog):
    box = Outbox(tmp_path / "o.db")
    calls = []

    def broken_client():
        calls.append(1)
        raise RuntimeError("boom")

    worker = OutboxWorker(box, broken_client, poll_interval_s=0.01)
    worker.start()
    await asyncio.sleep(0.1)
    assert worker.running and len(calls) > 1
    await worker.stop()
    assert "delivery round failed" in caplog.text


@pytest.mark.asyncio
async def test_stopping_mid_delivery_keeps_the_row_pending(tmp_path, client, api):
    box = Outbox(tmp_path / "o.db")
    api.delay = 1
    key = box.enqueue(payload())
    worker = OutboxWorker(box, client)
    worker.start()
    await asyncio.sleep(0.05)
    await worker.stop()
    status = box.status(key)
    assert (status.state, status.attempts) == ("pending", 0)
    assert not box._leased(key)  # free for the next run


@pytest.mark.asyncio
async def test_service_submit(tmp_path, client, api):
    box = Outbox(tmp_path / "o.db")
    service = OutboxService(box, OutboxWorker(box, client), lambda: client)
    key, status = await service.submit(payload(), wait_s=1)
    assert (status.state, status.reference) == ("delivered", "REF001")
    api.down = True
    key2, status2 = await service.submit(payload(phone="+33700000000"), wait_s=1)
    assert key2 != key and status2.state == "pending"


@pytest.mark.asyncio
async def test_start_and_stop_hooks(tmp_path):
    # Port 9 (discard) on localhost refuses connections: the API is "down".
    settings = Settings(api_url="http://127.0.0.1:9", api_key="k", outbox_path=tmp_path / "hook.db")
    try:
        service = await start_outbox(settings)
        assert await start_outbox(settings) is service
        assert service.worker.running
        assert service.outbox.path == tmp_path / "hook.db"
        key, status = await service.submit(payload(), wait_s=2)
        assert status.state == "pending"
    finally:
        await stop_outbox()
    assert outbox_module._service is None
    assert not service.worker.running
    assert Outbox(tmp_path / "hook.db").status(key).state == "pending"


@pytest.mark.asyncio
async def test_attach_to_sanic(tmp_path, monkeypatch):
    monkeypatch.setenv("EMILE_OUTBOX_PATH", str(tmp_path / "sanic.db"))
    monkeypatch.setenv("EMILE_API_KEY", "k")

    class App:
        def __init__(self):
            self.listeners = {}

        def register_listener(self, listener, event):
            self.listeners[event] = listener

    app = App()
    attach_to_sanic(app)
    assert set(app.listeners) == {"after_server_start", "before_server_stop"}
    await app.listeners["after_server_start"](app, None)
    try:
        assert outbox_module._service is not None
        assert outbox_module._service.worker.running
    finally:
        await app.listeners["before_server_stop"](app, None)
    assert outbox_module._service is None
