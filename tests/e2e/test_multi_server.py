"""Two Rasa servers and two action servers behind the load balancer, PostgreSQL and Redis.

100 people apply at once, half by SMS and half on Telegram (the fakes of tests/fakes/),
every answer typed, each delivery going through Debian's nginx to either server. Some
deliveries are sent twice, at the same moment, to both servers directly (as a provider
retrying to a second address would). In the middle, one Rasa server is killed with
SIGKILL and started again. Then: every conversation reached its reference, each
application reached the API exactly once, no update or MessageSid was processed twice,
every person received the bot's answers in order, and the numbers that texted STOP got
nothing more.

Nobody writes again: a message the killed server had acknowledged is in the shared inbox
(bot/channels/inbox.py) and the other server (or the killed one, restarted) takes it over
once its lease runs out. Right before the kill, a few people's first messages go to the
doomed server directly and are acknowledged: they are answered all the same, or the test
fails. What a kill can still cost, only for the turn it interrupted: answers of a turn
saved just before the kill but not yet sent (an SMS turn's replies go out after it is
saved), or, for a turn interrupted on Telegram before it was saved, the answers it had sent
sent again when the turn is run again elsewhere (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import string
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.choices import ChoiceNumbering, render
from bot.channels.sms_output import plan_sms
from tests.e2e.cluster import SMS_PUBLIC_URL, TELEGRAM_SECRET, Cluster
from tests.e2e.typed import LANGUAGE_TITLE, application_steps
from tests.fakes.client import webhook_client
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegram, Person
from tests.fakes.twilio_api import AUTH_TOKEN, SIGNATURE_HEADER, FakeTwilio, inbound_sms, sign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# EMILE_MULTI_PEOPLE: fewer, when working on this test.
PEOPLE = int(os.environ.get("EMILE_MULTI_PEOPLE") or 100)
OPTED_OUT = 6
AT_ONCE = 20
# Every this many deliveries, one goes to both servers at once.
TWICE_EVERY = 7
# People whose first message the doomed server acknowledges just before it is killed.
WITNESSES = 4
# A message not answered in this long is lost: the inbox lease (15 s), a sweep, the killed
# server's conversation locks (20 s), and a turn on a busy machine take far less.
TURN_TIMEOUT_S = 240.0
_ids = itertools.count(random.randint(10**8, 2 * 10**8))


def letters(number: int) -> str:
    """A name part from a number (names with digits are not names)."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = string.ascii_lowercase[digit] + out
        if not number:
            return out.capitalize()


@dataclass
class Received:
    """What the fakes were asked to send, by recipient, read from their logs incrementally:
    20 people each scanning the whole logs 20 times a second cost this process CPU (and
    the fakes the interpreter lock) growing with the square of the messages."""

    telegram: FakeTelegram
    twilio: FakeTwilio
    _sms: dict[str, list[str]] = field(default_factory=dict)
    _telegram: dict[Any, list[str]] = field(default_factory=dict)
    _seen_sms: int = 0
    _seen_calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sms_to(self, phone: str) -> list[str]:
        """The bodies of the SMS the fake Twilio accepted for `phone`, in order."""
        with self._lock:
            # The fakes only append to their logs, each entry complete.
            new = self.twilio.messages[self._seen_sms :]
            self._seen_sms += len(new)
            for message in new:
                self._sms.setdefault(message.to, []).append(message.body)
            return list(self._sms.get(phone, ()))

    def telegram_to(self, chat_id: int) -> list[str]:
        """The texts of the messages the fake Telegram sent to `chat_id` (as `sent()`)."""
        with self._lock:
            new = self.telegram.calls[self._seen_calls :]
            self._seen_calls += len(new)
            for call in new:
                if call.method == "sendMessage" and call.status == 200:
                    self._telegram.setdefault(call.chat_id, []).append(call.text or "")
            return list(self._telegram.get(chat_id, ()))


@dataclass
class Run:
    """What the whole run shares: the cluster, the fakes, the counters."""

    cluster: Cluster
    telegram: FakeTelegram
    twilio: FakeTwilio
    received: Received
    turns: int = 0
    deliveries: int = 0
    twice: list[str] = field(default_factory=list)
    lost_replies: list[tuple[str, str]] = field(default_factory=list)
    repeated_replies: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_turn(self) -> None:
        with self.lock:
            self.turns += 1

    def send_twice(self) -> bool:
        with self.lock:
            self.deliveries += 1
            return self.deliveries % TWICE_EVERY == 0


