#!/usr/bin/env python3
"""Benchmark one Rasa server against two: messages/s and p95 over REST and SMS, in one run.

Three set-ups, one after the other, each with its own operator API and fresh state:

- `1 server, SQLite`: today's `make run` (tests/e2e/stack.py), the reference;
- `1 server, shared`: the same server on PostgreSQL + Redis (EMILE_STATE_URL,
  EMILE_REDIS_URL) behind the balancer (scripts/balancer.sh): what sharing costs;
- `2 servers, shared`: two Rasa servers, each with its action server, behind the balancer
  (tests/e2e/cluster.py).

In each, the conversation of scripts/bench_channels.py (CHANNEL_SCRIPT, an application to
its reference) is replayed 20 and 60 at a time through REST (each request to either server
in turn, as a balancer would: REST is not behind the public one) and SMS (the signed Twilio
webhook through the balancer; SMS sent to the fake Twilio, in its own process:
tests/fakes/twilio_process.py), after a warm-up conversation (for SMS, the one read from the
tracker that teaches the others what to type and how many SMS each turn sends:
bench_channels.SmsChannel). Latencies and messages/s as in bench_channels.py (SMS: webhook
POSTed -> last SMS of the turn recorded by the fake). CPU time per message of each process:
the Rasa and action servers, the API, nginx, the PostgreSQL backends of the set-up's
database, Redis, the fake Twilio and this process (docs/scaling.md, "Benchmark").

    .venv/assistant/bin/python scripts/bench_servers.py [--setups sqlite,1,2] \
        [--levels 20,60] [--conversations 60] [--channels rest,sms]

PostgreSQL and Redis: EMILE_TEST_POSTGRES_URL / EMILE_TEST_REDIS_URL, else started by
scripts/postgres.sh and scripts/redis.sh. Results: a table, and
bench/results/servers-<time>.json. On 2 cores the client, nginx, PostgreSQL, Redis, the API
and every server share the same cores: compare set-ups within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_channels  # noqa: E402
from bench_channels import RestChannel, SmsChannel, Tally, cpu_seconds  # noqa: E402

from tests.e2e.cluster import SMS_PUBLIC_URL, Cluster  # noqa: E402

# The SMS channel signs for the public URL the servers are configured with (the cluster's).
bench_channels.SMS_PUBLIC_URL = SMS_PUBLIC_URL
from tests.e2e.stack import Stack, ensure_model  # noqa: E402
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER  # noqa: E402
from tests.fakes.twilio_process import FakeTwilioProcess  # noqa: E402


class RoundRobin:
    """A Rasa server's address that is each server's in turn (a client-side balancer)."""

    def __init__(self, urls: list[str]) -> None:
        self._urls = itertools.cycle(urls)
        self._lock = threading.Lock()

    def __get__(self, instance: object, owner: type | None = None) -> str:
        with self._lock:
            return next(self._urls)

    def __set__(self, instance: object, value: str) -> None:
        pass  # Set by Channel.__init__: the cycle stays.


def channels_for(
    urls: list[str],
    sms_webhook: str,
    headers: dict[str, str],
    twilio: FakeTwilioProcess,
    wanted: list[str],
    pids: dict[str, int],
    probes: dict[str, Callable[[], float]],
) -> dict[str, Any]:
    """The `wanted` channels (rest, sms) spreading their requests (and tracker reads) over
    `urls`; the CPU time of `pids` (process groups) and `probes` reported per message."""

    class Rest(RestChannel):
        rasa_url = RoundRobin(urls)

    class Sms(SmsChannel):
        rasa_url = RoundRobin(urls)

    rest = Rest(urls[0], headers)
    # One client per server: the per-request address goes in the URL, not the base.
    clients = itertools.cycle(
        [
            bench_channels.httpx.Client(
                base_url=url,
                timeout=bench_channels.TURN_TIMEOUT_S,
                limits=bench_channels.httpx.Limits(max_connections=64),
                headers=headers,
            )
            for url in urls
        ]
    )
    lock = threading.Lock()

    class Spread:
        def post(self, *args: Any, **kwargs: Any) -> Any:
            with lock:
                client = next(clients)
            return client.post(*args, **kwargs)

    rest.client = Spread()  # type: ignore[assignment]
    sms = Sms(urls[0], twilio)
    sms.webhook = sms_webhook
    channels = {name: channel for name, channel in (("rest", rest), ("sms", sms)) if name in wanted}
    for channel in channels.values():
        channel.server_pids = dict(pids)
        channel.cpu_probes = dict(probes)
    return channels


def measure(channels: dict[str, Any], levels: list[int], conversations: int) -> dict[str, Any]:
    """Warm-up, then each level on each channel."""
    for channel in channels.values():
        channel.conversation(Tally(), show=False)
    results: dict[str, Any] = {}
    for level in levels:
        for name, channel in channels.items():
            count = max(level, conversations)
            result = channel.measure(count, level)
            keys = ("messages", "p95_ms", "messages_per_s", "completed", "webhook_p95_ms")
            shown = {k: result.get(k) for k in keys if k in result}
            print(f"    {name} x{level}: {shown} errors={result['errors']}")
            cpu = {
                k.removesuffix("_cpu_ms_per_message"): v
                for k, v in result.items()
                if k.endswith("_cpu_ms_per_message")
            }
            print(f"      CPU ms per message: {cpu}")
            results[f"{name}_{level}"] = {k: v for k, v in result.items() if k != "by_step"}
    return results


def sms_env(twilio: FakeTwilioProcess) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_PUBLIC_URL": SMS_PUBLIC_URL,
        "TWILIO_API_BASE_URL": twilio.base_url,
    }


def single_sqlite(
    model: Path, workdir: Path, levels: list[int], conversations: int, wanted: list[str]
) -> dict:
    """Today's one server on SQLite, webhooks straight to it."""
    with FakeTwilioProcess() as twilio:
        workdir.mkdir(parents=True, exist_ok=True)
        credentials = workdir / "credentials.yml"
        credentials.write_text(
            (ROOT / "credentials.yml").read_text(encoding="utf-8")
            + (ROOT / "credentials.sms.yml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        stack = Stack(workdir, model=model, credentials=credentials, extra_env=sms_env(twilio))
        try:
            stack.start()
            pids = {name: process.pid for name, process in stack.processes.items()}
            channels = channels_for(
                [stack.rasa_url],
                f"{stack.rasa_url}/webhooks/sms/webhook",
                stack.rest_headers,
                twilio,
                wanted,
                pids | {"twilio": twilio.pid},
                {},
            )
            return measure(channels, levels, conversations)
        finally:
            stack.stop()


def shared(
    model: Path,
    workdir: Path,
    servers: int,
    levels: list[int],
    conversations: int,
    wanted: list[str],
) -> dict:
    """`servers` Rasa servers on PostgreSQL + Redis behind the balancer."""
    with FakeTwilioProcess() as twilio:
        cluster = Cluster(workdir, model, servers=servers, twilio_base_url=twilio.base_url)
        with cluster:
            assert cluster.stack is not None
            urls = [cluster.rasa_url(index) for index in range(servers)]
            pids = {name: process.pid for name, process in cluster.stack.processes.items()}
            if cluster._balancer is not None:  # nginx: its master and worker
                pids["nginx"] = cluster._balancer.pid
            probes = {"postgres": lambda: backends_cpu_seconds(cluster.state_url)}
            redis_pid = redis_process_id()
            if redis_pid is not None:
                probes["redis"] = lambda: cpu_seconds(redis_pid)
            channels = channels_for(
                urls,
                f"{cluster.balancer_url}/webhooks/sms/webhook",
                cluster.stack.rest_headers,
                twilio,
                wanted,
                pids | {"twilio": twilio.pid},
                probes,
            )
            results = measure(channels, levels, conversations)
            results["balancer_requests"] = cluster.upstreams()
            return results


def backends_cpu_seconds(state_url: str) -> float:
    """CPU time of the PostgreSQL backends connected to the set-up's state database (the
    server is shared with other databases; a backend that exited meanwhile is not counted)."""
    with contextlib.closing(psycopg2.connect(state_url)) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def redis_process_id() -> int | None:
    """The Redis server's process id, when it runs on this machine (shared: other users'
    commands count too)."""
    try:
        info = redis.Redis.from_url(os.environ["EMILE_TEST_REDIS_URL"]).info("server")
        pid = int(info["process_id"])
    except Exception:
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def ensure_servers() -> None:
    """PostgreSQL and Redis for the shared set-ups (started when not given)."""
    for name, script in (
        ("EMILE_TEST_POSTGRES_URL", "scripts/postgres.sh"),
        ("EMILE_TEST_REDIS_URL", "scripts/redis.sh"),
    ):
        if not os.environ.get(name):
            os.environ[name] = subprocess.run(
                [script], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout.strip()


def main() -> int:
    bench_channels.stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="20,60", help="conversations at a time")
    parser.add_argument("--conversations", type=int, default=60, help="per level (at least it)")
    parser.add_argument("--model", type=Path)
    parser.add_argument(
        "--setups", default="sqlite,1,2", help="which: sqlite (today), 1 and 2 shared servers"
    )
    parser.add_argument("--channels", default="rest,sms", help="which: rest, sms")
    args = parser.parse_args()
    names = [part.strip() for part in args.channels.split(",") if part.strip()]
    levels = [int(part) for part in args.levels.split(",") if part.strip()]
    ensure_servers()
    workdir = Path(tempfile.mkdtemp(prefix="emile-bench-servers-"))
    model = (args.model or ensure_model(log=workdir / "train.log")).resolve()
    output: dict[str, Any] = {
        "script_messages": len(bench_channels.CHANNEL_SCRIPT),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "workdir": str(workdir),
    }
    setups = {
        "1 server, SQLite": lambda: single_sqlite(
            model, workdir / "sqlite", levels, args.conversations, names
        ),
        "1 server, shared": lambda: shared(
            model, workdir / "shared1", 1, levels, args.conversations, names
        ),
        "2 servers, shared": lambda: shared(
            model, workdir / "shared2", 2, levels, args.conversations, names
        ),
    }
    chosen = {"sqlite": "1 server, SQLite", "1": "1 server, shared", "2": "2 servers, shared"}
    wanted = {chosen[key.strip()] for key in args.setups.split(",") if key.strip()}
    setups = {name: run for name, run in setups.items() if name in wanted}
    results: dict[str, Any] = {}
    for name, run in setups.items():
        print(f"{name}:")
        started = time.monotonic()
        results[name] = run()
        results[name]["took_s"] = round(time.monotonic() - started, 1)
    output["results"] = results
    output["load_average_at_end"] = os.getloadavg()
    print()
    header = f"{'set-up':18} " + " ".join(f"{f'{ch} x{lv}':>16}" for lv in levels for ch in names)
    print(header + "\n" + "-" * len(header))
    for name, by_key in results.items():
        cells = []
        for lv in levels:
            for ch in names:
                one = by_key[f"{ch}_{lv}"]
                if not one.get("messages"):
                    cells.append("failed")
                    continue
                cells.append(f"{one['messages_per_s']:>6}/s {one['p95_ms']:>6.0f}ms")
        print(f"{name:18} " + " ".join(f"{cell:>16}" for cell in cells))
    print("messages/s and p95 per message; SMS = webhook -> last SMS of the turn.")
    print()
    print("CPU ms per message, by process (rasa1/actions1: the second server's):")
    for name, by_key in results.items():
        for lv in levels:
            for ch in names:
                one = by_key[f"{ch}_{lv}"]
                cpu = {
                    k.removesuffix("_cpu_ms_per_message"): v
                    for k, v in one.items()
                    if k.endswith("_cpu_ms_per_message")
                }
                shown = " ".join(f"{k}={v}" for k, v in cpu.items())
                print(f"  {name:18} {ch} x{lv:<3} {shown}")
    print(f"load average: start {output['load_average_at_start']}, end {os.getloadavg()}")
    out = ROOT / "bench" / "results" / f"servers-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(output, indent=2), encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
