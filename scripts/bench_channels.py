#!/usr/bin/env python3
"""Benchmark the channels: whole conversations over REST, Telegram and SMS, on one server.

Starts the stack's operator API and action server (tests/e2e/stack.py) and ONE Rasa server
whose credentials are assembled as scripts/run.sh does (credentials.yml: REST with its
secret, + credentials.telegram.yml +
credentials.sms.yml), with Telegram (webhook mode) pointed at the fake Bot API
(tests/fakes/telegram_api.py) and SMS pointed at the fake Twilio REST API, run in a process of
its own (tests/fakes/twilio_process.py). The conversation of scripts/bench_assistant.py
(SCRIPT) is replayed on each channel, 1 and then 20 conversations at a time, the channels one
after the other at each level, against the same server (after one warm-up conversation per
channel, not measured):

- REST: the HTTP round trip of `POST /webhooks/rest/webhook`.
- Telegram: from the moment the update is POSTed to the webhook (with the secret token, as
  Telegram does) to the moment the fake records the turn's last `sendMessage` (`last`), and
  its first one, the "✓ <title>" echo of a press left out (`first`). Choices are pressed
  (callback queries on the keyboard the bot showed); typed `/payloads` would reach Rasa as
  plain text on this channel.
- SMS: from the moment the signed Twilio webhook is POSTed to the moment the fake records the
  turn's last Messages create (`last`) and its first one (`first`). Choices are answered with
  their number or letter, as on a phone; typed `/payloads` would be plain text here too.

A payload that the bot did not offer as a choice at that point is typed as words instead
(counted: `typed_instead`). Telegram: a turn is over when its replies came, nothing more
came for QUIET_S, and the tracker shows `action_listen` after the person's message; its
messages per second include that end-of-turn detection (QUIET_S plus one tracker read per
turn, served by the same Rasa server: `tracker_reads`). SMS: the warm-up conversation is read
that way, and teaches the bench what a person types at each step and how many SMS each turn
sends (SmsChannel); in every measured conversation a turn is over as soon as that many SMS
have arrived (no quiet wait, no tracker read). Latencies are taken from the fakes' recorded
timestamps, not from the end of the wait. `webhook_p50_ms`/`webhook_p95_ms`: the webhook's
round trip (how long the provider waits for its answer). `completed`: the conversations whose
tracker ends with an application reference. `by_step` (JSON only): the last-reply latency of
each step. `rasa_cpu_ms_per_message` (and actions, api, twilio: the fake): CPU time each
process used per message, less sensitive than latencies to whatever else runs on the machine
(it includes the tracker reads; `rasa_cpu_ms_per_message_net`: without them, their cost
measured at the end over REST); `bench_cpu_s`, `bench_cpu_ms_per_message`: this process (the
client threads, the fake Telegram).

    .venv/assistant/bin/python scripts/bench_channels.py [--conversations 20] \\
        [--model models/emile.tar.gz] [--concurrency 1,20] [--single 4] [--verbose]

(--single: conversations at concurrency 1, by default max(4, conversations // 5); the whole
default run takes a few minutes on 2 cores.)

Results: a table, and bench/results/channels-<time>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import httpx  # noqa: E402
from bench_assistant import SCRIPT, percentile, summary  # noqa: E402

from bot.channels.choices import ChoiceNumbering, render  # noqa: E402
from bot.channels.sms_output import plan_sms  # noqa: E402
from tests.e2e.stack import Stack, ensure_model, http, set_telegram_webhook  # noqa: E402
from tests.fakes.telegram_api import TOKEN, FakeTelegram, Person  # noqa: E402
from tests.fakes.twilio_api import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    inbound_sms,
    signed_post,
)
from tests.fakes.twilio_process import FakeTwilioProcess, Sent  # noqa: E402

CHANNELS = ("rest", "telegram", "sms")
# bench_assistant's conversation. (Its last name "Bench" is read by NLU as choose_language
# with a language "Bench": the application form takes it as the name all the same.)
CHANNEL_SCRIPT = list(SCRIPT)
TELEGRAM_SECRET = "bench-telegram_Secret-0123456789"
SMS_PUBLIC_URL = "https://sms.emile-bench.example.org/webhooks/sms/webhook"
# End of a turn: nothing more for QUIET_S after a reply, then the tracker is read.
QUIET_S = 0.25
POLL_S = 0.05
TURN_TIMEOUT_S = 120.0
# What a person types for a payload when the bot shows no choice for it at that point.
PAYLOAD_WORDS = {
    '/choose_language{"language":"en"}': "English",
    '/inform{"residence_area":"ile_de_france"}': "Île-de-France",
    '/inform{"housing_situation":"emergency_shelter"}': "in an emergency shelter",
    '/inform{"work_situation":"unemployed"}': "unemployed",
    '/inform{"sector":"building"}': "building",
    '/inform{"french_level":"intermediate"}': "intermediate",
    "/affirm": "yes",
    "/deny": "no",
}


def is_payload(step: str) -> bool:
    return step.startswith("/")


# ---------------------------------------------------------------------------- results


@dataclass
class Tally:
    """What one channel did at one concurrency level."""

    last: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    typed_instead: int = 0
    completed: int = 0
    tracker_reads: int = 0
    by_step: dict[int, list[float]] = field(default_factory=dict)
    # Round trips of the SMS webhook POSTs: how long the provider waits for an answer.
    webhook: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_webhook(self, took: float) -> None:
        with self.lock:
            self.webhook.append(took)

    def add(self, step: int, last: float, first: float) -> None:
        with self.lock:
            self.last.append(last)
            self.first.append(first)
            self.by_step.setdefault(step, []).append(last)


def report(tally: Tally, elapsed: float, conversations: int, concurrency: int) -> dict[str, Any]:
    result: dict[str, Any] = {"concurrency": concurrency, "conversations": conversations}
    if tally.last:
        result.update(summary(tally.last, elapsed))
        result.update(
            {
                "first_p50_ms": round(1000 * statistics.median(tally.first), 1),
                "first_p95_ms": round(1000 * percentile(tally.first, 95), 1),
                "first_p99_ms": round(1000 * percentile(tally.first, 99), 1),
            }
        )
    else:
        result["messages"] = 0
    if tally.webhook:
        result["webhook_p50_ms"] = round(1000 * statistics.median(tally.webhook), 1)
        result["webhook_p95_ms"] = round(1000 * percentile(tally.webhook, 95), 1)
    result.update(
        {
            "elapsed_s": round(elapsed, 1),
            "completed": tally.completed,
            "typed_instead": tally.typed_instead,
            "tracker_reads": tally.tracker_reads,
            "errors": len(tally.errors),
        }
    )
    if tally.errors:
        result["error_samples"] = tally.errors[:5]
    # Where the time goes: the last-reply latency of each step of the script.
    result["by_step"] = [
        {
            "step": index,
            "message": CHANNEL_SCRIPT[index],
            "p50_ms": round(1000 * statistics.median(values), 1),
            "max_ms": round(1000 * max(values), 1),
        }
        for index, values in sorted(tally.by_step.items())
    ]
    return result


# ---------------------------------------------------------------------------- the server


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (its exited threads included)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time of the live processes of process group `pgid` (a service and its workers:
    nginx's, or a process started with start_new_session)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def thread_cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads, to the nanosecond (for short measurements)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1e9


def tracker_read_cost(rest: RestChannel, pid: int, reads: int = 5) -> float:
    """Rasa server CPU seconds per tracker read, as this bench reads them: one conversation
    over REST, `reads` reads of its tracker after each turn (the tracker growing)."""
    sender = f"bench-calibration-{os.getpid()}"
    used = 0.0
    for step in CHANNEL_SCRIPT:
        rest.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": step})
        before = thread_cpu_seconds(pid)
        for _ in range(reads):
            tracker(rest.rasa_url, sender)
        used += thread_cpu_seconds(pid) - before
    return used / (reads * len(CHANNEL_SCRIPT))


def channel_credentials(workdir: Path, twilio: FakeTwilioProcess) -> Path:
    """credentials.yml as scripts/run.sh assembles it, the SMS channel on the fake Twilio."""
    rest = (ROOT / "credentials.yml").read_text(encoding="utf-8").rstrip()
    telegram = (ROOT / "credentials.telegram.yml").read_text(encoding="utf-8")
    sms = (ROOT / "credentials.sms.yml").read_text(encoding="utf-8").rstrip("\n")
    if not sms.splitlines()[-1].startswith("  "):
        raise RuntimeError("credentials.sms.yml: expected its channel section to come last")
    text = f"{rest}\n{telegram.rstrip()}\n{sms}\n  api_base_url: {twilio.base_url}\n"
    path = workdir / "credentials.yml"
    path.write_text(text, encoding="utf-8")
    return path


def tracker(rasa_url: str, sender: str) -> dict[str, Any]:
    status, body = http("GET", f"{rasa_url}/conversations/{sender}/tracker", timeout=60)
    if status != 200 or not isinstance(body, dict):
        raise RuntimeError(f"tracker of {sender}: {status} {body!r}")
    return body


def turn_events(body: dict[str, Any], message_id: str) -> list[dict[str, Any]] | None:
    """The events after the person's message `message_id`, once the turn is over; else None."""
    events = body.get("events") or []
    at = None
    for index, event in enumerate(events):
        if event.get("event") == "user" and event.get("message_id") == message_id:
            at = index
    if at is None:
        return None
    after = events[at + 1 :]
    if after and after[-1].get("event") == "action" and after[-1].get("name") == "action_listen":
        return after
    return None


