"""The Telegram channel against the fake Bot API server (real wire format, loopback)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from telegram import Update

from bot.channels.inbox import InboxSettings
from bot.channels.notices import agent_notices
from bot.channels.telegram import TelegramInput
from bot.channels.telegram_bot import TelegramClient
from bot.channels.telegram_output import TelegramOutput
from bot.channels.telegram_payloads import MAX_CALLBACK_DATA, PayloadStore
from bot.channels.telegram_render import (
    MAX_TEXT,
    command_text,
    keyboard,
    metadata_for,
    text_parts,
    utf16_len,
)
from bot.channels.telegram_settings import TelegramSettings
from bot.channels.telegram_updates import MEDIA_RESPONSES
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person

# python-telegram-bot warns about its own use of RetryAfter.retry_after (see telegram.py).
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*`retry_after` will be of type"),
    # Domain.from_dict always says this about slots.
    pytest.mark.filterwarnings("ignore:Slot auto-fill has been removed"),
]

SECRET = "s3cret-Token_for_tests"
Reply = list[dict[str, Any]]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings(fake: FakeTelegram, tmp_path: Path) -> TelegramSettings:
    return TelegramSettings(
        access_token=TOKEN,
        secret_token=SECRET,
        base_url=fake.base_url,
        data_dir=tmp_path,
        typing=False,
    )


class FakeRasa:
    """Stands for `agent.handle_message`: records messages, answers through their channel."""

    def __init__(self, answer: Callable[[str], Reply] | None = None) -> None:
        self.messages: list[UserMessage] = []
        self.answer = answer or (lambda text: [{"text": f"echo: {text}", "language": "fr"}])

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        for reply in self.answer(message.text or ""):
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> list[str | None]:
        return [m.text for m in self.messages]


async def media_reply(chat_id: str, names: tuple[str, ...], hint: str | None) -> dict[str, Any]:
    assert names == MEDIA_RESPONSES
    return {"text": f"media-not-supported ({hint})", "language": hint or "fr"}


@pytest_asyncio.fixture
async def channel(settings: TelegramSettings) -> AsyncIterator[tuple[TelegramInput, FakeRasa]]:
    rasa = FakeRasa()
    telegram = TelegramInput(settings, notices=media_reply)
    await telegram.start(None, rasa)
    yield telegram, rasa
    await telegram.stop()


async def post(telegram: TelegramInput, update: Any, secret: str | None = SECRET) -> int:
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    status, _ = await telegram.receive(secret, body)
    assert telegram.handler is not None
    await telegram.handler.drain()
    return status


def texts(fake: FakeTelegram, chat_id: int) -> list[str | None]:
    return [call.text for call in fake.sent(chat_id)]


# ---------------------------------------------------------------------------- secret token


@pytest.mark.asyncio
async def test_right_secret_token_is_processed(channel, fake: FakeTelegram) -> None:
    telegram, rasa = channel
    alice = Person(1001, language_code="fr")
    assert await post(telegram, fake.text(alice, "bonjour")) == 200
    assert rasa.texts == ["bonjour"]
    assert texts(fake, 1001) == ["echo: bonjour"]


@pytest.mark.asyncio
@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_wrong_secret_token_is_refused_before_parsing(channel, fake, secret) -> None:
    telegram, rasa = channel
    # Even garbage gets 403, not 400: nothing is parsed without the secret.
    assert await post(telegram, b"{not json", secret) == 403
    update = fake.text(Person(1002), "bonjour")
    assert await post(telegram, update, secret) == 403
    assert rasa.messages == []
    assert [c.method for c in fake.calls] == ["getMe"]  # from the start, nothing since
    # Refused before the de-duplication: the genuine delivery still goes through.
    assert await post(telegram, update) == 200
    assert rasa.texts == ["bonjour"]


@pytest.mark.asyncio
async def test_no_configured_secret_refuses_everything(settings, fake) -> None:
    rasa = FakeRasa()
    telegram = TelegramInput(
        TelegramSettings(**{**settings.__dict__, "secret_token": ""}), notices=media_reply
    )
    await telegram.start(None, rasa)
    try:
        assert await post(telegram, fake.text(Person(1), "hi"), "") == 403
        assert await post(telegram, fake.text(Person(1), "hi"), None) == 403
    finally:
        await telegram.stop()
    assert rasa.messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [b"", b"{not json", b"[1, 2]", b'"text"', b'{"message": {}}', b'{"update_id": "7"}'],
)
async def test_malformed_body_is_400(channel, body: bytes) -> None:
    telegram, rasa = channel
    assert await post(telegram, body) == 400
    assert rasa.messages == []


@pytest.mark.asyncio
async def test_unreadable_update_is_acknowledged_not_crashed(channel, fake) -> None:
    telegram, rasa = channel
    # Valid JSON, update_id present, but a message python-telegram-bot cannot read.
    assert await post(telegram, {"update_id": 77, "message": {"chat": "?"}}) == 200
    assert rasa.messages == []


@pytest.mark.asyncio
async def test_off_without_token(tmp_path) -> None:
    telegram = TelegramInput(TelegramSettings(data_dir=tmp_path))
    assert telegram.get_output_channel() is None
    status, _ = await telegram.receive(SECRET, b"{}")
    assert status == 503
    assert not (tmp_path / "telegram.db").exists()


# ---------------------------------------------------------------------------- de-duplication


@pytest.mark.asyncio
async def test_repeated_update_id_is_processed_once(channel, fake) -> None:
    telegram, rasa = channel
    update = fake.text(Person(1003), "bonjour")
    for _ in range(3):
        assert await post(telegram, update) == 200
    assert rasa.texts == ["bonjour"]
    assert len(fake.sent(1003)) == 1


@pytest.mark.asyncio
async def test_concurrent_redeliveries_are_processed_once(channel, fake) -> None:
    telegram, rasa = channel
    update = json.dumps(fake.text(Person(1004), "salut")).encode()
    answers = await asyncio.gather(*(telegram.receive(SECRET, update) for _ in range(10)))
    assert {status for status, _ in answers} == {200}
    await telegram.handler.drain()
    assert rasa.texts == ["salut"]


@pytest.mark.asyncio
async def test_an_update_not_written_down_gets_a_503_and_is_not_processed(
    channel, fake, monkeypatch
) -> None:
    telegram, rasa = channel
    update = fake.text(Person(1009), "bonjour")

    def disk_full(*_args: Any, **_kwargs: Any) -> bool:
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(telegram.inbox, "put", disk_full)
        assert await post(telegram, update) == 503
    assert rasa.texts == [] and fake.sent(1009) == []
    # Telegram delivers it again after a non-2xx answer: processed once.
    assert await post(telegram, update) == 200
    assert rasa.texts == ["bonjour"]


@pytest.mark.asyncio
async def test_an_update_taken_in_by_a_server_that_died_is_answered_by_another(
    settings, fake
) -> None:
    quick = replace(settings, inbox=InboxSettings(lease_s=0.3, sweep_s=0.05))
    stuck = asyncio.Event()

    async def never_answers(_message: Any) -> None:
        await stuck.wait()

    dying = TelegramInput(quick, notices=media_reply)
    await dying.start(None, never_answers)
    update = json.dumps(fake.text(Person(1010, language_code="fr"), "bonjour")).encode()
    assert (await dying.receive(SECRET, update))[0] == 200
    assert dying.handler is not None
    for task in list(dying.handler.pipeline._tasks):  # SIGKILL
        task.cancel()
    dying.handler.pipeline._held.clear()

    rasa = FakeRasa()
    other = TelegramInput(quick, notices=media_reply)
    await other.start(None, rasa)
    assert other.handler is not None
    other.handler.pipeline.start()
    for _ in range(200):
        if fake.sent(1010):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # nothing more comes
    await other.stop()
    await dying.stop()
    assert rasa.texts == ["bonjour"]
    assert rasa.messages[0].metadata["language_hint"] == "fr"
    assert texts(fake, 1010) == ["echo: bonjour"]


@pytest.mark.asyncio
async def test_deduplication_survives_a_restart(settings, fake) -> None:
    update = fake.text(Person(1005), "bonjour")
    for _ in range(2):
        rasa = FakeRasa()
        telegram = TelegramInput(settings, notices=media_reply)
        await telegram.start(None, rasa)
        await post(telegram, update)
        await telegram.stop()
    assert len(fake.sent(1005)) == 1


# ---------------------------------------------------------------------------- order per chat


@pytest.mark.asyncio
async def test_messages_of_one_chat_are_processed_in_order(settings, fake) -> None:
    seen: list[str] = []

    async def slow_rasa(message: UserMessage) -> None:
        # The first message is the slowest: order must still hold.
        await asyncio.sleep(0.05 if message.text == "1" else 0)
        seen.append(message.text or "")

    telegram = TelegramInput(settings, notices=media_reply)
    await telegram.start(None, slow_rasa)
    person = Person(1006)
    for text in ("1", "2", "3"):
        await telegram.receive(SECRET, json.dumps(fake.text(person, text)).encode())
    await telegram.handler.drain()
    await telegram.stop()
    assert seen == ["1", "2", "3"]


# ---------------------------------------------------------------------------- splitting


def test_text_parts_keep_short_texts_whole() -> None:
    assert text_parts("Bonjour. Ça va ?") == ["Bonjour. Ça va ?"]
    assert text_parts("   ") == []


def test_text_parts_split_at_sentences_within_the_limit() -> None:
    sentence = "Le programme EMILE accompagne les personnes vers un territoire. "
    text = sentence * 150  # ~9,700 characters
    parts = text_parts(text)
    assert len(parts) == 3
    assert all(utf16_len(part) <= MAX_TEXT for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text.strip()


def test_text_parts_count_utf16_units() -> None:
    text = "👍 " * 3000  # 3,000 emoji = 6,000 UTF-16 units + spaces
    parts = text_parts(text)
    assert len(parts) >= 3
    assert all(utf16_len(part) <= MAX_TEXT for part in parts)


@pytest.mark.asyncio
async def test_long_reply_is_split_and_buttons_go_on_the_last_part(settings, fake) -> None:
    long_text = "Une phrase qui explique quelque chose d'utile. " * 200
    rasa = FakeRasa(
        lambda _t: [
            {"text": long_text, "buttons": [{"title": "Oui", "payload": "/affirm"}]},
        ]
    )
    telegram = TelegramInput(settings, notices=media_reply)
    await telegram.start(None, rasa)
    await post(telegram, fake.text(Person(1007), "dis-moi tout"))
    await telegram.stop()
    sent = fake.sent(1007)
    assert len(sent) == 3
    assert all(utf16_len(call.text) <= MAX_TEXT for call in sent)
    assert [bool(call.keyboard) for call in sent] == [False, False, True]
    assert " ".join(call.text for call in sent) == long_text.strip()
    assert not [c for c in fake.calls if c.status != 200]


# ---------------------------------------------------------------------------- keyboards


def test_keyboard_layout_and_callback_data(tmp_path) -> None:
    store = PayloadStore(tmp_path / "p.db")
    markup = keyboard(
        [
            {"title": "Oui", "payload": "/affirm"},
            {"title": "Non", "payload": "/deny"},
            {"title": "Je ne sais pas", "payload": "/dont_know"},
            {"title": "Hébergement d'urgence (115, foyer)", "payload": "/x"},
            {"title": "1", "payload": "/a"},
            {"title": "2", "payload": "/b"},
            {"title": "3", "payload": "/c"},
            {"title": "4", "payload": "/d"},
            {"title": "Site", "url": "https://emile.example"},
            {"title": "", "payload": "/nothing"},
        ],
        store,
    )
    rows = [[(b.text, b.callback_data or b.url) for b in row] for row in markup.inline_keyboard]
    assert rows == [
        [("Oui", "/affirm"), ("Non", "/deny")],
        [("Je ne sais pas", "/dont_know")],
        [("Hébergement d'urgence (115, foyer)", "/x")],
        [("1", "/a"), ("2", "/b"), ("3", "/c")],
        [("4", "/d"), ("Site", "https://emile.example")],
    ]
    assert keyboard([], store) is None


def test_long_payloads_get_durable_short_tokens(tmp_path) -> None:
    payload = '/inform{"territory_preferences":["cantal","maine_et_loire","nievre","creuse"]}'
    assert len(payload.encode()) > MAX_CALLBACK_DATA
    store = PayloadStore(tmp_path / "p.db")
    data = store.callback_data(payload)
    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert data.startswith("~")
    assert store.callback_data(payload) == data  # the same payload, the same token
    assert store.resolve(data) == payload
    store.close()
    # After a restart, old buttons still work.
    assert PayloadStore(tmp_path / "p.db").resolve(data) == payload
    assert PayloadStore(tmp_path / "p.db").resolve("~unknown") is None


def test_short_payloads_go_as_they_are_except_token_lookalikes(tmp_path) -> None:
    store = PayloadStore(tmp_path / "p.db")
    assert store.callback_data("/affirm") == "/affirm"
    assert store.resolve("/affirm") == "/affirm"
    # 64 bytes exactly fit; multi-byte characters count as bytes.
    assert store.callback_data("/" + "a" * 63) == "/" + "a" * 63
    accented = "/inform{" + "é" * 30 + "}"
    assert store.callback_data(accented) != accented
    lookalike = "~tilde"
    assert store.resolve(store.callback_data(lookalike)) == lookalike


@pytest.mark.asyncio
async def test_keyboard_with_long_payload_is_accepted_by_telegram(settings, fake) -> None:
    payload = '/inform{"territory_preferences":["cantal","maine_et_loire","nievre","creuse"]}'
    telegram = TelegramInput(settings)
    output = telegram.get_output_channel()
    await output.send_response(
        "1008", {"text": "Où ?", "buttons": [{"title": "Partout", "payload": payload}]}
    )
    await telegram.stop()
    (call,) = fake.sent(1008)
    data = call.buttons[0]["callback_data"]
    assert telegram.payloads.resolve(data) == payload


# ---------------------------------------------------------------------------- button presses


async def _question(telegram: TelegramInput, fake: FakeTelegram, person: Person) -> None:
    """The bot asks a question with buttons (as it would after a message)."""
    output = telegram.get_output_channel()
    await output.send_response(
        str(person.id),
        {
            "text": "Avez-vous le droit de travailler en France ?",
            "buttons": [
                {"title": "Oui", "payload": '/inform{"right_to_work":"yes"}'},
                {"title": "Non", "payload": '/inform{"right_to_work":"no"}'},
            ],
            "language": "fr",
        },
    )


@pytest.mark.asyncio
async def test_button_press_is_answered_acknowledged_and_sent_to_rasa(channel, fake) -> None:
    telegram, rasa = channel
    bob = Person(1009, language_code="fr")
    await _question(telegram, fake, bob)
    mark = fake.mark()
    assert await post(telegram, fake.press(bob, "Oui")) == 200
    calls = fake.calls[mark:]
    methods = [c.method for c in calls]
    assert methods.count("answerCallbackQuery") == 1
    assert methods.count("editMessageReplyMarkup") == 1
    # The keyboard is gone from the question; the choice is echoed before the bot's answer.
    question = fake.sent(1009)[0]
    assert "reply_markup" not in fake.message(1009, question.result["message_id"])
    assert [c.text for c in calls if c.method == "sendMessage"] == [
        "✓ Oui",
        'echo: /inform{"right_to_work":"yes"}',
    ]
    assert rasa.texts == ['/inform{"right_to_work":"yes"}']
    assert rasa.messages[0].metadata == {"channel": "telegram", "language_hint": "fr"}
    assert rasa.messages[0].sender_id == "1009"
    assert rasa.messages[0].input_channel == "telegram"


@pytest.mark.asyncio
async def test_a_keyboard_answers_once(channel, fake) -> None:
    telegram, rasa = channel
    person = Person(1010)
    await _question(telegram, fake, person)
    message = fake.latest_keyboard(1010)
    first = fake.callback(person, message, '/inform{"right_to_work":"yes"}')
    second = fake.callback(person, message, '/inform{"right_to_work":"no"}')
    await post(telegram, first)
    await post(telegram, second)
    assert rasa.texts == ['/inform{"right_to_work":"yes"}']
    # Both presses were answered (no endless spinner on the phone).
    assert len(fake.calls_to("answerCallbackQuery")) == 2


@pytest.mark.asyncio
async def test_unknown_token_falls_back_to_the_title(channel, fake) -> None:
    telegram, rasa = channel
    person = Person(1011)
    await _question(telegram, fake, person)
    message = fake.latest_keyboard(1011)
    message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "~lost-token"
    await post(telegram, fake.callback(person, message, "~lost-token"))
    assert rasa.texts == ["Oui"]


# ---------------------------------------------------------------------------- 429 and errors


def statuses(fake: FakeTelegram, method: str) -> list[int]:
    return [c.status for c in fake.calls if c.method == method]


@pytest.mark.asyncio
async def test_429_is_retried_after_retry_after(settings, fake) -> None:
    """PTB's AIORateLimiter waits `retry_after` (plus 0.1 s) before each new try."""
    client = TelegramClient(settings)
    fake.fail("sendMessage", 429, retry_after=1, times=2)
    output = TelegramOutput(client, PayloadStore(settings.state_path))
    await output.send_response("1012", {"text": "Bonjour"})
    await client.close()
    tries = [c for c in fake.calls if c.method == "sendMessage"]
    assert [c.status for c in tries] == [429, 429, 200]
    assert all(later.at - earlier.at >= 1.0 for earlier, later in itertools.pairwise(tries))
    assert texts(fake, 1012) == ["Bonjour"]


