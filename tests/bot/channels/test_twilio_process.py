"""The benchmarks' fake Twilio in its own process serves the SMS channel's real sender."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.twilio_sender import SmsSendError, TwilioSender
from tests.bot.channels.sms_support import PERSON, settings
from tests.fakes.twilio_process import FakeTwilioProcess


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTwilioProcess]:
    with FakeTwilioProcess() as process:
        yield process


@pytest.mark.asyncio
async def test_messages_sent_with_twilios_client_reach_the_waiting_reader(
    fake: FakeTwilioProcess, tmp_path: Path
) -> None:
    sender = TwilioSender(settings(fake, tmp_path))  # type: ignore[arg-type]
    try:
        sids = [(await sender.send(PERSON, f"Bonjour {n}")).sid for n in range(3)]
    finally:
        await sender.close()
    sent = fake.wait_for(PERSON, 3, timeout=10)
    assert [one.sid for one in sent] == sids
    assert [one.body for one in sent] == ["Bonjour 0", "Bonjour 1", "Bonjour 2"]
    assert sent[0].at <= sent[1].at <= sent[2].at


@pytest.mark.asyncio
async def test_refused_requests_are_reported_and_send_nothing(
    fake: FakeTwilioProcess, tmp_path: Path
) -> None:
    sender = TwilioSender(settings(fake, tmp_path, auth_token="wrong"))  # type: ignore[arg-type]
    before = len(fake.requests)
    try:
        with pytest.raises(SmsSendError) as raised:
            await sender.send("+33699999999", "Hello")
    finally:
        await sender.close()
    assert (raised.value.status, raised.value.code) == (401, 20003)
    with pytest.raises(TimeoutError):
        fake.wait_for("+33699999999", 1, timeout=0.5)
    assert [status for _, status in fake.requests[before:]] == [401]