def bot_names(events: list[dict[str, Any]]) -> list[str]:
    return [
        (e.get("metadata") or {}).get("utter_action") or "?"
        for e in events
        if e.get("event") == "bot"
    ]


def buttons_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    data = event.get("data") or {}
    return list(data.get("quick_replies") or data.get("buttons") or [])


class Outgoing:
    """The recorded times of the provider calls that match, read incrementally from a fake's
    growing log (so that 20 waiting conversations do not rescan it all every poll)."""

    def __init__(self, log: list[Any], match: Callable[[Any], bool]) -> None:
        self.log = log
        self.match = match
        self.position = len(log)
        self.times: list[float] = []

    def __call__(self) -> list[float]:
        end = len(self.log)
        for index in range(self.position, end):
            item = self.log[index]
            if self.match(item):
                self.times.append(item.at)
        self.position = end
        return self.times


def wait_turn(
    stamps: Callable[[], list[float]],
    over: Callable[[], int | None],
    timeout: float = TURN_TIMEOUT_S,
) -> list[float]:
    """The recorded times of a turn's outgoing messages, once the turn is over.

    `stamps()`: the times so far. `over()` (called once replies have been quiet for
    QUIET_S): None while the turn goes on, else how many messages the turn sends in all.
    """
    deadline = time.monotonic() + timeout
    expected: int | None = None
    checked = 0.0
    while time.monotonic() < deadline:
        now = stamps()
        if expected is not None:
            if len(now) >= expected:
                return now
        elif now and time.time() - max(now) >= QUIET_S and time.time() - checked >= QUIET_S:
            checked = time.time()
            expected = over()
            continue
        time.sleep(POLL_S)
    raise TimeoutError(f"turn not over after {timeout:.0f} s ({len(stamps())} messages)")