@pytest.mark.asyncio
async def test_429_retries_are_bounded(settings, fake, caplog) -> None:
    bounded = TelegramSettings(**{**settings.__dict__, "max_retries": 1})
    client = TelegramClient(bounded)
    fake.fail("sendMessage", 429, retry_after=1, times=10)
    output = TelegramOutput(client, PayloadStore(settings.state_path))
    with caplog.at_level(logging.ERROR):
        await output.send_response("1013", {"text": "Bonjour"})  # logged, not raised
    await client.close()
    assert statuses(fake, "sendMessage") == [429, 429]
    assert "could not send to 1013" in caplog.text
    assert texts(fake, 1013) == []


@pytest.mark.asyncio
async def test_429_with_a_long_wait_is_not_waited_for(settings, fake, caplog) -> None:
    client = TelegramClient(settings)
    fake.fail("sendMessage", 429, retry_after=3600)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with caplog.at_level(logging.ERROR):
        await TelegramOutput(client, PayloadStore(settings.state_path)).send_response(
            "1014", {"text": "Bonjour"}
        )
    await client.close()
    assert statuses(fake, "sendMessage") == [429]
    assert loop.time() - started < settings.max_retry_wait_s
    assert "rate limited for 3600 s" in caplog.text


@pytest.mark.asyncio
async def test_real_429_wait_happens(settings, fake) -> None:
    """Without an injected sleep: the retry really waits retry_after seconds."""
    client = TelegramClient(settings)
    fake.fail("sendMessage", 429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await TelegramOutput(client, PayloadStore(settings.state_path)).send_response(
        "1015", {"text": "Bonjour"}
    )
    await client.close()
    assert loop.time() - started >= 1.0
    assert texts(fake, 1015) == ["Bonjour"]


@pytest.mark.asyncio
async def test_blocked_person_does_not_crash_the_turn(channel, fake) -> None:
    telegram, rasa = channel
    fake.block(1016)
    assert await post(telegram, fake.text(Person(1016), "bonjour")) == 200
    assert rasa.texts == ["bonjour"]
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [403]


@pytest.mark.asyncio
async def test_rasa_failure_is_logged_not_raised(settings, fake, caplog) -> None:
    async def broken(message: UserMessage) -> None:
        raise RuntimeError("boom")

    telegram = TelegramInput(settings)
    await telegram.start(None, broken)
    with caplog.at_level(logging.ERROR):
        assert await post(telegram, fake.text(Person(1017), "hi")) == 200
    await telegram.stop()
    assert "Rasa failed" in caplog.text


# ---------------------------------------------------------------------------- media


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "location"])
async def test_media_gets_a_polite_reply(channel, fake, kind: str) -> None:
    telegram, rasa = channel
    person = Person(1018, language_code="en")
    assert await post(telegram, getattr(fake, kind)(person)) == 200
    assert rasa.messages == []  # nothing for NLU to misread
    assert texts(fake, 1018) == ["media-not-supported (en)"]


