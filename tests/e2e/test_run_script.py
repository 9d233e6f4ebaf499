"""The README's run command, as a newcomer uses it: `scripts/run.sh` (what `make run` runs
after setup) starts the API, the action server and the Rasa server, a person talks to it over
REST and, with a bot token, over Telegram by long polling; Ctrl-C stops everything.

Telegram is the fake Bot API (tests/fakes/telegram_api.py): the Rasa server polls it with
getUpdates, as it would poll api.telegram.org from a laptop without a public address.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.stack import ROOT, free_port, http, wait_until
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RunningScript:
    """scripts/run.sh in its own process group, as in a terminal."""

    def __init__(self, workdir: Path, model: Path, telegram: FakeTelegram) -> None:
        self.ports = {"api": free_port(), "actions": free_port(), "rasa": free_port()}
        self.log = workdir / "run.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "TWILIO_", "EMILE_"))
        }
        env.update(
            {
                "EMILE_DATA_DIR": str(workdir / "var"),
                "DATABASE_URL": f"sqlite:///{workdir / 'var' / 'emile.db'}",
                "EMILE_MODELS_DIR": str(model.parent),
                "EMILE_API_PORT": str(self.ports["api"]),
                "EMILE_ACTIONS_PORT": str(self.ports["actions"]),
                "EMILE_RASA_PORT": str(self.ports["rasa"]),
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": telegram.base_url,
            }
        )
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                ["scripts/run.sh"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def ctrl_c(self) -> int:
        """What a terminal does on Ctrl-C: SIGINT to the whole foreground group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


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
    script = RunningScript(tmp_path_factory.mktemp("run"), model, fake_telegram)
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


def test_a_person_talks_to_it_over_rest(running: RunningScript) -> None:
    status, messages = http(
        "POST",
        f"{running.rasa_url}/webhooks/rest/webhook",
        {"sender": "newcomer", "message": "bonjour"},
    )
    assert status == 200
    assert messages, "the assistant said nothing"
    # The welcome asks for the language with buttons.
    assert any(message.get("buttons") for message in messages)


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