# ---------------------------------------------------------------------------- channels


class Channel:
    """Runs whole conversations on one channel; subclasses say how a turn goes."""

    name = ""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.server_pids: dict[str, int] = {}  # CPU time of these is reported per run
        # More CPU times to report (name -> seconds so far), e.g. database backends.
        self.cpu_probes: dict[str, Callable[[], float]] = {}

    def conversation(self, tally: Tally, show: bool) -> None:
        raise NotImplementedError

    def begin(self) -> None:
        """Called before a measured run."""

    def extra(self) -> dict[str, Any]:
        """Figures of the channel's own for the run just measured."""
        return {}

    def finish(self, sender: str, tally: Tally) -> None:
        slots = tracker(self.rasa_url, sender).get("slots") or {}
        if slots.get("application_reference"):
            with tally.lock:
                tally.completed += 1

    def measure(self, conversations: int, concurrency: int) -> dict[str, Any]:
        """`conversations` conversations, `concurrency` at a time: latencies and throughput."""
        tally = Tally()
        numbers: queue.Queue[int] = queue.Queue()
        for number in range(conversations):
            numbers.put(number)

        def worker() -> None:
            while True:
                try:
                    numbers.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.conversation(tally, show=False)
                except Exception as error:  # one conversation lost, the others go on
                    with tally.lock:
                        tally.errors.append(f"{type(error).__name__}: {error}"[:300])

        self.begin()
        probes = dict(self.cpu_probes)
        for name, pid in self.server_pids.items():
            probes[name] = lambda pid=pid: group_cpu_seconds(pid)
        cpu = {name: probe() for name, probe in probes.items()}
        bench_cpu = time.process_time()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            try:
                for future in [pool.submit(worker) for _ in range(concurrency)]:
                    future.result()
            except BaseException:  # stopped (Ctrl-C, SIGTERM): no new conversation
                while not numbers.empty():
                    numbers.get_nowait()
                raise
        result = report(tally, time.perf_counter() - started, conversations, concurrency)
        # CPU per message: what a channel costs, whatever else runs on the machine.
        for name, probe in probes.items():
            used = probe() - cpu[name]
            result[f"{name}_cpu_ms_per_message"] = round(1000 * used / max(1, len(tally.last)), 1)
        used = time.process_time() - bench_cpu
        result["bench_cpu_s"] = round(used, 1)
        result["bench_cpu_ms_per_message"] = round(1000 * used / max(1, len(tally.last)), 1)
        result.update(self.extra())
        return result

    def show(self, step: str, sent: str, names: list[str], last: float, first: float) -> None:
        print(
            f"    {self.name:8} {step[:44]:44} -> {sent[:22]:22} "
            f"{1000 * first:6.0f} {1000 * last:6.0f} ms  {' '.join(names)}"
        )