class Someone:
    """One person on one channel: delivers a message, waits for the whole answer."""

    channel = ""

    def __init__(self, run: Run, number: int, language: str) -> None:
        self.run = run
        self.language = language
        self.last_name = f"Multi-{self.channel.capitalize()}-{letters(number)}"
        self.received: list[str] = []  # every message received, in order
        self.expected: list[str] = []  # every message the turns called for, in order
        self.message_ids: list[str] = []

    @property
    def sender(self) -> str:
        raise NotImplementedError

    def delivery(self, text: str) -> tuple[str, bytes, dict[str, str], str]:
        """(message id, body, headers, path) of a new delivery of `text`."""
        raise NotImplementedError

    def received_now(self) -> list[str]:
        raise NotImplementedError

    def rendered(self, bot_events: list[dict[str, Any]]) -> list[str]:
        raise NotImplementedError

    def deliver(self, text: str, server: int | None = None) -> tuple[str, float]:
        """Deliver `text` (retried by the provider until a 200), through the balancer or
        to one `server` directly; (message id, when)."""
        message_id, body, headers, path = self.delivery(text)
        sent_at = time.time()
        cluster = self.run.cluster
        if server is not None:
            url = f"{cluster.rasa_url(server)}{path}"
            answer = webhook_client().post(url, content=body, headers=headers, timeout=30)
            assert answer.status_code == 200, (url, answer.status_code)
            return message_id, sent_at
        if self.run.send_twice():
            # The same delivery to both servers at once: one must take it, once.
            self.run.twice.append(message_id)
            urls = [f"{cluster.rasa_url(i)}{path}" for i in range(cluster.servers)]
            threads = [
                threading.Thread(target=_post_quietly, args=(url, body, headers)) for url in urls
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for _ in range(30):
            try:
                answer = webhook_client().post(
                    f"{cluster.balancer_url}{path}", content=body, headers=headers, timeout=30
                )
                if answer.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)  # As Telegram and Twilio retry a webhook that failed.
        else:
            raise AssertionError(f"the balancer never took {message_id}")
        return message_id, sent_at

    def says(self, text: str) -> list[str]:
        """One turn; the response names of the bot's answer."""
        return self.answer(*self.deliver(text))

    def answer(self, message_id: str, sent_at: float) -> list[str]:
        """The response names of the answer to a delivered message (written once: a
        message never answered is lost, and fails the test)."""
        events = self._turn(message_id, TURN_TIMEOUT_S)
        assert events is not None, f"{self.sender}: {message_id} never answered (lost)"
        bot = [e for e in events if e.get("event") == "bot"]
        expected = self.rendered(bot)
        before = list(self.expected)
        self.expected += expected
        deadline = time.monotonic() + 60
        while len(self.received_now()) < len(self.expected) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.received = self.received_now()
        got = self.received[len(before) :]
        if got != expected:
            # Only the turn a kill interrupted may differ, in one of two ways.
            killed = self.run.cluster.killed_at
            assert killed is not None and sent_at <= killed + 1, (self.sender, got, expected)
            repeated = len(got) - len(expected)
            if len(got) < len(expected):
                # Saved, then killed before (all) its answers went out.
                assert got == expected[: len(got)], (self.sender, got, expected)
                self.run.lost_replies.append((self.sender, message_id))
            else:
                # Killed after some or all of its answers went out, before it was saved:
                # run again in full by the other server.
                assert 0 < repeated <= len(expected), (self.sender, got, expected)
                assert got == expected[:repeated] + expected, (self.sender, got, expected)
                self.run.repeated_replies.append((self.sender, message_id))
            self.expected = before + got
        self.run.count_turn()
        return [(e.get("metadata") or {}).get("utter_action") or "?" for e in bot]

    def _turn(self, message_id: str, timeout: float) -> list[dict[str, Any]] | None:
        """The events of the turn `message_id` started, once it is over (None: not seen)."""
        deadline = time.monotonic() + timeout
        # The first answer first (the fakes are in this process): the tracker is read only
        # then, to spare the servers' CPU.
        while len(self.received_now()) <= len(self.expected) and time.monotonic() < deadline:
            time.sleep(0.05)
        deadline = max(deadline, time.monotonic() + 10)
        while time.monotonic() < deadline:
            events = self.run.cluster.tracker(self.sender).get("events") or []
            at = [
                i
                for i, e in enumerate(events)
                if e.get("event") == "user" and e.get("message_id") == message_id
            ]
            if at:
                after = events[at[-1] + 1 :]
                if after and after[-1].get("name") == "action_listen":
                    self.message_ids.append(message_id)
                    return after
            time.sleep(0.2)
        return None

    def user_message_ids(self) -> list[str]:
        events = self.run.cluster.tracker(self.sender).get("events") or []
        return [e.get("message_id") for e in events if e.get("event") == "user"]


