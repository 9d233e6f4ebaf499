"""The Telegram channel inside a real Sanic server (registered as Rasa registers channels),
Telegram played by the fake Bot API server, and the admin command."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage, register
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.channels import telegram_admin
from bot.channels.telegram import SECRET_HEADER, TelegramInput, TelegramSettings
from tests.fakes.raw_http import deliver_in_order, request_bytes
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*`retry_after` will be of type"),
    # Domain.from_dict always says this about slots.
    pytest.mark.filterwarnings("ignore:Slot auto-fill has been removed"),
]

SECRET = "server-test_secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch) -> None:
    # Several Sanic apps in one process: keep Sanic from rewriting its methods twice.
    monkeypatch.setattr(Sanic, "test_mode", True)


class Agent:
    """What the channel touches of Rasa's Agent: handle_message, nlg, tracker_store, domain."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.domain = Domain.from_dict(
            {"slots": {"language": {"type": "any", "mappings": [{"type": "custom"}]}}}
        )
        self.nlg = SimpleNamespace(generate=self._generate)
        self.tracker_store = SimpleNamespace(retrieve=self._retrieve)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        hint = (message.metadata or {}).get("language_hint", "fr")
        await message.output_channel.send_response(
            message.sender_id,
            {
                "text": f"[{hint}] {message.text}",
                "buttons": [{"title": "Menu", "payload": "/menu"}],
                "language": hint,
            },
        )

    async def _generate(self, name: str, tracker: Any, channel: str, **values: Any) -> Any:
        if name != "utter_media_not_supported":
            return None
        language = values.get("language", "fr")
        return {"text": f"{name}/{language}", "language": language}

    async def _retrieve(self, sender_id: str) -> Any:
        return None