@pytest.mark.asyncio
async def test_media_reply_failure_is_not_a_crash(settings, fake) -> None:
    async def broken(chat_id: str, names: tuple[str, ...], hint: str | None) -> dict[str, Any]:
        raise RuntimeError("no NLG")

    telegram = TelegramInput(settings, notices=broken)
    await telegram.start(None, FakeRasa())
    assert await post(telegram, fake.photo(Person(1019))) == 200
    await telegram.stop()
    assert fake.sent(1019) == []


class FakeNLG:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def generate(self, name, tracker, output_channel, **values):
        self.calls.append((name, values))
        if name not in self.known:
            return None
        language = values.get("language") or tracker.get_slot("language") or "fr"
        return {"text": f"{name} in {language}", "language": language}


class FakeTrackerStore:
    def __init__(self, trackers: dict[str, DialogueStateTracker]) -> None:
        self.trackers = trackers

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return self.trackers.get(sender_id)


def _agent(nlg: FakeNLG, trackers: dict[str, DialogueStateTracker]) -> Any:
    domain = Domain.from_dict(
        {"slots": {"language": {"type": "any", "mappings": [{"type": "custom"}]}}}
    )
    return SimpleNamespace(nlg=nlg, domain=domain, tracker_store=FakeTrackerStore(trackers))


