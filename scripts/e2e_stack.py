#!/usr/bin/env python3
"""Start the whole stack on free ports in a temporary directory (as the end-to-end tests
do) and keep it running until Ctrl-C: for trying things out, or benchmarking.

    .venv/assistant/bin/python scripts/e2e_stack.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.stack import Stack  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="emile-stack-"))
    # `kill` stops the services too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stack = Stack(workdir)
    try:
        stack.start()
        print(f"operator API  {stack.api_url}/docs")
        print(f"Rasa server   {stack.rasa_url}  (REST: /webhooks/rest/webhook)")
        print(f"action server {stack.actions_url}/health")
        print(f"keys: {', '.join(f'{k}={v}' for k, v in stack.keys.items())}")
        print(
            "chat: .venv/assistant/bin/python scripts/chat.py "
            f"--url {stack.rasa_url} --secret {stack.rest_secret}"
        )
        print(f"logs and data in {workdir}; Ctrl-C stops")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
