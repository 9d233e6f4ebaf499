"""The whole assistant on this machine, for end-to-end tests and benchmarks.

Starts the operator API (uvicorn, its own SQLite database), the action server
(actions/server.py, with its secret) and the Rasa server (`rasa run --enable-api`, the REST
channel with its secret) with a trained model, on free ports, with every file in one
temporary directory. The Rasa HTTP API has no token here (loopback, a test's own data):
tests/e2e/test_exposure.py shows what `make run` protects.

    with Stack(workdir) as stack:
        stack.say("someone", "bonjour")  # -> the bot's messages
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.conversation import training_data

ROOT = Path(__file__).resolve().parents[2]
API_VENV = ROOT / ".venv" / "api" / "bin"
BOT_VENV = ROOT / ".venv" / "assistant" / "bin"
# The Rasa training data (data/ holds other YAML files too): data/training_files.txt.
TRAINING_DATA = training_data()
MODELS_DIR = ROOT / "models"
# Rasa through the start-up step: the pinned version checked, the patches applied (bot/serve.py).
RASA = [str(BOT_VENV / "python"), "-m", "bot.serve"]
MODEL_NAME = "emile"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    """A JSON request with the standard library: (status, decoded body or text)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode("utf-8")
            status = response.status
    except urllib.error.HTTPError as error:
        raw = error.read().decode("utf-8")
        status = error.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


def wait_until(
    check: Any, timeout: float, what: str, process: subprocess.Popen | None = None
) -> None:
    """Poll `check()` until it is true; fail after `timeout` s or if `process` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        with contextlib.suppress(OSError, ValueError):
            if check():
                return
        # Short: a server is used the moment it answers (a check is one local request).
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def train_command(out: Path = MODELS_DIR) -> list[str]:
    """`rasa train` (niced) into `out`: Rasa skips the training when nothing changed."""
    return [
        "nice",
        *RASA,
        "train",
        "--data",
        *TRAINING_DATA,
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--out",
        str(out),
        "--fixed-model-name",
        MODEL_NAME,
    ]


def start_training(out: Path = MODELS_DIR, log: Path | None = None) -> subprocess.Popen | None:
    """Start `rasa train` in the background (None: EMILE_E2E_MODEL names the model)."""
    if os.environ.get("EMILE_E2E_MODEL"):
        return None
    out.mkdir(parents=True, exist_ok=True)
    with open(log or os.devnull, "ab") as sink:
        return subprocess.Popen(train_command(out), cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)


def trained_model(
    training: subprocess.Popen | None, out: Path = MODELS_DIR, log: Path | None = None
) -> Path:
    """The model once `training` (from start_training) is over; its log's tail if it failed."""
    given = os.environ.get("EMILE_E2E_MODEL")
    if training is None:
        if not given:
            raise RuntimeError("no training started and EMILE_E2E_MODEL is not set")
        return Path(given)
    if training.wait() != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log else ""
        raise RuntimeError(f"rasa train exited with {training.returncode}\n{tail}")
    return out / f"{MODEL_NAME}.tar.gz"


def ensure_model(out: Path = MODELS_DIR, log: Path | None = None) -> Path:
    """A model trained on the current data: `rasa train` skips training when nothing changed.

    Set EMILE_E2E_MODEL to use a given model file instead.
    """
    return trained_model(start_training(out, log), out, log)


def rasa_command(port: int, model: Path, credentials: Path | str = "credentials.yml") -> list[str]:
    """`rasa run` with the REST API, our endpoints.yml, on loopback `port`."""
    return [
        *RASA,
        "run",
        "--enable-api",
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--model",
        str(model),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        str(credentials),
    ]


def action_server_command(port: int) -> list[str]:
    """The action server (actions/server.py) on loopback `port`; EMILE_ACTIONS_SECRET set."""
    return [str(BOT_VENV / "python"), "-m", "actions.server", "--port", str(port)]