@pytest.mark.asyncio
async def test_media_response_uses_the_conversation_language_first() -> None:
    nlg = FakeNLG({"utter_media_not_supported"})
    domain = Domain.from_dict(
        {"slots": {"language": {"type": "any", "mappings": [{"type": "custom"}]}}}
    )
    tracker = DialogueStateTracker.from_events("5", [SlotSet("language", "uk")], domain.slots)
    respond = agent_notices(lambda: _agent(nlg, {"5": tracker}), "telegram")
    assert await respond("5", MEDIA_RESPONSES, "en") == {
        "text": "utter_media_not_supported in uk",
        "language": "uk",
    }
    # A new person: Telegram's language hint.
    assert (await respond("6", MEDIA_RESPONSES, "en"))["language"] == "en"
    assert nlg.calls[-1] == ("utter_media_not_supported", {"language": "en"})


@pytest.mark.asyncio
async def test_media_response_falls_back_to_utter_default() -> None:
    nlg = FakeNLG({"utter_default"})
    respond = agent_notices(lambda: _agent(nlg, {}), "telegram")
    assert (await respond("7", MEDIA_RESPONSES, None))["text"] == "utter_default in fr"
    assert await agent_notices(lambda: None, "telegram")("7", MEDIA_RESPONSES, None) is None


