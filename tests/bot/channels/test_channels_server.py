"""Both channels on the one core, inside one real Sanic server registered as Rasa registers
channels; Telegram and Twilio played by the fakes, deliveries written to the sockets."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.sms import TwilioSmsInput
from bot.channels.telegram import SECRET_HEADER, TelegramInput
from bot.channels.telegram_settings import TelegramSettings
from tests.bot.channels.sms_support import PUBLIC_URL
from tests.bot.channels.sms_support import settings as sms_settings
from tests.e2e.stack import free_port
from tests.fakes.raw_http import deliver_in_order, request_bytes
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person
from tests.fakes.twilio_api import FakeTwilio, inbound_sms, signed_request_bytes

pytestmark = [pytest.mark.filterwarnings("ignore:.*`retry_after` will be of type")]

SECRET = "both-channels_secret"
PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"
# A turn that outlives any drain timeout of these tests (a stuck action server).
STUCK_S = 60.0
DRAIN_TIMEOUT_S = 0.5


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several Sanic apps in one process: keep Sanic from rewriting its methods twice.
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def twilio_fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


class Agent:
    """What the channels touch of Rasa's Agent; "stuck" never finishes in time."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.cancelled: list[str] = []
        self.nlg = SimpleNamespace(generate=self._generate)
        self.tracker_store = SimpleNamespace(retrieve=self._retrieve)
        self.domain = None

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if message.text == "stuck":
            try:
                await asyncio.sleep(STUCK_S)
            except asyncio.CancelledError:
                self.cancelled.append(message.input_channel or "")
                raise
        await message.output_channel.send_response(
            message.sender_id, {"text": f"You said {message.text}"}
        )

    def texts(self, channel: str, sender: str) -> list[str]:
        return [
            m.text or ""
            for m in self.messages
            if m.input_channel == channel and m.sender_id == sender
        ]

    async def _generate(self, name: str, tracker: Any, channel: str, **values: Any) -> Any:
        return {"text": f"({name})"}

    async def _retrieve(self, sender_id: str) -> Any:
        return None


class Server:
    def __init__(self, telegram: FakeTelegram, twilio: FakeTwilio, data_dir: Path) -> None:
        self.port = free_port()
        self.telegram = TelegramInput(
            TelegramSettings(
                access_token=TOKEN,
                secret_token=SECRET,
                base_url=telegram.base_url,
                data_dir=data_dir,
                typing=False,
                drain_timeout_s=DRAIN_TIMEOUT_S,
            )
        )
        self.sms = TwilioSmsInput(
            sms_settings(twilio, data_dir, drain_timeout=DRAIN_TIMEOUT_S, public_url=PUBLIC_URL)
        )
        self.agent = Agent()
        self.app = Sanic(f"channels_test_{uuid.uuid4().hex[:8]}")
        self.app.ctx.agent = self.agent
        register([self.telegram, self.sms], self.app, route="/webhooks/")
        self.server: Any = None

    def url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/{channel}/webhook"

    def telegram_request(self, update: dict[str, Any]) -> bytes:
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        return request_bytes(self.url("telegram"), json.dumps(update).encode(), headers)

    def sms_request(self, params: dict[str, str]) -> bytes:
        return signed_request_bytes(self.url("sms"), PUBLIC_URL, params)

    async def start(self) -> None:
        self.server = await self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()

    async def stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()


@pytest_asyncio.fixture
async def server(
    telegram_fake: FakeTelegram, twilio_fake: FakeTwilio, tmp_path: Path
) -> AsyncIterator[Server]:
    running = Server(telegram_fake, twilio_fake, tmp_path)
    await running.start()
    yield running
    await running.stop()


async def until(check: Any, timeout: float = 60.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


async def deliver(url: str, requests: list[bytes], gap_s: float = 0.003) -> None:
    answers = await deliver_in_order(url, requests, gap_s)
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers)


