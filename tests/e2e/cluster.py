"""Several Rasa servers and action servers behind the load balancer, on shared state.

One operator API (tests/e2e/stack.py's), N Rasa servers each with its own action server,
the conversations and the channels' stores in one fresh PostgreSQL database
(EMILE_STATE_URL), Rasa's lock store in Redis (EMILE_REDIS_URL), and Debian's nginx in
front (scripts/balancer.sh: the channels' webhooks only). Telegram and Twilio are the
fakes of tests/fakes/, registered at the balancer's address. Used by
tests/e2e/test_multi_server.py and scripts/bench_assistant.py.

    with Cluster(workdir, model, servers=2, telegram=fake, twilio_url=...) as cluster:
        cluster.kill(1); cluster.restart(1)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import sqlalchemy as sa

from tests.e2e.stack import (
    ROOT,
    Stack,
    action_server_command,
    free_port,
    http,
    rasa_command,
    set_telegram_webhook,
    wait_until,
)
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

TELEGRAM_SECRET = "multi-server_Secret-0123456789"
SMS_PUBLIC_URL = "https://sms.emile-multi.example.org/webhooks/sms/webhook"


def server_url(name: str) -> str:
    """The PostgreSQL or Redis server of the tests (`make test` starts both)."""
    url = os.environ.get(name)
    if not url:
        raise RuntimeError(f"{name} is not set: run scripts/postgres.sh and scripts/redis.sh")
    return url


@dataclass
class Cluster:
    """The API, `servers` Rasa servers with their action servers, and the balancer."""

    workdir: Path
    model: Path
    servers: int = 2
    # The fake Telegram's API root (None: no Telegram channel) and the fake Twilio's.
    telegram_base_url: str | None = None
    twilio_base_url: str | None = None
    # Seconds a killed server's conversation lock outlives it (Rasa's default: 60).
    lock_lifetime_s: int = 20
    # Seconds before another server takes over what a killed server had taken in (the
    # inbox lease; default 60), and how often each server looks (default 5).
    inbox_lease_s: float = 15.0
    inbox_sweep_s: float = 1.0
    balancer_port: int = field(default_factory=free_port)
    rasa_ports: list[int] = field(default_factory=list)
    actions_ports: list[int] = field(default_factory=list)
    stack: Stack | None = None
    state_url: str = ""
    killed_at: float | None = None
    # Trackers read through `tracker()` (each costs a server CPU; the test reports it).
    tracker_reads: int = 0
    _reads_lock: threading.Lock = field(default_factory=threading.Lock)
    _database: str = ""
    _balancer: subprocess.Popen | None = None

    # -- addresses

    @property
    def balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @property
    def credentials(self) -> Path:
        return self.workdir / "credentials.yml"

    # -- lifecycle

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Fresh state database; every server started, the balancer in front."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._database = f"emile_multi_{uuid.uuid4().hex[:10]}"
        admin_url = server_url("EMILE_TEST_POSTGRES_URL")
        with contextlib.closing(psycopg2.connect(admin_url)) as admin:
            admin.autocommit = True
            admin.cursor().execute(f'CREATE DATABASE "{self._database}"')
        self.state_url = str(sa.engine.make_url(admin_url).set(database=self._database))
        self.rasa_ports = [free_port() for _ in range(self.servers)]
        self.actions_ports = [free_port() for _ in range(self.servers)]
        sections = [(ROOT / "credentials.yml").read_text(encoding="utf-8")]
        env = {
            "EMILE_STATE_URL": self.state_url,
            "EMILE_REDIS_URL": server_url("EMILE_TEST_REDIS_URL"),
            "TICKET_LOCK_LIFETIME": str(self.lock_lifetime_s),
            "EMILE_INBOX_LEASE_S": str(self.inbox_lease_s),
            "EMILE_INBOX_SWEEP_S": str(self.inbox_sweep_s),
            # Server 0's; each other server has its own (`_env`).
            "EMILE_SERVER_NAME": "rasa-0",
        }
        if self.telegram_base_url:
            sections.append((ROOT / "credentials.telegram.yml").read_text(encoding="utf-8"))
            env |= {
                "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
                "TELEGRAM_MODE": "webhook",
                "TELEGRAM_BASE_URL": self.telegram_base_url,
                "TELEGRAM_PUBLIC_URL": f"{self.balancer_url}/webhooks/telegram/webhook",
            }
        if self.twilio_base_url:
            sections.append((ROOT / "credentials.sms.yml").read_text(encoding="utf-8"))
            env |= {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_PUBLIC_URL": SMS_PUBLIC_URL,
                "TWILIO_API_BASE_URL": self.twilio_base_url,
            }
        self.credentials.write_text("\n".join(sections), encoding="utf-8")
        cluster = self

        class FirstServer(Stack):
            def rasa_spawned(self) -> None:
                # The other servers load their model meanwhile.
                for index in range(1, cluster.servers):
                    cluster._spawn_rasa(index)

            def spawned(self) -> None:
                # Their action servers once the assistant's API key exists.
                for index in range(1, cluster.servers):
                    cluster._spawn_actions(index)

        self.stack = FirstServer(
            self.workdir,
            model=self.model,
            credentials=self.credentials,
            actions_port=self.actions_ports[0],
            rasa_port=self.rasa_ports[0],
            extra_env=env,
            # Two servers load their model at once on a machine other tests share.
            rasa_ready_s=900.0,
        )
        # The first server (API, actions, Rasa) by the one-server stack, the others with it.
        self.stack.start()
        for index in range(1, self.servers):
            self.wait_ready(index)
        self._balancer = subprocess.Popen(
            [
                "scripts/balancer.sh",
                f"127.0.0.1:{self.balancer_port}",
                str(self.workdir / "balancer"),
                *(f"127.0.0.1:{port}" for port in self.rasa_ports),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "balancer.log", "ab"),  # noqa: SIM115 - the process's
            start_new_session=True,
        )
        wait_until(
            lambda: http("GET", f"{self.balancer_url}/", timeout=2)[0] == 404,
            60,
            "balancer",
            self._balancer,
        )
        if self.telegram_base_url:
            set_telegram_webhook(self.credentials, self.stack.env)

    def _env(self, index: int) -> dict[str, str]:
        assert self.stack is not None
        return {
            **self.stack.env,
            "EMILE_ACTIONS_URL": f"http://127.0.0.1:{self.actions_ports[index]}/webhook",
            "EMILE_SERVER_NAME": f"rasa-{index}",
        }

    def _spawn_actions(self, index: int) -> None:
        assert self.stack is not None
        self.stack._spawn(
            f"actions{index}", action_server_command(self.actions_ports[index]), self._env(index)
        )

    def _spawn_rasa(self, index: int) -> None:
        assert self.stack is not None
        self.stack._spawn(
            f"rasa{index}",
            rasa_command(self.rasa_ports[index], self.model, self.credentials),
            self._env(index),
        )

    def _name(self, index: int) -> str:
        return "rasa" if index == 0 else f"rasa{index}"

    def wait_ready(self, index: int) -> None:
        """Wait until Rasa server `index` has loaded its model."""
        assert self.stack is not None
        url = self.rasa_url(index)

        def ready() -> bool:
            status, body = http("GET", f"{url}/status", timeout=2)
            return status == 200 and isinstance(body, dict) and bool(body.get("model_file"))

        wait_until(ready, 900, f"Rasa server {index}", self.stack.processes[self._name(index)])

    def kill(self, index: int) -> None:
        """SIGKILL Rasa server `index` (and only it): no drain, no goodbye."""
        assert self.stack is not None
        process = self.stack.processes.pop(self._name(index))
        self.killed_at = time.time()
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def restart(self, index: int, wait: bool = True) -> None:
        """Start Rasa server `index` again on its port."""
        assert self.stack is not None
        if index == 0:
            command = rasa_command(self.rasa_ports[0], self.model, self.credentials)
            self.stack._spawn("rasa", command)
        else:
            self._spawn_rasa(index)
        if wait:
            self.wait_ready(index)

    def stop(self) -> None:
        """Stop everything; drop the state database."""
        if self._balancer is not None and self._balancer.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._balancer.pid, signal.SIGTERM)
            self._balancer.wait(timeout=30)
        if self.stack is not None:
            self.stack.stop()
        if self._database:
            with contextlib.closing(psycopg2.connect(server_url("EMILE_TEST_POSTGRES_URL"))) as db:
                db.autocommit = True
                db.cursor().execute(f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)')
            self._database = ""

    # -- reading

    def tracker(self, sender: str) -> dict[str, Any]:
        """A conversation's tracker, from the first server that answers (Rasa HTTP API),
        asking first the server the sender's hash picks: a read costs the server that answers
        CPU (the whole conversation loaded and serialised), so it is spread like the turns."""
        first = zlib.crc32(sender.encode("utf-8")) % self.servers
        with self._reads_lock:
            self.tracker_reads += 1
        for index in [*range(first, self.servers), *range(first)]:
            with contextlib.suppress(OSError):
                status, body = http(
                    "GET", f"{self.rasa_url(index)}/conversations/{sender}/tracker", timeout=30
                )
                if status == 200:
                    return dict(body)
        raise AssertionError(f"no Rasa server gave the tracker of {sender}")

    def state_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of a query on the shared state database (the inbox, the channels' tables)."""
        with contextlib.closing(psycopg2.connect(self.state_url)) as db, db.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def upstreams(self) -> dict[str, int]:
        """Requests the balancer passed to each server, by address."""
        counts: dict[str, int] = {}
        path = self.workdir / "balancer" / "access.log"
        for line in path.read_text(encoding="utf-8").splitlines():
            for address in line.split()[-1:]:
                for one in address.split(","):
                    counts[one.strip()] = counts.get(one.strip(), 0) + 1
        return counts

    def logs(self, name: str) -> str:
        assert self.stack is not None
        return self.stack.logs(name)