# ---------------------------------------------------------------------------- metadata


def test_metadata_carries_the_language_hint(fake) -> None:
    update = fake.text(Person(1, language_code="EN-gb"), "hello")
    assert metadata_for(update) == {"channel": "telegram", "language_hint": "en-gb"}
    assert metadata_for(Update.de_json(update, None)) == metadata_for(update)
    no_language = fake.text(Person(1, language_code=None), "hello")
    assert metadata_for(no_language) == {"channel": "telegram"}


def test_get_metadata_reads_the_request(settings, fake) -> None:
    telegram = TelegramInput(settings)
    body = json.dumps(fake.text(Person(2, language_code="uk"), "привіт")).encode()
    request = SimpleNamespace(body=body)
    assert telegram.get_metadata(request) == {"channel": "telegram", "language_hint": "uk"}
    assert telegram.get_metadata(SimpleNamespace(body=b"nope")) is None


@pytest.mark.asyncio
async def test_user_message_carries_metadata(channel, fake) -> None:
    telegram, rasa = channel
    await post(telegram, fake.text(Person(1020, language_code="en"), "hello"))
    (message,) = rasa.messages
    assert message.metadata == {"channel": "telegram", "language_hint": "en"}
    assert message.input_channel == "telegram"
    assert message.message_id.startswith("telegram-")


