"""scripts/run.sh (what `make run` runs after setup) in its own process group, on free
ports, with its data directory in a temporary folder, as a newcomer runs it in a terminal."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from pathlib import Path

from tests.e2e.stack import ROOT, free_port


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class RunningScript:
    """scripts/run.sh started with `env` added to a clean environment (no TELEGRAM_*,
    TWILIO_*, EMILE_* from the caller's)."""

    def __init__(self, workdir: Path, model: Path, env: dict[str, str]) -> None:
        self.ports = {"api": free_port(), "actions": free_port(), "rasa": free_port()}
        self.data_dir = workdir / "var"
        self.log = workdir / "run.log"
        clean = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "TWILIO_", "EMILE_"))
        }
        clean.update(
            {
                "EMILE_DATA_DIR": str(self.data_dir),
                "DATABASE_URL": f"sqlite:///{self.data_dir / 'emile.db'}",
                "EMILE_MODELS_DIR": str(model.parent),
                "EMILE_API_PORT": str(self.ports["api"]),
                "EMILE_ACTIONS_PORT": str(self.ports["actions"]),
                "EMILE_RASA_PORT": str(self.ports["rasa"]),
                **env,
            }
        )
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                ["scripts/run.sh"],
                cwd=ROOT,
                env=clean,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['actions']}"

    def secret(self, name: str) -> str:
        """A secret run.sh made in the data directory (rest.secret, actions.secret, ...)."""
        return (self.data_dir / name).read_text(encoding="utf-8").strip()

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
