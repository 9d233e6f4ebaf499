"""Benchmark the operator API as `make run` serves it, on SQLite and on PostgreSQL.

For each backend: a fresh migrated database holding 10,000 applications, uvicorn started the
way scripts/run.sh starts it, then wrk (installed from Debian if missing) creating
applications and listing a filtered page. Prints a table; writes JSON to var/bench/.
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.db import make_engine
from api.enums import (
    ApplicationStatus,
    Channel,
    DrivingLicence,
    FrenchLevel,
    HousingSituation,
    Language,
    ReadyToMove,
    ResidenceArea,
    RightToWork,
    Verdict,
    WorkSituation,
)
from api.models import Application, ApplicationTerritory
from api.settings import PROJECT_ROOT, Settings

VENV_BIN = PROJECT_ROOT / ".venv" / "api" / "bin"
BENCH_DIR = PROJECT_ROOT / "bench"
SCENARIOS = {
    "health": "health.lua",
    "list filtered page": "list_applications.lua",
    "create application": "create_application.lua",
}


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian packages…", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_env(backend: str, workdir: Path) -> dict[str, str]:
    """Environment pointing the API at a fresh database of `backend`."""
    # The limits are for callers, not for a load test: the benchmark measures throughput.
    env = {
        **os.environ,
        "EMILE_DATA_DIR": str(workdir),
        "EMILE_RATE_LIMIT": "off",
        "EMILE_APPLICATIONS_PER_PHONE": "1000000",
    }
    env.pop("DATABASE_URL", None)
    if backend == "postgres":
        # A separate instance with fsync on: the figures should be those of a real server.
        pg_env = {
            **os.environ,
            "EMILE_PG_PORT": "54331",
            "EMILE_PG_DATA": "/tmp/emile-pg-bench",
            "EMILE_PG_FSYNC": "on",
        }
        admin_url = subprocess.run(
            [str(PROJECT_ROOT / "scripts" / "postgres.sh")],
            env=pg_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        url = make_url(admin_url).set(drivername="postgresql+psycopg")
        name = f"emile_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        env["DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run `emile-api` with `env`; return its standard output."""
    done = subprocess.run(
        [str(VENV_BIN / "emile-api"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def fill(env: dict[str, str], count: int) -> None:
    """Insert `count` varied applications directly (the benchmark measures reads and writes)."""
    settings = Settings(EMILE_DATA_DIR=env["EMILE_DATA_DIR"], DATABASE_URL=env.get("DATABASE_URL"))
    engine = make_engine(settings)
    rng = random.Random(42)
    territories = ["cantal", "lozere", "allier", "cher", "indre", "savoie", "ain"]
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        known = {row[0] for row in session.execute(text("SELECT code FROM territories"))}
        territories = [t for t in territories if t in known] or sorted(known)
        for i in range(count):
            created = now - timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440))
            app = Application(
                reference=f"B{i:05d}",  # digits 0 and 1 never occur in real codes
                status=rng.choice(list(ApplicationStatus)),
                first_name=rng.choice(["Amina", "Yonas", "Olena", "Karim", "Fatima", "Ahmad"]),
                last_name=rng.choice(["Diallo", "Tesfaye", "Kovalenko", "Haidari", "Benali"]),
                phone=f"+336{i:08d}",
                email=None,
                language=rng.choice(list(Language)),
                channel=rng.choice([Channel.sms, Channel.telegram]),
                consent_at=created,
                residence_area=ResidenceArea.ile_de_france,
                housing_situation=rng.choice(list(HousingSituation)),
                right_to_work=RightToWork.yes,
                work_situation=WorkSituation.unemployed,
                ready_to_move=ReadyToMove.yes,
                adults=rng.randint(1, 2),
                children=rng.randint(0, 4),
                trades=["building"],
                experience_years=rng.randint(0, 20),
                driving_licence=rng.choice(list(DrivingLicence)),
                french_level=rng.choice(list(FrenchLevel)),
                verdict=rng.choice(list(Verdict)),
                verdict_reasons=[],
                rules_version="2024.1",
                created_at=created,
                updated_at=created,
                last_contact_at=created,
            )
            app.territories = [
                ApplicationTerritory(territory_code=code, rank=rank)
                for rank, code in enumerate(rng.sample(territories, 2))
            ]
            session.add(app)
            if i % 1000 == 999:
                session.commit()
        session.commit()
    engine.dispose()


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn as scripts/run.sh starts it (`workers` processes)."""
    process = subprocess.Popen(
        [
            str(VENV_BIN / "uvicorn"),
            "--factory",
            "api.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("uvicorn did not become ready")


def run_wrk(wrk: str, port: int, script: str, key: str, seconds: int, connections: int) -> dict:
    env = {**os.environ, "BENCH_DIR": str(BENCH_DIR), "BENCH_API_KEY": key}
    done = subprocess.run(
        [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(BENCH_DIR / script),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def count_applications(env: dict[str, str]) -> int:
    settings = Settings(EMILE_DATA_DIR=env["EMILE_DATA_DIR"], DATABASE_URL=env.get("DATABASE_URL"))
    engine = make_engine(settings)
    with engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM applications")).scalar_one())
    engine.dispose()
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", default="1,8", help="comma-separated")
    parser.add_argument("--workers", type=int, default=None, help="default: as make run")
    args = parser.parse_args()
    workers = args.workers or int(os.environ.get("EMILE_API_WORKERS", "1"))
    connection_counts = [int(c) for c in args.connections.split(",")]

    wrk = ensure_wrk()
    results = []
    for backend in args.backends.split(","):
        workdir = Path(tempfile.mkdtemp(prefix=f"emile-bench-{backend}-"))
        env = database_env(backend, workdir)
        cli(env, "migrate")
        cli(env, "seed-territories")
        assistant = cli(env, "create-key", "bench-assistant", "--role", "assistant", "--token-only")
        operator = cli(env, "create-key", "bench-operator", "--role", "operator", "--token-only")
        fill(env, args.rows)
        port = free_port()
        server = serve(env, port, workers)
        try:
            run_wrk(wrk, port, SCENARIOS["list filtered page"], operator, 3, max(connection_counts))
            for connections in connection_counts:
                for name, script in SCENARIOS.items():
                    key = assistant if name.startswith("create") else operator
                    figures = run_wrk(wrk, port, script, key, args.seconds, connections)
                    figures.update(backend=backend, scenario=name, connections=connections)
                    results.append(figures)
        finally:
            server.terminate()
            server.wait(timeout=15)
        rows_after = count_applications(env)
        print(
            f"{backend}: {rows_after} applications in the database after the run", file=sys.stderr
        )
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n{args.rows} applications preloaded; wrk -t2 -d{args.seconds}s; "
        f"uvicorn {workers} worker(s); load generator on the same machine\n"
    )
    print("| backend | scenario | conns | req/s | p50 ms | p95 ms | p99 ms | non-2xx | of health |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    health = {
        (r["backend"], r["connections"]): r["rps"] for r in results if r["scenario"] == "health"
    }
    for r in results:
        ratio = r["rps"] / health[(r["backend"], r["connections"])]
        print(
            f"| {r['backend']} | {r['scenario']} | {r['connections']} | {r['rps']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} | "
            f"{ratio:.2f} |"
        )
    out = PROJECT_ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"api-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nJSON: {path}")
    failed = [r for r in results if r["non_2xx"] or r["socket_errors"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
