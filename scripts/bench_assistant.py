#!/usr/bin/env python3
"""Benchmark the running assistant: whole conversations replayed over REST.

Starts the stack (tests/e2e/stack.py: API, action server, Rasa server with our model),
replays the same scripted conversations 1 and 20 at a time, and reports per-message latency
(p50, p95, p99) and messages per second; in the same run, the model's bare /model/parse,
and the peer a user would otherwise pick: a plain Rasa with `rasa init`'s configuration
(default pipeline, Memoization + Rule + UnexpecTED + TED) trained on the same data,
answering the same messages over REST with the same action server. Also each Rasa
server's resident memory and start time, and the training times.

    .venv/assistant/bin/python scripts/bench_assistant.py [--conversations 40] [--no-peer]

Both models are trained from scratch first, for the training times (the peer, with TED
and UnexpecTED, takes long); `--reuse-models` skips that and reuses models/.
Results: printed, and written to bench/results/assistant-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.stack import (  # noqa: E402
    RASA,
    TRAINING_DATA,
    Stack,
    ensure_model,
    free_port,
    http,
    rasa_command,
    wait_until,
)

PEER_DIR = ROOT / "models" / "peer"
# `rasa init`'s config.yml: no pipeline, no policies: Rasa fills in its defaults.
PEER_CONFIG = """recipe: default.v1
assistant_id: emile-peer
language: en
pipeline:
policies:
"""

# One conversation: welcome, the eligibility questions (typed and tapped), a question in
# the middle, the verdict, and the application up to its reference code.
SCRIPT = [
    "hello",
    '/choose_language{"language":"en"}',
    "am I eligible?",
    '/inform{"residence_area":"ile_de_france"}',
    "why do you ask?",
    '/inform{"housing_situation":"emergency_shelter"}',
    "yes",
    '/inform{"work_situation":"unemployed"}',
    "does it cost anything?",
    "yes",
    "1",
    "2",
    '/inform{"sector":"building"}',
    "3",
    "no",
    '/inform{"french_level":"intermediate"}',
    "/deny",
    "/affirm",
    "Amina",
    "Bench",
    "06 12 34 56 78",
    "/deny",
    "where is my application?",
    "thank you",
]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    """p50/p95/p99 in ms and messages per second."""
    return {
        "messages": len(latencies),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * percentile(latencies, 95), 1),
        "p99_ms": round(1000 * percentile(latencies, 99), 1),
        "messages_per_s": round(len(latencies) / elapsed, 1),
    }


async def replay(
    base_url: str, conversations: int, concurrency: int, tag: str, headers: dict[str, str]
) -> dict:
    """Run `conversations` scripted conversations, `concurrency` at a time."""
    latencies: list[float] = []
    errors = 0
    senders: list[str] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(conversations):
        queue.put_nowait(number)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                number = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sender = f"bench-{tag}-{concurrency}-{number}-{os.getpid()}"
            for text in SCRIPT:
                started = time.perf_counter()
                response = await client.post(
                    "/webhooks/rest/webhook", json={"sender": sender, "message": text}
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1
            senders.append(sender)

    limits = httpx.Limits(max_connections=concurrency + 5)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=120, limits=limits, headers=headers
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        # Outside the timing: did each conversation end with an application reference?
        completed = 0
        for sender in senders:
            tracker = (await client.get(f"/conversations/{sender}/tracker")).json()
            completed += bool((tracker.get("slots") or {}).get("application_reference"))
    return {
        **summary(latencies, elapsed),
        "errors": errors,
        "concurrency": concurrency,
        "conversations": len(senders),
        "completed": completed,
    }


async def parse_only(base_url: str, rounds: int, concurrency: int) -> dict:
    """The bare NLU: /model/parse of the script's texts."""
    texts = [t for t in SCRIPT] * rounds
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)

    async def worker(client: httpx.AsyncClient) -> None:
        while True:
            try:
                text = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            await client.post("/model/parse", json={"text": text})
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {**summary(latencies, elapsed), "concurrency": concurrency}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        pids += [int(p) for p in children.read().split()]
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total / 1024, 1)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # Fields 14 and 15 of proc(5) (utime, stime), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train(config: Path, out: Path, name: str, log: Path) -> tuple[Path, float]:
    """A model trained from scratch (`--force`) on the assistant's data; (model, seconds)."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("ab") as sink:
        subprocess.run(
            [
                *RASA,
                "train",
                "--force",
                "--data",
                *TRAINING_DATA,
                "--config",
                str(config),
                "--domain",
                "domain.yml",
                "--out",
                str(out),
                "--fixed-model-name",
                name,
            ],
            cwd=ROOT,
            check=True,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return out / f"{name}.tar.gz", time.monotonic() - started


def peer_model(workdir: Path, reuse: bool) -> tuple[Path, float | None]:
    """The peer model (default config, same data): reused from models/peer/ if asked."""
    existing = PEER_DIR / "peer.tar.gz"
    if reuse and existing.exists():
        return existing, None
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    config = PEER_DIR / "config.yml"
    config.write_text(PEER_CONFIG, encoding="utf-8")
    return train(config, PEER_DIR, "peer", workdir / "peer-train.log")


def start_rasa(stack: Stack, model: Path, name: str) -> tuple[subprocess.Popen, str, float]:
    """Another Rasa server on the stack's action server; (process, url, start seconds)."""
    port = free_port()
    env = {**stack.env, "EMILE_TRACKER_DB": str(stack.workdir / f"{name}-trackers.db")}
    log = (stack.workdir / f"{name}.log").open("ab")
    started = time.monotonic()
    process = subprocess.Popen(
        rasa_command(port, model),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http("GET", f"{url}/status", timeout=2)[0] == 200, 600, name, process)
    return process, url, time.monotonic() - started