class TelegramChannel(Channel):
    name = "telegram"

    def __init__(self, rasa_url: str, fake: FakeTelegram) -> None:
        super().__init__(rasa_url)
        self.fake = fake
        self._ids = itertools.count(random.randint(10**9, 2 * 10**9))

    def conversation(self, tally: Tally, show: bool) -> None:
        person = Person(next(self._ids), first_name="Bench", language_code=None)
        start = self.fake.mark()
        for index, step in enumerate(CHANNEL_SCRIPT):
            sent = step
            echo: str | None = None
            if is_payload(step):
                try:
                    update = self.fake.press(person, data=step, since=start)
                    title = _pressed_title(update, step)
                    echo = f"✓ {title}" if title else None
                    sent = f"[{title}]"
                except AssertionError:  # not offered now: typed as words
                    sent = PAYLOAD_WORDS.get(step, step.lstrip("/"))
                    update = self.fake.text(person, sent)
                    with tally.lock:
                        tally.typed_instead += 1
            else:
                update = self.fake.text(person, step)
            message_id = f"telegram-{update['update_id']}"
            names: list[str] = []
            stamps = Outgoing(
                self.fake.calls,
                lambda c, echo=echo: (
                    c.method == "sendMessage"
                    and c.status == 200
                    and c.chat_id == person.id
                    and not (echo is not None and c.text == echo)
                ),
            )

            def over(message_id: str = message_id, names: list[str] = names) -> int | None:
                with tally.lock:
                    tally.tracker_reads += 1
                events = turn_events(tracker(self.rasa_url, str(person.id)), message_id)
                if events is None:
                    return None
                names.extend(bot_names(events))
                return 0  # Every reply is sent before the turn ends.

            sent_at = time.time()
            answer = self.fake.deliver(update)
            if answer.status_code != 200:
                raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
            times = wait_turn(stamps, over)
            last, first = max(times) - sent_at, min(times) - sent_at
            tally.add(index, last, first)
            if show:
                self.show(step, sent, names, last, first)
        self.finish(str(person.id), tally)


def _pressed_title(update: dict[str, Any], data: str) -> str | None:
    markup = update["callback_query"]["message"].get("reply_markup") or {}
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if button.get("callback_data") == data:
                return str(button.get("text"))
    return None


@dataclass(frozen=True)
class SmsStep:
    """One step of the SMS conversation as a person on a phone goes through it."""

    sent: str  # what they type: a choice's label, or words
    label: str | None  # the choice's label they read in the previous turn's SMS
    sms: int  # how many SMS the bot's turn sends back
    typed_instead: bool