def set_telegram_webhook(credentials: Path, env: dict[str, str]) -> None:
    """Register the Telegram webhook with the real command, as an operator would."""
    subprocess.run(
        [
            str(BOT_VENV / "python"),
            "-m",
            "bot.channels.telegram_admin",
            "--credentials",
            str(credentials),
            "set-webhook",
            "--drop-pending-updates",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass
class Stack:
    """The API, the action server and the Rasa server, started in `workdir`."""

    workdir: Path
    model: Path | None = None
    # The Rasa server's channels (default: the repository's credentials.yml, REST only).
    credentials: Path | None = None
    api_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    # The REST channel's and the action server's secrets (scripts/run.sh keeps them in var/).
    rest_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    actions_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Seconds the Rasa server may take to load its model (longer when several load at once).
    rasa_ready_s: float = 300.0
    # Settings added to every service's environment (several servers: tests/e2e/cluster.py).
    extra_env: dict[str, str] = field(default_factory=dict)

    # -- addresses

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def rest_headers(self) -> dict[str, str]:
        """What a REST channel request carries to be answered."""
        return {"Authorization": f"Bearer {self.rest_secret}"}

    # -- lifecycle

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Prepare the database and keys, then start the three services."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        data_dir = self.workdir / "data"
        data_dir.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "EMILE_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'emile.db'}",
            "EMILE_API_URL": self.api_url,
            "EMILE_OUTBOX_PATH": str(data_dir / "outbox.db"),
            # Quick retries, so that a test sees the outbox deliver after an outage.
            "EMILE_OUTBOX_BACKOFF_BASE_S": "0.5",
            "EMILE_OUTBOX_BACKOFF_CAP_S": "2",
            "EMILE_OUTBOX_POLL_S": "1",
            "EMILE_API_TIMEOUT_S": "5",
            # The conversations apply many times with one test phone; the API's per-phone
            # quota has its own tests (tests/api/test_limits.py).
            "EMILE_APPLICATIONS_PER_PHONE": "100000",
            "EMILE_ACTIONS_URL": f"{self.actions_url}/webhook",
            "EMILE_ACTIONS_SECRET": self.actions_secret,
            "EMILE_REST_SECRET": self.rest_secret,
            "EMILE_TRACKER_DB": str(data_dir / "trackers.db"),
            "PYTHONUNBUFFERED": "1",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **self.extra_env,
        }
        model = self.model or ensure_model(log=self.workdir / "train.log")
        # The Rasa server first: loading its model is the longest step, and it needs neither
        # the API nor the action server to load (nor the assistant's API key).
        self._spawn(
            "rasa", rasa_command(self.rasa_port, model, self.credentials or "credentials.yml")
        )
        self.rasa_spawned()
        self._api_cli("migrate")
        self._api_cli("seed-territories")
        self._api_cli("seed-workshops")
        for role in ("assistant", "operator", "admin"):
            self.keys[role] = self._api_cli(
                "create-key", f"e2e-{role}", "--role", role, "--token-only"
            ).strip()
        self.env["EMILE_API_KEY"] = self.keys["assistant"]
        self.start_api()
        self._spawn("actions", action_server_command(self.actions_port))
        self.spawned()
        wait_until(
            lambda: http("GET", f"{self.actions_url}/health", timeout=2)[0] == 200,
            120,
            "action server",
            self.processes["actions"],
        )
        wait_until(self._rasa_ready, self.rasa_ready_s, "Rasa server", self.processes["rasa"])

    def rasa_spawned(self) -> None:
        """Called once the Rasa server is spawned, before the API is prepared (a hook)."""

    def spawned(self) -> None:
        """Called once the services are spawned, before waiting for them (a hook)."""

    def _rasa_ready(self) -> bool:
        status, body = http("GET", f"{self.rasa_url}/status", timeout=2)
        return status == 200 and isinstance(body, dict) and bool(body.get("model_file"))

    def start_api(self) -> None:
        """Start (or restart) the operator API on its port."""
        self._spawn(
            "api",
            [
                str(API_VENV / "uvicorn"),
                "--factory",
                "api.main:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.api_port),
                "--log-level",
                "warning",
            ],
        )
        wait_until(
            lambda: http("GET", f"{self.api_url}/api/v1/health", timeout=2)[0] == 200,
            60,
            "operator API",
            self.processes["api"],
        )

    def stop_api(self) -> None:
        """Stop the operator API (an outage)."""
        self._terminate("api")

    def stop(self) -> None:
        """Stop every service started here: all told at once, then each waited for (a Rasa
        server takes seconds to shut down; one after the other, those seconds add up)."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for name in list(self.processes):
            self._terminate(name, signalled=True)

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - kept with the process
        self.processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _terminate(self, name: str, signalled: bool = False) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        if not signalled:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def _api_cli(self, *args: str) -> str:
        result = subprocess.run(
            [str(API_VENV / "emile-api"), *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    # -- talking to it

    def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Send one message through the REST channel; the bot's messages."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        status, messages = http(
            "POST",
            f"{self.rasa_url}/webhooks/rest/webhook",
            body,
            headers=self.rest_headers,
            timeout=120,
        )
        if status != 200 or not isinstance(messages, list):
            raise AssertionError(f"REST webhook answered {status}: {messages!r}")
        return messages

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation's tracker (Rasa HTTP API)."""
        status, body = http("GET", f"{self.rasa_url}/conversations/{sender}/tracker")
        assert status == 200, body
        return body

    def execute(self, sender: str, action: str) -> dict[str, Any]:
        """Run an action in a conversation, as if predicted (Rasa HTTP API)."""
        status, body = http(
            "POST", f"{self.rasa_url}/conversations/{sender}/execute", {"name": action}
        )
        assert status == 200, body
        return body

    def api(self, method: str, path: str, body: Any = None, role: str = "operator") -> Any:
        """Call the operator API with a key of `role`; the decoded body (status checked)."""
        status, answer = http(
            method, f"{self.api_url}/api/v1{path}", body, headers={"X-API-Key": self.keys[role]}
        )
        if status >= 400:
            raise AssertionError(f"{method} {path} -> {status}: {answer!r}")
        return answer

    def logs(self, name: str) -> str:
        """What a service wrote so far."""
        path = self.workdir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


@contextlib.contextmanager
def running_stack(workdir: Path, model: Path | None = None) -> Iterator[Stack]:
    """A started stack, stopped on exit."""
    stack = Stack(workdir, model=model)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


if __name__ == "__main__":  # pragma: no cover - see scripts/e2e_stack.py
    sys.exit("use scripts/e2e_stack.py")