class Server:
    def __init__(self, fake: FakeTelegram, data_dir: Path, mode: str = "webhook") -> None:
        self.port = free_port()
        self.settings = TelegramSettings(
            access_token=TOKEN,
            secret_token=SECRET,
            base_url=fake.base_url,
            data_dir=data_dir,
            mode=mode,
            poll_timeout_s=1,
            public_url=f"http://127.0.0.1:{self.port}/webhooks/telegram/webhook",
        )
        self.channel = TelegramInput(self.settings)
        self.agent = Agent()
        self.app = Sanic(f"telegram_test_{uuid.uuid4().hex[:8]}")
        self.app.ctx.agent = self.agent
        register([self.channel], self.app, route="/webhooks/")
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
async def server(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[Server]:
    running = Server(fake, tmp_path)
    await running.start()
    yield running
    await running.stop()


async def until(check: Any, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.mark.asyncio
async def test_webhook_through_sanic(server: Server, fake: FakeTelegram) -> None:
    assert [c.method for c in fake.calls] == ["getMe"]  # bot.initialize() at server start
    client = server.channel.client
    await telegram_admin.set_webhook(client, server.settings, server.settings.public_url)
    assert fake.webhook["secret_token"] == SECRET
    alice = Person(2001, language_code="en")

    # Telegram's delivery (the fake POSTs as Telegram does), from another thread.
    answer = await asyncio.to_thread(fake.deliver, fake.text(alice, "hello"))
    assert answer.status_code == 200
    await until(lambda: len(fake.sent(2001)) == 1)
    assert fake.sent(2001)[0].text == "[en] hello"
    assert server.agent.messages[0].metadata == {"channel": "telegram", "language_hint": "en"}

    # Wrong secret, no secret: 403. Malformed: 400.
    wrong = await asyncio.to_thread(fake.deliver, fake.text(alice, "x"), secret="nope")
    assert wrong.status_code == 403
    async with httpx.AsyncClient() as http:
        hook = f"{server.url}/webhooks/telegram/webhook"
        assert (await http.post(hook, content=b"{}")).status_code == 403
        bad = await http.post(hook, content=b"{oops", headers={SECRET_HEADER: SECRET})
        assert bad.status_code == 400
        health = await http.get(f"{server.url}/webhooks/telegram/")
        assert health.json() == {"status": "ok", "mode": "webhook"}

    # A press on the keyboard, then a photo (NLG reply in the hinted language).
    press = fake.press(alice, "Menu")
    assert (await asyncio.to_thread(fake.deliver, press)).status_code == 200
    await until(lambda: len(fake.sent(2001)) == 3)
    assert [c.text for c in fake.sent(2001)][1:] == ["✓ Menu", "[en] /menu"]
    assert (await asyncio.to_thread(fake.deliver, fake.photo(alice))).status_code == 200
    await until(lambda: len(fake.sent(2001)) == 4)
    assert fake.sent(2001)[3].text == "utter_media_not_supported/en"
    assert len(server.agent.messages) == 2

    # The same update again: 200, not processed.
    again = await asyncio.to_thread(fake.deliver, press)
    assert again.status_code == 200
    await asyncio.sleep(0.3)
    assert len(server.agent.messages) == 2


@pytest.mark.asyncio
async def test_relay_poll_posts_updates_to_the_webhook(server: Server, fake: FakeTelegram) -> None:
    """`telegram_admin poll` for a server in webhook mode on a laptop."""
    person = Person(2002, language_code="fr")
    fake.push_update(fake.text(person, "bonjour"))
    fake.push_update(fake.text(person, "ça va ?"))
    await telegram_admin.poll(server.settings, server.url, once=True)
    await until(lambda: len(fake.sent(2002)) == 2)
    assert [c.text for c in fake.sent(2002)] == ["[fr] bonjour", "[fr] ça va ?"]
    # The updates were confirmed: the next poll brings nothing again.
    await telegram_admin.poll(server.settings, server.url, once=True)
    await asyncio.sleep(0.3)
    assert len(server.agent.messages) == 2


@pytest.mark.asyncio
async def test_polling_mode_inside_the_server(fake: FakeTelegram, tmp_path: Path) -> None:
    running = Server(fake, tmp_path, mode="polling")
    await running.start()
    try:
        person = Person(2003, language_code="en")
        fake.push_update(fake.text(person, "hello"))
        await until(lambda: len(fake.sent(2003)) == 1)
        assert fake.sent(2003)[0].text == "[en] hello"
    finally:
        await running.stop()


# ---------------------------------------------------------------------------- the command


def test_admin_commands(fake: FakeTelegram, tmp_path: Path, monkeypatch, capsys) -> None:
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "bot.channels.telegram.TelegramInput:\n"
        "  access_token: ${TELEGRAM_BOT_TOKEN}\n"
        "  secret_token: ${TELEGRAM_SECRET_TOKEN}\n"
        "  base_url: ${TELEGRAM_BASE_URL}\n"
        "  public_url: https://bot.example.org/webhooks/telegram/webhook\n"
        "bot.channels.sms.TwilioSmsInput:\n"
        "  auth_token: ${TWILIO_AUTH_TOKEN_NOT_SET}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    monkeypatch.setenv("TELEGRAM_BASE_URL", fake.base_url)
    run = ["--credentials", str(credentials)]

    assert telegram_admin.main([*run, "set-webhook", "--drop-pending-updates"]) == 0
    (call,) = fake.calls_to("setWebhook")
    assert call.params == {
        "url": "https://bot.example.org/webhooks/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": True,
    }
    assert telegram_admin.main([*run, "info"]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert shown["webhook"]["url"] == "https://bot.example.org/webhooks/telegram/webhook"
    assert shown["bot"]["username"] == "emile_test_bot"

    assert telegram_admin.main([*run, "delete-webhook"]) == 0
    assert fake.webhook == {}
    assert fake.calls_to("deleteWebhook")[0].params == {"drop_pending_updates": False}


def test_admin_refuses_without_token_or_secret(fake, tmp_path, monkeypatch, capsys) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN", "TELEGRAM_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    missing = tmp_path / "none.yml"
    assert telegram_admin.main(["--credentials", str(missing), "info"]) == 2
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    with pytest.raises(SystemExit, match="secret"):
        telegram_admin.main(
            ["--credentials", str(missing), "--base-url", fake.base_url, "set-webhook"]
        )
    assert fake.calls_to("setWebhook") == []


@pytest.mark.asyncio
async def test_two_messages_a_few_milliseconds_apart_are_handled_in_order(
    server: Server, fake: FakeTelegram
) -> None:
    """A person types fast: each pair reaches the bot, and is answered, in delivery order."""
    await telegram_admin.set_webhook(
        server.channel.client, server.settings, server.settings.public_url
    )
    bob = Person(2002, language_code="fr")
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    pairs = 40
    for i in range(pairs):
        first, then = (
            request_bytes(
                server.settings.public_url, json.dumps(fake.text(bob, text)).encode(), headers
            )
            for text in (f"first {i}", f"then {i}")
        )
        answers = await deliver_in_order(server.settings.public_url, [first, then], 0.003)
        assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
    await until(lambda: len(fake.sent(2002)) == 2 * pairs, timeout=60)
    expected = [text for i in range(pairs) for text in (f"first {i}", f"then {i}")]
    assert [m.text for m in server.agent.messages] == expected
    assert [c.text for c in fake.sent(2002)] == [f"[fr] {t}" for t in expected]