class SmsChannel(Channel):
    """SMS through the signed Twilio webhook; the bot's SMS recorded by the fake Twilio
    (tests/fakes/twilio_process.py, in its own process).

    The first conversation (the warm-up) learns the conversation: at each turn, from the
    tracker's bot events, the numbered choices and how many SMS the channel sends
    (`plan_sms`), after QUIET_S of quiet. Every later conversation types the same thing
    at each step (after checking that the choice's label is in the SMS it got) and its
    turn is over when that many SMS have arrived: no tracker read, no quiet wait. A turn
    that sends fewer SMS fails the conversation (a timeout); more, the check at the end
    (`unexpected_sms`); each conversation must still end with an application reference.
    """

    name = "sms"

    def __init__(self, rasa_url: str, fake: FakeTwilioProcess) -> None:
        super().__init__(rasa_url)
        self.fake = fake
        self.webhook = f"{rasa_url}/webhooks/sms/webhook"
        self.steps: list[SmsStep] | None = None
        self._numbers = itertools.count(random.randint(0, 5 * 10**7))
        # One pooled client for every webhook POST (a client per request costs more CPU
        # than the request: httpx builds an SSL context for each).
        self.client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=256))
        self._expected: dict[str, int] = {}
        self._expected_lock = threading.Lock()

    def _phone(self) -> str:
        return f"+336{next(self._numbers) % 10**8:08d}"

    def _post(self, params: dict[str, str], tally: Tally) -> float:
        """POST the signed webhook; when it was sent (the turn's clock starts there)."""
        sent_at = time.time()
        answer = signed_post(self.webhook, SMS_PUBLIC_URL, params, timeout=60, client=self.client)
        tally.add_webhook(time.time() - sent_at)
        if answer.status_code != 200:
            raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
        return sent_at

    def conversation(self, tally: Tally, show: bool) -> None:
        if self.steps is None:
            self.steps = self.learn(tally, show)
            return
        phone = self._phone()
        with self._expected_lock:
            self._expected[phone] = sum(step.sms for step in self.steps)
        got: list[Sent] = []
        turn: list[Sent] = []
        for index, step in enumerate(self.steps):
            if step.label is not None and not _offers(turn, step.label):
                raise RuntimeError(f"step {index}: choice {step.label} not in the SMS received")
            if step.typed_instead:
                with tally.lock:
                    tally.typed_instead += 1
            before = len(got)
            sent_at = self._post(inbound_sms(phone, step.sent), tally)
            got = self.fake.wait_for(phone, before + step.sms, TURN_TIMEOUT_S)
            turn = got[before : before + step.sms]
            last, first = turn[-1].at - sent_at, turn[0].at - sent_at
            tally.add(index, last, first)
            if show:
                self.show(CHANNEL_SCRIPT[index], step.sent, [f"{step.sms} SMS"], last, first)
        self.finish(phone, tally)

    def begin(self) -> None:
        with self._expected_lock:
            self._expected.clear()

    def extra(self) -> dict[str, Any]:
        """SMS sent beyond what the learnt conversation sends, over the phones measured."""
        with self._expected_lock:
            expected = dict(self._expected)
        unexpected = sum(max(0, len(self.fake.sent_to(p)) - n) for p, n in expected.items())
        return {"unexpected_sms": unexpected}

    def learn(self, tally: Tally, show: bool) -> list[SmsStep]:
        """One conversation read turn by turn from the tracker: the steps later ones replay."""
        phone = self._phone()
        choices = ChoiceNumbering()
        steps: list[SmsStep] = []
        for index, step in enumerate(CHANNEL_SCRIPT):
            sent, label, typed = step, None, False
            if is_payload(step):
                label = next((k for k, v in choices.payloads.items() if v == step), None)
                if label is not None:
                    sent = label
                else:  # not offered now: typed as words
                    sent, typed = PAYLOAD_WORDS.get(step, step.lstrip("/")), True
            params = inbound_sms(phone, sent)
            names: list[str] = []
            numbering: list[ChoiceNumbering] = []
            before = len(self.fake.sent_to(phone))

            def stamps(before: int = before) -> list[float]:
                return [one.at for one in self.fake.sent_to(phone)[before:]]

            def over(
                sid: str = params["MessageSid"],
                names: list[str] = names,
                numbering: list[ChoiceNumbering] = numbering,
            ) -> int | None:
                with tally.lock:
                    tally.tracker_reads += 1
                events = turn_events(tracker(self.rasa_url, phone), sid)
                if events is None:
                    return None
                bots = [e for e in events if e.get("event") == "bot"]
                names.extend(bot_names(bots))
                turn = ChoiceNumbering()
                texts = [render(e.get("text") or "", turn.add(buttons_of(e))) for e in bots]
                numbering.append(turn)
                return len(plan_sms(texts))  # What the channel sends after the turn.

            sent_at = self._post(params, tally)
            times = wait_turn(stamps, over)
            choices = numbering[-1]
            steps.append(SmsStep(sent, label, len(times), typed))
            last, first = max(times) - sent_at, min(times) - sent_at
            tally.add(index, last, first)
            if show:
                self.show(step, sent, names, last, first)
        slots = tracker(self.rasa_url, phone).get("slots") or {}
        if not slots.get("application_reference"):
            raise RuntimeError("the SMS conversation learnt did not reach a reference")
        return steps