# ---------------------------------------------------------------------------- commands, chats


def test_commands() -> None:
    commands = TelegramSettings().commands
    assert command_text("/start", commands) == "/greet"
    assert command_text("/start campaign42", commands) == "/greet"
    assert command_text("/help@emile_bot", commands) == "/menu"
    assert command_text("/language", commands) == "/choose_language"
    # Typed payloads are plain text for NLU, not intents.
    assert (
        command_text('/inform{"right_to_work":"yes"}', commands) == 'inform{"right_to_work":"yes"}'
    )
    assert command_text("bonjour", commands) == "bonjour"
    assert command_text("/", commands) == "/"


@pytest.mark.asyncio
async def test_start_command_greets(channel, fake) -> None:
    telegram, rasa = channel
    await post(telegram, fake.text(Person(1021), "/start"))
    assert rasa.texts == ["/greet"]


@pytest.mark.asyncio
async def test_group_chats_are_ignored(channel, fake) -> None:
    telegram, rasa = channel
    update = fake.text(Person(1022), "bonjour")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "Un groupe"}
    assert await post(telegram, update) == 200
    assert rasa.messages == []


@pytest.mark.asyncio
async def test_typing_indicator_before_the_reply(settings, fake) -> None:
    typing_settings = TelegramSettings(**{**settings.__dict__, "typing": True})
    telegram = TelegramInput(typing_settings)
    rasa = FakeRasa()
    await telegram.start(None, rasa)
    await post(telegram, fake.text(Person(1023), "bonjour"))
    await telegram.stop()
    methods = [c.method for c in fake.calls if c.chat_id == 1023]
    assert methods == ["sendChatAction", "sendMessage"]