@pytest.mark.asyncio
async def test_each_persons_messages_keep_their_order_on_both_channels(
    server: Server, telegram_fake: FakeTelegram, twilio_fake: FakeTwilio
) -> None:
    """Pairs a few milliseconds apart on Telegram and SMS at once, many times: every
    message reaches the bot, and every answer the person, in delivery order."""
    ana = Person(3001, language_code="fr")
    rounds = 25
    for i in range(rounds):
        await asyncio.gather(
            deliver(
                server.url("telegram"),
                [server.telegram_request(telegram_fake.text(ana, f"{t} {i}")) for t in ("a", "b")],
            ),
            deliver(
                server.url("sms"),
                [server.sms_request(inbound_sms(PHONE, f"{t} {i}")) for t in ("a", "b")],
            ),
        )
    await until(
        lambda: (
            len(telegram_fake.sent(3001)) == 2 * rounds
            and len(twilio_fake.sent_to(PHONE)) == 2 * rounds
        )
    )
    expected = [f"{t} {i}" for i in range(rounds) for t in ("a", "b")]
    assert server.agent.texts("telegram", "3001") == expected
    assert server.agent.texts("sms", PHONE) == expected
    assert [c.text for c in telegram_fake.sent(3001)] == [f"You said {t}" for t in expected]
    assert [m.body for m in twilio_fake.sent_to(PHONE)] == [f"You said {t}" for t in expected]


@pytest.mark.asyncio
async def test_a_delivery_repeated_at_once_is_handled_once_on_both_channels(
    server: Server, telegram_fake: FakeTelegram, twilio_fake: FakeTwilio
) -> None:
    update = server.telegram_request(telegram_fake.text(Person(3002), "bonjour"))
    sms = server.sms_request(inbound_sms(PHONE, "bonjour"))
    await asyncio.gather(
        deliver(server.url("telegram"), [update] * 3, gap_s=0),
        deliver(server.url("sms"), [sms] * 3, gap_s=0),
    )
    await until(lambda: telegram_fake.sent(3002) and twilio_fake.sent_to(PHONE))
    await asyncio.sleep(0.3)  # room for a second handling, were there one
    assert server.agent.texts("telegram", "3002") == ["bonjour"]
    assert server.agent.texts("sms", PHONE) == ["bonjour"]
    assert len(telegram_fake.sent(3002)) == 1
    assert len(twilio_fake.sent_to(PHONE)) == 1


@pytest.mark.asyncio
async def test_stopping_finishes_quick_turns_and_cancels_stuck_ones_on_both_channels(
    telegram_fake: FakeTelegram, twilio_fake: FakeTwilio, tmp_path: Path
) -> None:
    running = Server(telegram_fake, twilio_fake, tmp_path)
    await running.start()
    await deliver(
        running.url("telegram"),
        [running.telegram_request(telegram_fake.text(Person(3003), "stuck"))],
    )
    await deliver(running.url("sms"), [running.sms_request(inbound_sms(PHONE, "stuck"))])
    await until(lambda: len(running.agent.messages) == 2)
    # Taken in just before the server stops: still answered while it drains.
    await deliver(
        running.url("telegram"),
        [running.telegram_request(telegram_fake.text(Person(3004), "quick"))],
    )
    await deliver(running.url("sms"), [running.sms_request(inbound_sms(OTHER_PHONE, "quick"))])
    await running.stop()
    assert sorted(running.agent.cancelled) == ["sms", "telegram"]
    assert [c.text for c in telegram_fake.sent(3004)] == ["You said quick"]
    assert [m.body for m in twilio_fake.sent_to(OTHER_PHONE)] == ["You said quick"]
    assert telegram_fake.sent(3003) == [] and twilio_fake.sent_to(PHONE) == []
    assert running.telegram.handler is not None and running.telegram.handler.pipeline.pending == 0
    assert running.sms.pipeline.pending == 0