def _offers(sent: list[Sent], label: str) -> bool:
    """Whether a choice labelled `label` is among the lines of these SMS."""
    return any(
        line.strip().startswith(f"{label}.") for one in sent for line in one.body.splitlines()
    )


class RestChannel(Channel):
    """POST /webhooks/rest/webhook: the bot's messages are the answer (the round trip)."""

    name = "rest"

    def __init__(self, rasa_url: str, headers: dict[str, str]) -> None:
        super().__init__(rasa_url)
        self.client = httpx.Client(
            base_url=rasa_url,
            timeout=TURN_TIMEOUT_S,
            limits=httpx.Limits(max_connections=64),
            headers=headers,
        )
        self._ids = itertools.count()

    def conversation(self, tally: Tally, show: bool) -> None:
        sender = f"bench-rest-{os.getpid()}-{next(self._ids)}"
        for index, step in enumerate(CHANNEL_SCRIPT):
            started = time.perf_counter()
            answer = self.client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": step}
            )
            took = time.perf_counter() - started
            if answer.status_code != 200 or not isinstance(answer.json(), list):
                raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
            tally.add(index, took, took)
            if show:
                self.show(step, step, [f"{len(answer.json())} messages"], took, took)
        self.finish(sender, tally)


# ---------------------------------------------------------------------------- main