# ---------------------------------------------------------------------------- speaking first


@pytest.mark.asyncio
async def test_output_channel_without_a_request(settings, fake) -> None:
    """trigger_intent / reminders: the output channel is built from the settings alone."""
    telegram = TelegramInput(settings)
    output = telegram.get_output_channel()
    assert isinstance(output, TelegramOutput)
    assert output.name() == "telegram"
    await output.send_response(
        "1024",
        {
            "text": "Rappel : votre atelier commence demain.",
            "buttons": [{"title": "Annuler", "payload": "/cancel_registration"}],
            "language": "fr",
        },
    )
    await output.send_response("1024", {"image": "https://emile.example/plan.png"})
    await output.send_response("1024", {"custom": {"anything": 1}})  # not shown as JSON
    await telegram.stop()
    (call,) = fake.sent(1024)
    assert call.text == "Rappel : votre atelier commence demain."
    assert call.buttons == [{"text": "Annuler", "callback_data": "/cancel_registration"}]
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage", "sendPhoto"]


# ---------------------------------------------------------------------------- polling


@pytest.mark.asyncio
async def test_polling_mode_feeds_the_same_handler(settings, fake) -> None:
    polling = TelegramSettings(**{**settings.__dict__, "mode": "polling", "poll_timeout_s": 1})
    rasa = FakeRasa()
    telegram = TelegramInput(polling, notices=media_reply)
    await telegram.start(None, rasa)
    await telegram.start_polling()
    person = Person(1025, language_code="en")
    update = fake.text(person, "hello")
    fake.push_update(update)
    fake.push_update(update)  # delivered twice: processed once
    fake.push_update(fake.photo(person))
    for _ in range(100):
        if len(fake.sent(1025)) >= 2:
            break
        await asyncio.sleep(0.05)
    await telegram.stop()
    assert rasa.texts == ["hello"]
    assert texts(fake, 1025) == ["echo: hello", "media-not-supported (en)"]
    polls = fake.calls_to("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message", "callback_query"]
    # What was fetched is confirmed when polling stops: nothing comes twice after a restart.
    assert int(polls[-1].params["offset"]) > update["update_id"]


