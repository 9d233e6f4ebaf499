"""The fake Twilio REST API of tests/fakes/twilio_api.py in a process of its own, for benchmarks.

    .venv/assistant/bin/python -m tests.fakes.twilio_process [--host 127.0.0.1] [--port 0]

The same server and wire format (Messages resource: form-encoded POST with basic auth, JSON
answers), with HTTP/1.1 connections kept open as api.twilio.com keeps them. Once listening it
writes `{"base_url": …}` on stdout, then one JSON line per request it recorded (`path`,
`status`, `at`, and for an accepted message `sid`, `to`, `body`); it stops at the end of its
stdin (its parent gone) or on SIGTERM.

Why a process: a benchmark's client threads and an in-process fake share one interpreter
lock, so a busy client delays the fake's answers to the Rasa servers (and the times it
records), and the client's own share of the machine cannot be told apart.
`FakeTwilioProcess` starts it and follows its lines; `wait_for(to, count)` wakes a waiting
thread when a number's message arrives, with no polling.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, Message, Request

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Sent:
    """One message the fake accepted, as its process reported it."""

    sid: str
    to: str
    body: str
    at: float


@dataclass
class FakeTwilioProcess:
    """Runs the fake in a child process; what it accepted, by number, as it arrives."""

    python: str = sys.executable
    host: str = "127.0.0.1"
    port: int = 0
    base_url: str = ""
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    # (path, status) of every request, in order.
    requests: list[tuple[str, int]] = field(default_factory=list)
    _sent: dict[str, list[Sent]] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _process: subprocess.Popen[str] | None = None
    _reader: threading.Thread | None = None

    def __enter__(self) -> FakeTwilioProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        """The fake's process id (for its CPU time)."""
        assert self._process is not None
        return self._process.pid

    def start(self) -> FakeTwilioProcess:
        command = [self.python, "-m", "tests.fakes.twilio_process"]
        command += ["--host", self.host, "--port", str(self.port)]
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=True,
        )
        assert self._process.stdout is not None
        first = self._process.stdout.readline()
        if not first:
            self.stop()
            raise RuntimeError("the fake Twilio process exited before listening")
        self.base_url = str(json.loads(first)["base_url"])
        self._reader = threading.Thread(
            target=self._follow, args=(self._process.stdout,), daemon=True
        )
        self._reader.start()
        return self

    def _follow(self, stream: IO[str]) -> None:
        for line in stream:
            record = json.loads(line)
            with self._cond:
                self.requests.append((record["path"], record["status"]))
                if "sid" in record:
                    sent = Sent(record["sid"], record["to"], record["body"], record["at"])
                    self._sent.setdefault(sent.to, []).append(sent)
                self._cond.notify_all()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # its signal to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=10)

    def sent_to(self, to: str) -> list[Sent]:
        with self._cond:
            return list(self._sent.get(to, ()))

    @property
    def sent_count(self) -> int:
        with self._cond:
            return sum(len(sent) for sent in self._sent.values())

    def wait_for(self, to: str, count: int, timeout: float) -> list[Sent]:
        """Wait until `count` messages to `to` were accepted; all of them (TimeoutError after
        `timeout` s)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                sent = self._sent.get(to, [])
                if len(sent) >= count:
                    return list(sent)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(sent)} of {count} SMS to {to} after {timeout} s")
                self._cond.wait(left)


def _serve(host: str, port: int) -> None:
    lock = threading.Lock()
    out = sys.stdout

    def report(request: Request, message: Message | None) -> None:
        record: dict[str, Any] = {"path": request.path, "status": request.status}
        record["at"] = message.at if message is not None else request.at
        if message is not None:
            record |= {"sid": message.sid, "to": message.to, "body": message.body}
        line = json.dumps(record, ensure_ascii=False)
        with lock:
            out.write(line + "\n")
            out.flush()

    fake = FakeTwilio(host=host, port=port, keep_alive=True, on_request=report)
    fake.start()
    with lock:
        out.write(json.dumps({"base_url": fake.base_url}) + "\n")
        out.flush()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # The end of stdin (the parent closed it, or died) stops the fake too.
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    stopping.wait()
    fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    _serve(args.host, args.port)
    os._exit(0)  # daemon handler threads on kept-alive connections: no wait for them


if __name__ == "__main__":
    sys.exit(main())