def print_table(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    header = (
        f"{'channel':9} {'conc':>4} {'conv':>4} {'msgs':>5} {'done':>4} "
        f"{'p50':>7} {'p95':>7} {'p99':>7}  {'1st p50':>7} {'1st p95':>7} "
        f"{'msg/s':>6} {'cpu/msg':>7} {'typed':>5} {'err':>3}"
    )
    print(header)
    print("-" * len(header))
    for level, by_channel in results.items():
        for channel, r in by_channel.items():
            if not r.get("messages"):
                print(f"{channel:9} {level:>4} no messages; errors: {r.get('error_samples')}")
                continue
            print(
                f"{channel:9} {r['concurrency']:>4} {r['conversations']:>4} {r['messages']:>5} "
                f"{r['completed']:>4} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7}  "
                f"{r['first_p50_ms']:>7} {r['first_p95_ms']:>7} {r['messages_per_s']:>6} "
                f"{r.get('rasa_cpu_ms_per_message_net', '-'):>7} {r['typed_instead']:>5} "
                f"{r['errors']:>3}"
            )
    print("latencies in ms: REST = HTTP round trip; Telegram/SMS = webhook sent -> last (1st:")
    print("first) provider API call recorded by the fake. done = conversations ending with an")
    print("application reference; cpu/msg = Rasa server CPU ms per message, the cost of this")
    print("bench's tracker reads taken out; typed = payloads typed as words (none offered).")


def stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C: the servers started are stopped on the way out."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main() -> int:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20, help="at the highest level")
    parser.add_argument("--model", type=Path, help="model file (default: ensure_model())")
    parser.add_argument(
        "--concurrency", default="1,20", help="conversations at a time, comma-separated"
    )
    parser.add_argument(
        "--single",
        type=int,
        help="conversations at concurrency 1 (default: max(4, conversations // 5))",
    )
    parser.add_argument("--verbose", action="store_true", help="show the warm-up turns")
    args = parser.parse_args()
    levels = [int(part) for part in args.concurrency.split(",") if part.strip()]
    single = args.single or min(args.conversations, max(4, args.conversations // 5))

    workdir = Path(tempfile.mkdtemp(prefix="emile-bench-channels-"))
    model = (args.model or ensure_model(log=workdir / "train.log")).resolve()
    output: dict[str, Any] = {
        "model": str(model),
        "script": CHANNEL_SCRIPT,
        "quiet_s": QUIET_S,
        "workdir": str(workdir),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }
    telegram_fake = FakeTelegram().start()
    twilio_fake = FakeTwilioProcess().start()
    stack = Stack(workdir, model=model)
    rasa_url = stack.rasa_url
    os.environ.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_BASE_URL": telegram_fake.base_url,
            "TELEGRAM_PUBLIC_URL": f"{rasa_url}/webhooks/telegram/webhook",
            "TELEGRAM_DATA_DIR": str(workdir / "telegram"),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_PUBLIC_URL": SMS_PUBLIC_URL,
        }
    )
    stack.credentials = channel_credentials(workdir, twilio_fake)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        started = time.monotonic()
        stack.start()
        set_telegram_webhook(stack.credentials, stack.env)
        output["stack_start_s"] = round(time.monotonic() - started, 1)
        print(f"stack up in {output['stack_start_s']} s (logs in {workdir})")
        rest = RestChannel(rasa_url, stack.rest_headers)
        channels: dict[str, Channel] = {
            "rest": rest,
            "telegram": TelegramChannel(rasa_url, telegram_fake),
            "sms": SmsChannel(rasa_url, twilio_fake),
        }
        for channel in channels.values():
            channel.server_pids = {
                name: stack.processes[name].pid for name in ("rasa", "actions", "api")
            } | {"twilio": twilio_fake.pid}
        # Warm-up: one conversation per channel, not measured.
        print("warm-up (first, last ms; responses):" if args.verbose else "warm-up")
        for name in CHANNELS:
            channels[name].conversation(Tally(), show=args.verbose)
        for level in levels:
            count = single if level == 1 else args.conversations
            results[str(level)] = {}
            for name in CHANNELS:
                results[str(level)][name] = channels[name].measure(count, level)
                shown = {k: v for k, v in results[str(level)][name].items() if k != "by_step"}
                print(f"  {name} x{level}: {shown}")
        # What the bench's own tracker reads cost the server, to take out of cpu/msg.
        read_s = tracker_read_cost(rest, stack.processes["rasa"].pid)
        output["tracker_read_rasa_cpu_ms"] = round(1000 * read_s, 2)
        for by_channel in results.values():
            for r in by_channel.values():
                if r.get("messages") and "rasa_cpu_ms_per_message" in r:
                    reads_ms = 1000 * read_s * r["tracker_reads"] / r["messages"]
                    r["rasa_cpu_ms_per_message_net"] = round(
                        r["rasa_cpu_ms_per_message"] - reads_ms, 1
                    )
    except Exception:
        traceback.print_exc()
        for name in ("api", "actions", "rasa"):
            print(f"----- {name}.log (tail)\n{stack.logs(name)[-3000:]}")
        raise
    finally:
        stack.stop()
        telegram_fake.stop()
        twilio_fake.stop()
    refused_telegram = [
        (c.method, c.status, (c.text or "")[:60]) for c in telegram_fake.calls if c.status >= 400
    ]
    refused_twilio = [(path, status) for path, status in twilio_fake.requests if status >= 400]
    output["provider_refusals"] = {
        "telegram": refused_telegram[:20],
        "telegram_count": len(refused_telegram),
        "twilio": refused_twilio[:20],
        "twilio_count": len(refused_twilio),
    }
    output["results"] = results
    output["load_average_at_end"] = os.getloadavg()
    print()
    print_table(results)
    if refused_telegram or refused_twilio:
        print(f"provider refusals: {output['provider_refusals']}")
    out = ROOT / "bench" / "results" / f"channels-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(output, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
