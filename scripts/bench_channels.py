#!/usr/bin/env python3
"""Benchmark the channels: whole conversations over REST, Telegram and SMS, on one server.

Starts the stack's operator API and action server (tests/e2e/stack.py) and ONE Rasa server
whose credentials are assembled as scripts/run.sh does (credentials.yml: REST with its
secret, + credentials.telegram.yml +
credentials.sms.yml), with Telegram (webhook mode) pointed at the fake Bot API
(tests/fakes/telegram_api.py) and SMS pointed at the fake Twilio REST API
(tests/fakes/twilio_api.py). The conversation of scripts/bench_assistant.py (SCRIPT) is
replayed on each channel, 1 and then 20
conversations at a time, the channels one after the other at each level, against the same
server (after one warm-up conversation per channel, not measured):

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
(counted: `typed_instead`). A turn is over when its replies came, nothing more came for
QUIET_S, and the tracker shows `action_listen` after the person's message (for SMS: and as
many SMS as the channel plans for the turn's bot messages have been sent); latencies are
taken from the fakes' recorded timestamps, not from the end of that wait. Messages per second
are messages over wall time, so for Telegram and SMS they include that end-of-turn detection
(QUIET_S plus one tracker read per turn, served by the same Rasa server: `tracker_reads`),
which REST does not need. `completed`: the conversations whose tracker ends with an
application reference. `by_step` (JSON only): the last-reply latency of each step.
`rasa_cpu_ms_per_message` (and actions, api): CPU time the server used per message, less
sensitive than latencies to whatever else runs on the machine (it includes the tracker
reads; `rasa_cpu_ms_per_message_net`: without them, their cost measured at the end over
REST); `bench_cpu_s`: this process (client threads and fake servers).

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
    FakeTwilio,
    inbound_sms,
    signed_post,
)

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
    lock: threading.Lock = field(default_factory=threading.Lock)

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


def channel_credentials(workdir: Path, twilio: FakeTwilio) -> Path:
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

    def conversation(self, tally: Tally, show: bool) -> None:
        raise NotImplementedError

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

        cpu = {name: cpu_seconds(pid) for name, pid in self.server_pids.items()}
        bench_cpu = time.process_time()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
        result = report(tally, time.perf_counter() - started, conversations, concurrency)
        # CPU per message: what a channel costs, whatever else runs on the machine.
        for name, pid in self.server_pids.items():
            used = cpu_seconds(pid) - cpu[name]
            result[f"{name}_cpu_ms_per_message"] = round(1000 * used / max(1, len(tally.last)), 1)
        result["bench_cpu_s"] = round(time.process_time() - bench_cpu, 1)
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


class SmsChannel(Channel):
    name = "sms"

    def __init__(self, rasa_url: str, fake: FakeTwilio) -> None:
        super().__init__(rasa_url)
        self.fake = fake
        self.webhook = f"{rasa_url}/webhooks/sms/webhook"
        self._numbers = itertools.count(random.randint(0, 5 * 10**7))

    def conversation(self, tally: Tally, show: bool) -> None:
        phone = f"+336{next(self._numbers) % 10**8:08d}"
        choices = ChoiceNumbering()
        for index, step in enumerate(CHANNEL_SCRIPT):
            sent = step
            if is_payload(step):
                label = next((k for k, v in choices.payloads.items() if v == step), None)
                if label is not None:
                    sent = label
                else:  # not offered now: typed as words
                    sent = PAYLOAD_WORDS.get(step, step.lstrip("/"))
                    with tally.lock:
                        tally.typed_instead += 1
            params = inbound_sms(phone, sent)
            names: list[str] = []
            numbering: list[ChoiceNumbering] = []
            stamps = Outgoing(self.fake.messages, lambda m: m.to == phone)

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

            sent_at = time.time()
            answer = signed_post(self.webhook, SMS_PUBLIC_URL, params, timeout=60)
            if answer.status_code != 200:
                raise RuntimeError(f"webhook answered {answer.status_code}: {answer.text[:200]}")
            times = wait_turn(stamps, over)
            choices = numbering[-1]
            last, first = max(times) - sent_at, min(times) - sent_at
            tally.add(index, last, first)
            if show:
                self.show(step, sent, names, last, first)
        self.finish(phone, tally)


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


def main() -> int:
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
    twilio_fake = FakeTwilio()
    twilio_fake.start()
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
            }
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
    refused_twilio = [(r.path, r.status) for r in twilio_fake.requests if r.status >= 400]
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