def _post_quietly(url: str, body: bytes, headers: dict[str, str]) -> None:
    # That server may be down: the other one has it.
    with contextlib.suppress(httpx.HTTPError):
        webhook_client().post(url, content=body, headers=headers, timeout=30)


class Texter(Someone):
    """Someone with a basic phone."""

    channel = "sms"

    def __init__(self, run: Run, number: int, language: str) -> None:
        super().__init__(run, number, language)
        self.phone = f"+3361{number:02d}{random.randint(0, 99999):05d}"

    @property
    def sender(self) -> str:
        return self.phone

    def delivery(self, text: str) -> tuple[str, bytes, dict[str, str], str]:
        params = inbound_sms(self.phone, text)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            SIGNATURE_HEADER: sign(SMS_PUBLIC_URL, params, AUTH_TOKEN),
        }
        body = urllib.parse.urlencode(params).encode("utf-8")
        return params["MessageSid"], body, headers, "/webhooks/sms/webhook"

    def received_now(self) -> list[str]:
        return self.run.received.sms_to(self.phone)

    def rendered(self, bot_events: list[dict[str, Any]]) -> list[str]:
        numbering = ChoiceNumbering()
        texts = [render(e.get("text") or "", numbering.add(_buttons(e))) for e in bot_events]
        return plan_sms(texts)


class TelegramUser(Someone):
    """Someone in the Telegram app."""

    channel = "telegram"

    def __init__(self, run: Run, number: int, language: str) -> None:
        super().__init__(run, number, language)
        self.person = Person(next(_ids), first_name="Amina", language_code=language)

    @property
    def sender(self) -> str:
        return str(self.person.id)

    def delivery(self, text: str) -> tuple[str, bytes, dict[str, str], str]:
        update = self.run.telegram.text(self.person, text)
        headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
        body = json.dumps(update).encode("utf-8")
        return f"telegram-{update['update_id']}", body, headers, "/webhooks/telegram/webhook"

    def received_now(self) -> list[str]:
        return self.run.received.telegram_to(self.person.id)

    def rendered(self, bot_events: list[dict[str, Any]]) -> list[str]:
        return [e.get("text") or "" for e in bot_events if e.get("text")]


def _buttons(event: dict[str, Any]) -> list[dict[str, Any]]:
    data = event.get("data") or {}
    return list(data.get("quick_replies") or data.get("buttons") or [])


def apply(person: Someone) -> None:
    """The whole typed application, from hello to the reference."""
    said = person.says("bonjour" if person.language == "fr" else "hello")
    if said == ["utter_ask_language"]:
        said = person.says(LANGUAGE_TITLE[person.language])
    assert said == ["utter_about_emile_short", "utter_privacy", "utter_menu"], said
    steps = application_steps(
        person.language, person.last_name, phone_offered=isinstance(person, Texter)
    )
    for text, expected in steps:
        assert person.says(text) == expected, (person.sender, text)


def opt_out(person: Texter) -> int:
    """Hello, STOP, then more messages; how many SMS the number had before STOP."""
    person.says("bonjour")
    before = len(person.received_now())
    for text in ("STOP", "bonjour ?", "2"):
        person.deliver(text)
        # A person's messages a few milliseconds apart may reach two servers and be taken
        # in either order (docs/scaling.md); a second apart, in order.
        time.sleep(1)
    return before


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Run]:
    workdir = tmp_path_factory.mktemp("multi")
    with FakeTelegram() as telegram, FakeTwilio() as twilio:
        cluster = Cluster(
            workdir,
            model,
            servers=2,
            telegram_base_url=telegram.base_url,
            twilio_base_url=twilio.base_url,
        )
        try:
            cluster.start()
        except Exception:
            for name in ("api", "actions", "rasa", "actions1", "rasa1"):
                if cluster.stack is not None:
                    print(f"----- {name}.log (tail)\n{cluster.logs(name)[-3000:]}")
            cluster.stop()
            raise
        yield Run(cluster, telegram, twilio, Received(telegram, twilio))
        cluster.stop()
        print(f"multi-server logs in {workdir}")


