"""The SMS channel inside a real Sanic server, registered as Rasa registers channels, with
Twilio played by the fake REST server and webhooks signed as Twilio signs them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.sms import EMPTY_TWIML, TwilioSmsInput
from tests.bot.channels.sms_support import PERSON, settings
from tests.e2e.stack import free_port
from tests.fakes.raw_http import deliver_in_order
from tests.fakes.twilio_api import (
    FakeTwilio,
    inbound_sms,
    media_url,
    signed_post,
    signed_request_bytes,
)

PUBLIC_URL = "https://bot.example.org/webhooks/sms/webhook"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several Sanic apps in one process: keep Sanic from rewriting its methods twice.
    monkeypatch.setattr(Sanic, "test_mode", True)


class Agent:
    """What the channel touches of Rasa's Agent: handle_message, nlg, tracker_store, domain."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.domain = None
        self.nlg = SimpleNamespace(generate=self._generate)
        self.tracker_store = SimpleNamespace(retrieve=self._retrieve)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id,
            {
                "text": f"You said {message.text}. Ready?",
                "buttons": [
                    {"title": "Yes", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
                "language": "en",
            },
        )

    async def _generate(self, name: str, tracker: Any, channel: str, **values: Any) -> Any:
        assert channel == "sms"
        return {"text": f"({name} for {tracker.sender_id})"}

    async def _retrieve(self, sender_id: str) -> Any:
        return None


class Server:
    def __init__(self, fake: FakeTwilio, data_dir: Path) -> None:
        self.port = free_port()
        self.channel = TwilioSmsInput(settings(fake, data_dir, public_url=PUBLIC_URL))
        self.agent = Agent()
        self.app = Sanic(f"sms_test_{uuid.uuid4().hex[:8]}")
        self.app.ctx.agent = self.agent
        register([self.channel], self.app, route="/webhooks/")
        self.server: Any = None

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/sms/webhook"

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
async def server(fake: FakeTwilio, tmp_path: Path) -> AsyncIterator[Server]:
    running = Server(fake, tmp_path)
    await running.start()
    yield running
    await running.stop()


async def post(server: Server, params: dict[str, str], **kw: Any) -> httpx.Response:
    # Twilio's request, from another thread (the fake client is synchronous).
    return await asyncio.to_thread(signed_post, server.webhook, PUBLIC_URL, params, **kw)


async def until(check: Any, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.mark.asyncio
async def test_webhook_through_sanic(server: Server, fake: FakeTwilio) -> None:
    async with httpx.AsyncClient() as http:
        health = await http.get(f"http://127.0.0.1:{server.port}/webhooks/sms/")
    assert health.json() == {"status": "ok"}

    # Wrong and missing signatures: 403, nothing processed, nothing sent.
    params = inbound_sms(PERSON, "hello")
    assert (await post(server, params, signature="d3Jvbmc=")).status_code == 403
    assert (await post(server, params, signature="")).status_code == 403
    assert (await post(server, params, auth_token="not-our-token")).status_code == 403
    await asyncio.sleep(0.2)
    assert server.agent.messages == [] and fake.requests == []

    # Signed for the public URL (the request reached 127.0.0.1): accepted at once.
    answer = await post(server, params)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text == EMPTY_TWIML
    await until(lambda: len(fake.messages) == 1)
    assert fake.messages[0].body == "You said hello. Ready?\n1. Yes\n2. No"
    assert server.agent.messages[0].metadata == {"channel": "sms", "phone": PERSON}

    # The same delivery again: 200, processed once.
    assert (await post(server, params)).status_code == 200
    # A number picks the choice; a photo gets the notice.
    assert (await post(server, inbound_sms(PERSON, "2"))).status_code == 200
    await until(lambda: len(fake.messages) == 2)
    assert [m.text for m in server.agent.messages] == ["hello", "/deny"]
    photo = inbound_sms(PERSON, "", media=[("image/jpeg", media_url())])
    assert (await post(server, photo)).status_code == 200
    await until(lambda: len(fake.messages) == 3)
    assert fake.messages[2].body == f"(utter_media_not_supported for {PERSON})"
    assert len(server.agent.messages) == 2


@pytest.mark.asyncio
async def test_server_stop_closes_the_channel(fake: FakeTwilio, tmp_path: Path) -> None:
    running = Server(fake, tmp_path)
    await running.start()
    assert (await post(running, inbound_sms(PERSON, "hi"))).status_code == 200
    await until(lambda: len(fake.messages) == 1)
    await running.stop()
    assert running.channel._gateway is None


@pytest.mark.asyncio
async def test_two_messages_a_few_milliseconds_apart_are_handled_in_order(
    server: Server, fake: FakeTwilio
) -> None:
    """A person types fast: each pair reaches the bot, and is answered, in delivery order."""
    pairs = 40
    for i in range(pairs):
        first, then = (
            signed_request_bytes(server.webhook, PUBLIC_URL, inbound_sms(PERSON, text))
            for text in (f"first {i}", f"then {i}")
        )
        answers = await deliver_in_order(server.webhook, [first, then], gap_s=0.003)
        assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
    await until(lambda: len(fake.messages) == 2 * pairs, timeout=60)
    expected = [text for i in range(pairs) for text in (f"first {i}", f"then {i}")]
    assert [m.text for m in server.agent.messages] == expected
    assert [m.body.split(".")[0] for m in fake.messages] == [f"You said {t}" for t in expected]