def bench_server(
    url: str, pid: int, conversations: int, label: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Latency and throughput of one Rasa server at 1 and 20 conversations at a time."""
    # Warm up (first calls load TensorFlow graphs).
    asyncio.run(replay(url, 2, 1, f"{label}-warm", headers))
    result: dict[str, Any] = {}
    for concurrency in (1, 20):
        count = conversations if concurrency > 1 else max(4, conversations // 5)
        # The Rasa server's CPU per message: what a busy machine inflates least.
        cpu_before = cpu_s(pid)
        measured = asyncio.run(replay(url, count, concurrency, label, headers))
        measured["rasa_cpu_ms_per_message"] = round(
            1000 * (cpu_s(pid) - cpu_before) / max(1, measured["messages"]), 1
        )
        result[f"conversations_{concurrency}"] = measured
        print(f"  {label} x{concurrency}: {result[f'conversations_{concurrency}']}")
    result["parse_1"] = asyncio.run(parse_only(url, 4, 1))
    result["parse_20"] = asyncio.run(parse_only(url, 20, 20))
    result["rss_mb"] = rss_mb(pid)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--no-peer", action="store_true", help="skip the default-config peer")
    parser.add_argument(
        "--reuse-models",
        action="store_true",
        help="do not train from scratch (no training times): models/emile and models/peer",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="emile-bench-"))
    report: dict[str, Any] = {"script_messages": len(SCRIPT), "workdir": str(workdir)}

    if args.reuse_models:
        model = ensure_model(log=workdir / "train.log")
    else:
        log = workdir / "train.log"
        model, seconds = train(ROOT / "config.yml", workdir / "models", "ours", log)
        report["ours_train_s"] = round(seconds, 1)
    stack = Stack(workdir, model=model)
    try:
        rasa_started = time.monotonic()
        stack.start()
        report["stack_start_s"] = round(time.monotonic() - rasa_started, 1)
        print("ours (config.yml, RulePolicy; full stack):")
        report["ours"] = bench_server(
            stack.rasa_url,
            stack.processes["rasa"].pid,
            args.conversations,
            "ours",
            stack.rest_headers,
        )
        # Start time of the Rasa server alone, measured on a second instance.
        process, url, seconds = start_rasa(stack, model, "ours-again")
        report["ours"]["start_s"] = round(seconds, 1)
        process.terminate()
        process.wait(30)

        if not args.no_peer:
            peer, peer_train_s = peer_model(workdir, args.reuse_models)
            if peer_train_s is not None:
                report["peer_train_s"] = round(peer_train_s, 1)
            process, url, seconds = start_rasa(stack, peer, "peer")
            try:
                print("peer (rasa init default config):")
                report["peer"] = bench_server(
                    url, process.pid, args.conversations, "peer", stack.rest_headers
                )
                report["peer"]["start_s"] = round(seconds, 1)
            finally:
                process.terminate()
                process.wait(30)
            ours, peer = report["ours"]["conversations_20"], report["peer"]["conversations_20"]
            report["ratio_messages_per_s"] = round(
                ours["messages_per_s"] / peer["messages_per_s"], 2
            )
            report["ratio_p95"] = round(ours["p95_ms"] / peer["p95_ms"], 2)
    finally:
        stack.stop()
    out = ROOT / "bench" / "results" / f"assistant-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