def test_a_hundred_applications_through_two_servers_one_killed(run: Run) -> None:
    cluster = run.cluster
    people: list[Someone] = [
        (Texter if number % 2 else TelegramUser)(run, number, "fr" if number % 4 < 2 else "en")
        for number in range(PEOPLE)
    ]
    stoppers = [Texter(run, PEOPLE + number, "fr") for number in range(OPTED_OUT)]
    witnesses: list[Someone] = [
        (Texter if number % 2 else TelegramUser)(run, PEOPLE + OPTED_OUT + number, "fr")
        for number in range(WITNESSES)
    ]
    acknowledged: list[tuple[str, float]] = []
    turns_each = 2 + len(application_steps("fr", "x", phone_offered=True))
    started = time.monotonic()

    def kill_in_the_middle() -> None:
        while run.turns < PEOPLE * turns_each // 2:
            time.sleep(0.2)
        # Acknowledged by the server about to die (200 once written down), not processed.
        for witness in witnesses:
            acknowledged.append(witness.deliver("bonjour", server=1))
        cluster.kill(1)
        cluster.restart(1, wait=False)

    killer = threading.Thread(target=kill_in_the_middle, daemon=True)
    killer.start()
    with ThreadPoolExecutor(AT_ONCE) as pool:
        stopped = pool.map(opt_out, stoppers)
        outcomes = [pool.submit(apply, person) for person in people]
        before_stop = list(stopped)
        for outcome in outcomes:
            outcome.result()
    killer.join(timeout=60)
    assert cluster.killed_at is not None, "the server was never killed"
    # What the killed server had acknowledged is answered by the other one (or by it,
    # restarted): nobody wrote again.
    for witness, (message_id, sent_at) in zip(witnesses, acknowledged, strict=True):
        assert witness.answer(message_id, sent_at), witness.sender
        assert witness.user_message_ids() == [message_id], witness.sender
    cluster.wait_ready(1)
    took = time.monotonic() - started
    taken_over = cluster.state_rows("SELECT count(*) FROM inbox WHERE attempts > 1")[0][0]
    print(
        f"\n{PEOPLE} applications, {run.turns} turns in {took:.0f} s"
        f" ({run.turns / took:.1f} turns/s); {len(run.twice)} deliveries sent twice;"
        f" deliveries taken over from the killed server: {taken_over};"
        f" answers lost with it: {len(run.lost_replies)};"
        f" answers sent twice (turn run again): {len(run.repeated_replies)};"
        f" trackers read: {cluster.tracker_reads};"
        f" balancer: {cluster.upstreams()}"
    )
    assert taken_over > 0

    # Each application reached the API exactly once, with its reference.
    assert cluster.stack is not None
    for person in people:
        listed = cluster.stack.api("GET", f"/applications?q={person.last_name}&page_size=200")
        found = [a for a in listed["items"] if a["last_name"] == person.last_name]
        assert len(found) == 1, (person.last_name, found)
        slots = cluster.tracker(person.sender)["slots"]
        assert slots["application_reference"] == found[0]["reference"]
        assert found[0]["channel"] == person.channel

    # No delivery processed twice (the doubled ones included), answers exactly as expected.
    for person in [*people, *witnesses]:
        ids = [i for i in person.user_message_ids() if i]
        assert len(ids) == len(set(ids)), (person.sender, ids)
        assert person.received == person.expected, person.sender
    # The balancer passes the webhooks only: no REST channel, no Rasa HTTP API.
    for path in ("/webhooks/rest/webhook", f"/conversations/{people[0].sender}/tracker", "/"):
        assert httpx.post(f"{cluster.balancer_url}{path}", json={}).status_code == 404, path
    # Both servers took deliveries through the balancer.
    served = cluster.upstreams()
    assert all(served.get(f"127.0.0.1:{port}", 0) > 0 for port in cluster.rasa_ports), served

    # Nothing to the numbers that said STOP, after they said it.
    for stopper, count in zip(stoppers, before_stop, strict=True):
        assert len(stopper.received_now()) == count, stopper.phone
