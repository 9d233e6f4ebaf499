"""The SMS channel: signed webhook, de-duplication, choices, opt-out, media, sending."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.channels.gsm import encoding, segments
from bot.channels.inbox import InboxSettings
from bot.channels.sms import EMPTY_TWIML, TwilioSmsInput
from bot.channels.sms_output import SmsGateway, SmsOutput, plan_sms
from bot.channels.sms_settings import SmsConfigError, SmsSettings
from bot.channels.twilio_sender import SmsSendError, TwilioSender, mask_phone
from tests.bot.channels.sms_support import (
    PERSON,
    PUBLIC_URL,
    ScriptedBot,
    deliver,
    fake_request,
    settings,
    stub_responder,
)
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    inbound_sms,
    media_url,
)

RESIDENCE = {
    "text": "Where do you live, or where do you get your mail?",
    "buttons": [
        {"title": "Paris region (Île-de-France)", "payload": '/inform{"residence_area":"idf"}'},
        {"title": "Lyon area", "payload": '/inform{"residence_area":"lyon_metropole"}'},
        {"title": "Somewhere else", "payload": '/inform{"residence_area":"elsewhere"}'},
    ],
}


@pytest.fixture()
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest_asyncio.fixture()
async def channel(fake: FakeTwilio, tmp_path: Path) -> AsyncIterator[TwilioSmsInput]:
    sms = TwilioSmsInput(settings(fake, tmp_path / "data"), notices=stub_responder)
    yield sms
    await sms.aclose()


def echo(message: Any) -> list[dict[str, Any]]:
    return [{"text": f"You said: {message.text}"}]


# -------------------------------------------------------------------- settings


def test_settings_from_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMILE_DATA_DIR", str(tmp_path))
    parsed = SmsSettings.from_credentials(
        {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "messaging_service_sid": "MG" + "0" * 32,
            "public_url": PUBLIC_URL,
        }
    )
    assert parsed.api_base_url == "https://api.twilio.com"
    assert parsed.data_dir == tmp_path
    assert parsed.from_number is None
    assert parsed.max_segments == 2


@pytest.mark.parametrize(
    "broken",
    [
        {"account_sid": ""},
        {"auth_token": None},
        {"public_url": "/webhooks/sms/webhook"},
        {"messaging_service_sid": "MG1"},  # and from_number: only one of them
        {"from_number": ""},  # and no messaging service: none of them
        {"max_segments": 11},
        {"max_segments": "many"},
    ],
)
def test_settings_refused(broken: dict[str, Any]) -> None:
    credentials = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": FROM_NUMBER,
        "public_url": PUBLIC_URL,
        **broken,
    }
    with pytest.raises(SmsConfigError):
        SmsSettings.from_credentials(credentials)


def test_from_credentials_builds_the_channel_without_opening_anything(tmp_path: Path) -> None:
    channel = TwilioSmsInput.from_credentials(
        {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from_number": FROM_NUMBER,
            "public_url": PUBLIC_URL,
            "data_dir": str(tmp_path / "not-yet"),
        }
    )
    assert channel.name() == "sms"
    assert not (tmp_path / "not-yet").exists()


def test_unquoted_number_in_yaml_keeps_its_plus(tmp_path: Path) -> None:
    import yaml

    credentials = yaml.safe_load(
        f"account_sid: {ACCOUNT_SID}\nauth_token: x\nfrom_number: +33757000000\n"
        f"public_url: {PUBLIC_URL}\n"
    )
    assert credentials["from_number"] == 33757000000
    assert SmsSettings.from_credentials(credentials).from_number == "+33757000000"


def test_mask_phone() -> None:
    assert mask_phone("+33612345678") == "+33*******78"
    assert mask_phone("123") == "***"


# -------------------------------------------------------------------- planning SMS


def test_plan_packs_a_turn_into_one_sms_when_it_costs_nothing() -> None:
    parts = plan_sms(["Thank you.", "How many children would move with you?\nA. None\nB. 1"])
    assert parts == ["Thank you.\n\nHow many children would move with you?\nA. None\nB. 1"]


def test_plan_does_not_pack_when_it_would_cost_a_segment() -> None:
    first, second = "a" * 150 + ".", "b" * 150 + "."
    assert plan_sms([first, second], max_segments=1) == [first, second]
    assert plan_sms([first, second], max_segments=2) == [f"{first}\n\n{second}"]


def test_plan_splits_long_messages_at_sentences_within_the_limit() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(40))  # ~1100 chars
    parts = plan_sms([text], max_segments=2)
    assert all(segments(p) <= 2 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_plan_makes_french_gsm7() -> None:
    [part] = plan_sms(["C’est l’été… « Oui » — 12\u202f000\u00a0€"])
    assert part == "C'est l'été... \"Oui\" - 12 000 €"
    assert encoding(part) == "GSM-7"


def test_plan_keeps_a_ucs2_message_apart_when_joining_would_cost_more() -> None:
    french = "Bonjour, voici votre code de dossier: K7P4XM. Gardez-le bien, il vous servira demain."
    arabic = "مرحبا بك " * 6  # 54 UCS-2 units: one segment alone
    assert segments(french) == 1 and segments(arabic.strip()) == 1
    # Joined, the French text would be UCS-2 too: 3 segments instead of 1 + 1.
    assert segments(french + "\n\n" + arabic.strip()) == 3
    assert len(plan_sms([french, arabic], max_segments=3)) == 2


# -------------------------------------------------------------------- sending


@pytest.mark.asyncio
async def test_sender_speaks_the_messages_resource(fake: FakeTwilio, tmp_path: Path) -> None:
    sender = TwilioSender(settings(fake, tmp_path))
    try:
        message = await sender.send(PERSON, "Bonjour")
    finally:
        await sender.close()
    assert message.sid.startswith("SM") and message.status == "queued"
    [request] = fake.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form == {"To": [PERSON], "From": [FROM_NUMBER], "Body": ["Bonjour"]}


@pytest.mark.asyncio
async def test_sender_with_a_messaging_service(fake: FakeTwilio, tmp_path: Path) -> None:
    service = "MG" + "1" * 32
    sender = TwilioSender(settings(fake, tmp_path, from_number=None, messaging_service_sid=service))
    try:
        message = await sender.send(PERSON, "Hello")
    finally:
        await sender.close()
    assert message.status == "accepted"
    assert fake.requests[0].form["MessagingServiceSid"] == [service]
    assert "From" not in fake.requests[0].form


@pytest.mark.asyncio
async def test_sender_retries_429_and_503(fake: FakeTwilio, tmp_path: Path) -> None:
    fake.fail_next(429)
    fake.fail_next(503)
    sender = TwilioSender(settings(fake, tmp_path))
    try:
        await sender.send(PERSON, "Hello")
    finally:
        await sender.close()
    assert [r.status for r in fake.requests] == [429, 503, 201]
    assert len(fake.messages) == 1


@pytest.mark.asyncio
async def test_sender_gives_up_after_max_attempts(fake: FakeTwilio, tmp_path: Path) -> None:
    fake.fail_next(429, times=10)
    sender = TwilioSender(settings(fake, tmp_path, max_attempts=3))
    try:
        with pytest.raises(SmsSendError) as raised:
            await sender.send(PERSON, "Hello")
    finally:
        await sender.close()
    assert raised.value.status == 429
    assert len(fake.requests) == 3


@pytest.mark.asyncio
async def test_sender_does_not_retry_a_500(fake: FakeTwilio, tmp_path: Path) -> None:
    # Twilio may have taken the message before failing: sending again could send it twice.
    fake.fail_next(500)
    sender = TwilioSender(settings(fake, tmp_path))
    try:
        with pytest.raises(SmsSendError) as raised:
            await sender.send(PERSON, "Hello")
    finally:
        await sender.close()
    assert (raised.value.status, raised.value.code) == (500, 20500)
    assert len(fake.requests) == 1


@pytest.mark.asyncio
async def test_sender_wrong_credentials(fake: FakeTwilio, tmp_path: Path) -> None:
    sender = TwilioSender(settings(fake, tmp_path, auth_token="wrong"))
    try:
        with pytest.raises(SmsSendError) as raised:
            await sender.send(PERSON, "Hello")
    finally:
        await sender.close()
    assert (raised.value.status, raised.value.code) == (401, 20003)


@pytest.mark.asyncio
async def test_unreachable_twilio_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with FakeTwilio() as gone:
        dead = settings(gone, tmp_path, max_attempts=2)
    sender = TwilioSender(dead)
    try:
        with pytest.raises(SmsSendError):
            await sender.send(PERSON, "Hello")
    finally:
        await sender.close()


@pytest.mark.asyncio
async def test_deliver_logs_segments_and_encoding(
    fake: FakeTwilio, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = SmsGateway(settings(fake, tmp_path))
    caplog.set_level(logging.INFO, logger="bot.channels")
    try:
        sids = await gateway.deliver(PERSON, ["Vous êtes prêt ?", "a" * 200])
    finally:
        await gateway.close()
    assert len(sids) == 2  # joined they would be UCS-2 and 4 segments
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sms_sent")]
    assert lines[0].startswith("sms_sent to=+33*******78 part=1/2 segments=1 encoding=UCS-2")
    assert "segments=2 encoding=GSM-7 chars=200" in lines[1]
    assert PERSON not in caplog.text  # the number is masked in every log line


@pytest.mark.asyncio
async def test_twilio_unsubscribed_error_is_honoured(fake: FakeTwilio, tmp_path: Path) -> None:
    fake.unsubscribed.add(PERSON)
    gateway = SmsGateway(settings(fake, tmp_path, max_segments=1))
    try:
        await gateway.deliver(PERSON, ["One. " * 40])  # several SMS
        assert len(fake.requests) == 1  # the first refusal stops the rest
        assert gateway.opt_outs.is_opted_out(PERSON)
        await gateway.deliver(PERSON, ["Again"])
        assert len(fake.requests) == 1  # not even tried any more
    finally:
        await gateway.close()


# -------------------------------------------------------------------- webhook


@pytest.mark.asyncio
async def test_valid_webhook_answers_empty_twiml_and_reaches_the_bot(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    bot = ScriptedBot(echo)
    params = inbound_sms(PERSON, "Bonjour")
    answer = await deliver(channel, bot, params)
    assert answer.status == 200
    assert answer.content_type.startswith("text/xml")
    assert answer.body.decode() == EMPTY_TWIML
    [message] = bot.received
    assert message.text == "Bonjour"
    assert message.sender_id == PERSON
    assert message.input_channel == "sms"
    assert message.message_id == params["MessageSid"]
    assert message.metadata == {"channel": "sms", "phone": PERSON}
    assert [(m.to, m.body) for m in fake.messages] == [(PERSON, "You said: Bonjour")]


@pytest.mark.parametrize(
    "how",
    [
        {"signature": ""},  # no header
        {"signature": "bm90IGEgc2lnbmF0dXJl"},  # not the signature
        {"auth_token": "another-accounts-token"},
        # Signed for the address the request reached (Host header), not the public URL.
        {"signed_url": "http://127.0.0.1:5005/webhooks/sms/webhook"},
    ],
)
@pytest.mark.asyncio
async def test_bad_signature_is_refused_and_nothing_processed(
    channel: TwilioSmsInput, fake: FakeTwilio, how: dict[str, str]
) -> None:
    bot = ScriptedBot(echo)
    params = inbound_sms(PERSON, "Bonjour")
    answer = await deliver(channel, bot, params, **how)
    assert answer.status == 403
    assert bot.received == []
    assert fake.requests == []
    # Refused before the de-duplication: the genuine delivery is still processed.
    answer = await deliver(channel, bot, params)
    assert answer.status == 200 and bot.texts == ["Bonjour"]


@pytest.mark.asyncio
async def test_tampered_body_is_refused(channel: TwilioSmsInput) -> None:
    bot = ScriptedBot(echo)
    params = inbound_sms(PERSON, "Bonjour")
    request = fake_request(params)
    request.body = request.body.replace(b"Bonjour", b"STOP")
    answer = await channel.handle(request, bot)
    assert answer.status == 403 and bot.received == []


@pytest.mark.asyncio
async def test_query_string_is_part_of_the_signed_url(fake: FakeTwilio, tmp_path: Path) -> None:
    channel = TwilioSmsInput(settings(fake, tmp_path), notices=stub_responder)
    bot = ScriptedBot()
    params = inbound_sms(PERSON, "Bonjour")
    try:
        answer = await deliver(
            channel, bot, params, signed_url=f"{PUBLIC_URL}?site=paris", query_string="site=paris"
        )
    finally:
        await channel.aclose()
    assert answer.status == 200 and bot.texts == ["Bonjour"]


@pytest.mark.asyncio
async def test_duplicate_delivery_processed_once(channel: TwilioSmsInput, fake: FakeTwilio) -> None:
    bot = ScriptedBot(echo)
    params = inbound_sms(PERSON, "Bonjour")
    first = await deliver(channel, bot, params)
    again = await deliver(channel, bot, params)
    assert first.status == again.status == 200
    assert bot.texts == ["Bonjour"]
    assert len(fake.messages) == 1


@pytest.mark.asyncio
async def test_a_message_not_written_down_gets_a_503_and_is_not_processed(
    channel: TwilioSmsInput, fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = ScriptedBot(echo)
    params = inbound_sms(PERSON, "Bonjour")

    def disk_full(*_args: Any, **_kwargs: Any) -> bool:
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(channel.gateway.inbox, "put", disk_full)
        refused = await deliver(channel, bot, params)
    assert refused.status == 503
    assert bot.texts == [] and fake.messages == []
    # Twilio delivers it again: taken in and answered once.
    assert (await deliver(channel, bot, params)).status == 200
    assert bot.texts == ["Bonjour"] and len(fake.messages) == 1


@pytest.mark.asyncio
async def test_a_message_taken_in_by_a_server_that_died_is_answered_by_another(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    quick = replace(settings(fake, tmp_path), inbox=InboxSettings(lease_s=0.3, sweep_s=0.05))
    dying = TwilioSmsInput(quick, notices=stub_responder)
    stuck = asyncio.Event()

    async def never_answers(_message: Any) -> None:
        await stuck.wait()

    answer = await dying.handle(fake_request(inbound_sms(PERSON, "Bonjour")), never_answers)
    assert answer.status == 200
    for task in list(dying.pipeline._tasks):  # SIGKILL: nothing finished, nothing released
        task.cancel()
    dying.pipeline._held.clear()

    other = TwilioSmsInput(quick, notices=stub_responder)
    bot = ScriptedBot(echo)
    other._on_new_message = bot
    other.pipeline.start()
    for _ in range(200):
        if fake.messages:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # nothing more comes
    await other.aclose()
    await dying.aclose()
    assert bot.texts == ["Bonjour"]
    assert bot.received[0].metadata == {"channel": "sms", "phone": PERSON}
    assert [m.body for m in fake.messages] == ["You said: Bonjour"]


@pytest.mark.asyncio
async def test_duplicate_survives_a_restart(fake: FakeTwilio, tmp_path: Path) -> None:
    params = inbound_sms(PERSON, "Bonjour")
    bot = ScriptedBot()
    for _ in range(2):
        channel = TwilioSmsInput(settings(fake, tmp_path), notices=stub_responder)
        await deliver(channel, bot, params)
        await channel.aclose()
    assert bot.texts == ["Bonjour"]


@pytest.mark.asyncio
async def test_media_only_message_gets_a_polite_notice(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    bot = ScriptedBot(lambda m: [RESIDENCE])
    await deliver(channel, bot, inbound_sms(PERSON, "apply"))
    params = inbound_sms(PERSON, "", media=[("image/jpeg", media_url())])
    assert params["Body"] == ""  # Twilio sends (and signs) an empty Body
    answer = await deliver(channel, bot, params)
    assert answer.status == 200
    assert bot.texts == ["apply"]  # not a turn of the conversation
    assert fake.messages[-1].body == "<utter_media_not_supported>"
    # The open question keeps its numbered choices.
    await deliver(channel, bot, inbound_sms(PERSON, "2"))
    assert bot.texts[-1] == '/inform{"residence_area":"lyon_metropole"}'


@pytest.mark.asyncio
async def test_media_with_text_goes_as_text(channel: TwilioSmsInput) -> None:
    bot = ScriptedBot()
    await deliver(channel, bot, inbound_sms(PERSON, "my card", media=[("image/png", media_url())]))
    assert bot.texts == ["my card"]


@pytest.mark.asyncio
async def test_empty_message_is_ignored(channel: TwilioSmsInput) -> None:
    bot = ScriptedBot(echo)
    answer = await deliver(channel, bot, inbound_sms(PERSON, "   "))
    assert answer.status == 200 and bot.received == []


@pytest.mark.asyncio
async def test_typed_payload_cannot_inject_an_intent(channel: TwilioSmsInput) -> None:
    bot = ScriptedBot()
    await deliver(channel, bot, inbound_sms(PERSON, '/inform{"right_to_work":"yes"}'))
    assert bot.texts == ['inform{"right_to_work":"yes"}']


@pytest.mark.asyncio
async def test_choices_are_numbered_and_a_number_maps_to_the_payload(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    bot = ScriptedBot(lambda m: [{"text": "Thank you."}, RESIDENCE])
    await deliver(channel, bot, inbound_sms(PERSON, "I want to apply"))
    [sms] = fake.messages
    assert sms.body == (
        "Thank you.\n\nWhere do you live, or where do you get your mail?\n"
        "1. Paris region (Ile-de-France)\n2. Lyon area\n3. Somewhere else"
    )  # Î has no GSM-7 form: the capital loses its accent
    assert "/inform" not in sms.body and "residence_area" not in sms.body
    bot.reply = lambda m: [{"text": "OK."}]
    await deliver(channel, bot, inbound_sms(PERSON, " 2. "))
    assert bot.texts[-1] == '/inform{"residence_area":"lyon_metropole"}'
    # The last turn had no choices: "2" is text again.
    await deliver(channel, bot, inbound_sms(PERSON, "2"))
    assert bot.texts[-1] == "2"


@pytest.mark.asyncio
async def test_choices_are_per_sender(channel: TwilioSmsInput) -> None:
    bot = ScriptedBot(lambda m: [RESIDENCE] if m.sender_id == PERSON else [])
    await deliver(channel, bot, inbound_sms(PERSON, "apply"))
    other = "+447700900123"
    await deliver(channel, bot, inbound_sms(other, "1"))
    assert bot.texts[-1] == "1"
    await deliver(channel, bot, inbound_sms(PERSON, "1"))
    assert bot.texts[-1] == '/inform{"residence_area":"idf"}'


@pytest.mark.asyncio
async def test_stop_then_message_then_start(channel: TwilioSmsInput, fake: FakeTwilio) -> None:
    bot = ScriptedBot(echo)
    await deliver(channel, bot, inbound_sms(PERSON, "Bonjour"))
    assert len(fake.messages) == 1

    await deliver(channel, bot, inbound_sms(PERSON, "Stop"))
    await deliver(channel, bot, inbound_sms(PERSON, "Hello?"))
    assert bot.texts == ["Bonjour"]  # neither reached the conversation
    assert len(fake.messages) == 1  # and nothing was sent

    await deliver(channel, bot, inbound_sms(PERSON, "START"))
    assert bot.texts == ["Bonjour"]
    assert fake.messages[-1].body == "<utter_sms_opt_in>"
    await deliver(channel, bot, inbound_sms(PERSON, "Hello?"))
    assert fake.messages[-1].body == "You said: Hello?"


@pytest.mark.asyncio
async def test_opt_out_is_durable_and_stops_the_bot_speaking_first(
    fake: FakeTwilio, tmp_path: Path
) -> None:
    bot = ScriptedBot()
    channel = TwilioSmsInput(settings(fake, tmp_path), notices=stub_responder)
    await deliver(channel, bot, inbound_sms(PERSON, "ARRÊT"))
    await channel.aclose()

    restarted = TwilioSmsInput(settings(fake, tmp_path), notices=stub_responder)
    try:
        output = restarted.get_output_channel()
        await output.send_response(PERSON, {"text": "A reminder"})
        assert fake.messages == []
        await output.send_response("+33699999999", {"text": "A reminder"})
        assert [m.to for m in fake.messages] == ["+33699999999"]
    finally:
        await restarted.aclose()


@pytest.mark.asyncio
async def test_start_from_someone_who_did_not_stop_is_a_message(
    channel: TwilioSmsInput,
) -> None:
    bot = ScriptedBot()
    await deliver(channel, bot, inbound_sms(PERSON, "start"))
    await deliver(channel, bot, inbound_sms(PERSON, "yes"))
    assert bot.texts == ["start", "yes"]


@pytest.mark.asyncio
async def test_output_without_request_sends_at_once(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    output = channel.get_output_channel()
    assert isinstance(output, SmsOutput) and output.name() == "sms"
    await output.send_response(PERSON, dict(RESIDENCE))
    assert len(fake.messages) == 1
    assert fake.messages[0].body.endswith("3. Somewhere else")
    bot = ScriptedBot()
    await deliver(channel, bot, inbound_sms(PERSON, "3"))
    assert bot.texts == ['/inform{"residence_area":"elsewhere"}']


@pytest.mark.asyncio
async def test_long_reply_is_split_at_sentences(channel: TwilioSmsInput, fake: FakeTwilio) -> None:
    about = (
        "EMILE is a public programme that started in 2019. It helps people who live in the "
        "Paris region or around Lyon, with no stable home, and who are ready to work. You "
        "move, as a volunteer, to a host territory where there are jobs and empty homes. You "
        "get a home and a job or a training there, with a person to support you."
    )
    bot = ScriptedBot(lambda m: [{"text": about}])
    await deliver(channel, bot, inbound_sms(PERSON, "what is emile"))
    bodies = [m.body for m in fake.messages]
    assert len(bodies) == 2
    assert all(segments(b) <= 2 for b in bodies)
    assert all(b.endswith(".") for b in bodies)
    assert " ".join(bodies) == about


@pytest.mark.asyncio
async def test_images_and_custom_payloads_are_not_sent(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    bot = ScriptedBot(
        lambda m: [{"image": "https://x/y.png"}, {"custom": {"a": 1}}, {"text": "ok"}]
    )
    await deliver(channel, bot, inbound_sms(PERSON, "hi"))
    assert [m.body for m in fake.messages] == ["ok"]


@pytest.mark.asyncio
async def test_a_bot_failure_does_not_break_the_webhook(
    channel: TwilioSmsInput, fake: FakeTwilio
) -> None:
    def broken(_message: Any) -> list[dict[str, Any]]:
        raise RuntimeError("boom")

    bot = ScriptedBot(broken)
    answer = await deliver(channel, bot, inbound_sms(PERSON, "hi"))
    assert answer.status == 200
    answer = await deliver(channel, ScriptedBot(echo), inbound_sms(PERSON, "again"))
    assert fake.messages[-1].body == "You said: again"


@pytest.mark.asyncio
async def test_twilio_failure_while_replying_is_logged_not_raised(
    channel: TwilioSmsInput, fake: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(500)
    caplog.set_level(logging.INFO, logger="bot.channels")
    answer = await deliver(channel, ScriptedBot(echo), inbound_sms(PERSON, "hi"))
    assert answer.status == 200
    assert "sms_failed" in caplog.text and "status=500" in caplog.text
    assert fake.messages == []


@pytest.mark.asyncio
async def test_agent_responder_renders_with_the_nlg_for_the_tracker() -> None:
    from types import SimpleNamespace

    from bot.channels.notices import agent_notices

    calls: list[tuple[str, Any, str]] = []

    async def generate(name: str, tracker: Any, channel: str, **_: Any) -> Any:
        calls.append((name, tracker, channel))
        return {"text": "Photo? Text only."} if name == "utter_default" else None

    async def retrieve(sender: str) -> Any:
        return None

    agent = SimpleNamespace(
        nlg=SimpleNamespace(generate=generate),
        tracker_store=SimpleNamespace(retrieve=retrieve),
        domain=None,
    )
    respond = agent_notices(lambda: agent, "sms")
    message = await respond(PERSON, ("utter_media_not_supported", "utter_default"), None)
    assert message == {"text": "Photo? Text only."}
    assert [c[0] for c in calls] == ["utter_media_not_supported", "utter_default"]
    assert calls[0][1].sender_id == PERSON and calls[0][2] == "sms"
    assert await agent_notices(lambda: None, "sms")(PERSON, ("utter_x",), None) is None
