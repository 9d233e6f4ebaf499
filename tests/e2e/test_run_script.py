"""The README's run command, as a newcomer uses it: `scripts/run.sh` (what `make run` runs
after setup) starts the API, the action server and the Rasa server, a person talks to it over
REST and, with a bot token, over Telegram by long polling; Ctrl-C stops everything. It runs
here with the Rasa HTTP API off (`EMILE_RASA_API=off`), which a laptop does not need;
tests/e2e/test_exposure.py runs it with the API on, behind its token.

Telegram is the fake Bot API (tests/fakes/telegram_api.py): the Rasa server polls it with
getUpdates, as it would poll api.telegram.org from a laptop without a public address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.run_script import RunningScript, listening
from tests.e2e.stack import http, wait_until
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    # A webhook left from an earlier run: Telegram refuses getUpdates until it is removed.
    response = httpx.post(
        f"{fake.base_url}{TOKEN}/setWebhook", json={"url": "https://old.example.org/hook"}
    )
    assert response.status_code == 200
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, model: Path, fake_telegram: FakeTelegram
) -> Iterator[RunningScript]:
    script = RunningScript(
        tmp_path_factory.mktemp("run"),
        model,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": fake_telegram.base_url,
            "EMILE_RASA_API": "off",
        },
    )
    try:
        wait_until(lambda: "talk to it" in script.output(), 600, "scripts/run.sh", script.process)
    except Exception:
        print(script.output()[-5000:])
        script.kill()
        raise
    yield script
    script.kill()


def test_it_says_where_each_service_listens(running: RunningScript) -> None:
    output = running.output()
    for port in running.ports.values():
        assert f":{port}" in output
    assert "channels: REST, Telegram (polling)" in output


def test_a_person_talks_to_it_over_rest_with_the_secret_it_made(running: RunningScript) -> None:
    url = f"{running.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "newcomer", "message": "bonjour"}
    assert http("POST", url, body)[0] == 401
    secret = running.secret("rest.secret")
    assert len(secret) >= 32
    status, messages = http("POST", url, body, headers={"Authorization": f"Bearer {secret}"})
    assert status == 200
    assert messages, "the assistant said nothing"
    # The welcome asks for the language with buttons.
    assert any(message.get("buttons") for message in messages)


def test_with_the_api_off_no_route_of_it_answers(running: RunningScript) -> None:
    assert not (running.data_dir / "rasa-api.token").exists()
    for method, path in (
        ("GET", "/status"),
        ("GET", "/conversations/newcomer/tracker"),
        ("PUT", "/model"),
        ("POST", "/model/parse"),
    ):
        assert http(method, f"{running.rasa_url}{path}", {})[0] == 404, path


def test_a_person_talks_to_it_on_telegram_by_polling(
    running: RunningScript, fake_telegram: FakeTelegram
) -> None:
    person = Person(id=424242, language_code="en")
    mark = fake_telegram.mark()
    fake_telegram.push_update(fake_telegram.text(person, "hello"))
    replies = fake_telegram.wait_quiet(person.id, since=mark, timeout=60)
    assert replies[0].text
    assert fake_telegram.webhook.get("url", "") == ""  # the stale webhook was removed


def test_ctrl_c_stops_every_service(running: RunningScript) -> None:
    assert all(listening(port) for port in running.ports.values())
    running.ctrl_c()
    wait_until(
        lambda: not any(listening(port) for port in running.ports.values()),
        30,
        "services stopping",
    )
    assert "stopping" in running.output()