@pytest.mark.asyncio
async def test_polling_takes_the_bot_over_from_a_webhook(settings, fake) -> None:
    """PTB's Updater deletes a webhook before polling (getUpdates is refused while one is set)."""
    fake._m_setwebhook({"url": "https://bot.example/webhooks/telegram/webhook"})
    polling = TelegramSettings(**{**settings.__dict__, "mode": "polling", "poll_timeout_s": 1})
    rasa = FakeRasa()
    telegram = TelegramInput(polling, notices=media_reply)
    await telegram.start(None, rasa)
    await telegram.start_polling()
    fake.push_update(fake.text(Person(1028), "bonjour"))
    for _ in range(100):
        if fake.sent(1028):
            break
        await asyncio.sleep(0.05)
    await telegram.stop()
    assert fake.webhook == {}
    assert texts(fake, 1028) == ["echo: bonjour"]
    assert not [c for c in fake.calls_to("getUpdates") if c.status != 200]


# ---------------------------------------------------------------------------- settings


def test_settings_from_credentials_then_environment() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "env-token",
        "TELEGRAM_SECRET_TOKEN": "env_secret",
        "TELEGRAM_MODE": "polling",
        "EMILE_DATA_DIR": "/data",
    }
    from_env = TelegramSettings.from_mapping(None, env)
    assert from_env.access_token == "env-token"
    assert from_env.secret_token == "env_secret"
    assert from_env.mode == "polling"
    assert from_env.data_dir == Path("/data")
    assert from_env.state_path == Path("/data/telegram.db")
    assert from_env.base_url == "https://api.telegram.org/bot"
    assert from_env.base_file_url == "https://api.telegram.org/file/bot"
    given = TelegramSettings.from_mapping(
        {
            "access_token": "yml-token",
            "secret_token": "",  # ${TELEGRAM_SECRET_TOKEN} expanded to nothing
            "base_url": "http://127.0.0.1:9/bot",
            "data_dir": "/elsewhere",
            "commands": {"/aide": "/menu"},
            "allowed_updates": "message, callback_query",
        },
        env,
    )
    assert given.access_token == "yml-token"
    assert given.secret_token == "env_secret"
    assert given.base_url == "http://127.0.0.1:9/bot"
    assert given.data_dir == Path("/elsewhere")
    assert given.commands["aide"] == "/menu"
    assert given.commands["start"] == "/greet"
    assert given.allowed_updates == ("message", "callback_query")
    assert TelegramSettings.from_mapping(None, {}).enabled is False


def test_settings_problems() -> None:
    assert TelegramSettings(access_token="t", secret_token="ok_-1").problems() == []
    assert TelegramSettings(access_token="t", secret_token="no spaces").problems()
    assert "every webhook request" in TelegramSettings(access_token="t").problems()[0]
    assert TelegramSettings(access_token="t", mode="polling").problems() == []
    assert TelegramSettings(access_token="t", secret_token="x", mode="push").problems()


@pytest.mark.asyncio
async def test_a_press_keeps_its_place_among_messages(settings, fake) -> None:
    """Tap, then type at once: Rasa gets the tap first (and the spinner stops at once)."""
    seen: list[str] = []

    async def rasa(message: UserMessage) -> None:
        seen.append(message.text or "")

    telegram = TelegramInput(settings)
    await telegram.start(None, rasa)
    person = Person(1026)
    await _question(telegram, fake, person)
    tap = fake.press(person, "Non")
    typed = fake.text(person, "et aussi")
    await telegram.receive(SECRET, json.dumps(tap).encode())
    await telegram.receive(SECRET, json.dumps(typed).encode())
    await telegram.handler.drain()
    await telegram.stop()
    assert seen == ['/inform{"right_to_work":"no"}', "et aussi"]


@pytest.mark.asyncio
async def test_the_bot_token_stays_out_of_the_logs(settings, fake, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        client = TelegramClient(settings)
        await TelegramOutput(client, PayloadStore(settings.state_path)).send_response(
            "1027", {"text": "Bonjour"}
        )
        await client.close()
    assert "sendMessage" in caplog.text  # httpx logged the request…
    assert TOKEN not in caplog.text  # …without the token
    assert TOKEN.split(":")[1] not in caplog.text
