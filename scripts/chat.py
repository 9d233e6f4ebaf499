#!/usr/bin/env python3
"""Chat with the running assistant (`make run`) in a terminal, through its REST channel.

    .venv/assistant/bin/python scripts/chat.py                # a new conversation
    .venv/assistant/bin/python scripts/chat.py --phone +33612345678   # as an SMS user
    .venv/assistant/bin/python scripts/chat.py --sender me    # continue conversation "me"

Choices are numbered: type the number to tap one, as on SMS. Ctrl-D or /quit leaves.
The REST channel answers only with its secret (bot/channels/rest.py): taken from --secret,
else EMILE_REST_SECRET, else the file `make run` made (`$EMILE_DATA_DIR/rest.secret`,
var/rest.secret by default). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def rest_secret(given: str | None) -> str:
    """The REST channel's secret: given, in the environment, or in the data directory."""
    if given:
        return given
    if os.environ.get("EMILE_REST_SECRET"):
        return os.environ["EMILE_REST_SECRET"]
    data_dir = Path(os.environ.get("EMILE_DATA_DIR") or ROOT / "var")
    try:
        return (data_dir / "rest.secret").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def send(
    url: str, secret: str, sender: str, text: str, metadata: dict[str, Any] | None
) -> list[dict]:
    """One message to the REST channel; the bot's answers."""
    body: dict[str, Any] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    request = urllib.request.Request(
        f"{url.rstrip('/')}/webhooks/rest/webhook",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read().decode("utf-8"))
    return answer if isinstance(answer, list) else []


def show(messages: list[dict]) -> list[dict]:
    """Print the bot's messages with their choices numbered; the choices."""
    choices: list[dict] = []
    for message in messages:
        if message.get("text"):
            print(f"bot: {message['text']}")
        for button in message.get("buttons") or []:
            choices.append(button)
            title = str(button.get("title"))
            # Menus and repaired questions come numbered already ("3. Host territories").
            shown = title if title.startswith(f"{len(choices)}. ") else f"{len(choices)}. {title}"
            print(f"     {shown}")
    return choices


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005", help="the Rasa server")
    parser.add_argument("--sender", default=None, help="conversation id (default: a new one)")
    parser.add_argument("--phone", default=None, help="pass this number as the channel would")
    parser.add_argument("--secret", default=None, help="the REST channel's secret")
    args = parser.parse_args()
    secret = rest_secret(args.secret)
    sender = args.sender or f"terminal-{uuid.uuid4().hex[:8]}"
    metadata = {"phone": args.phone} if args.phone else None
    print(f"conversation {sender} with {args.url}; type a message, a number to choose, /quit")
    choices: list[dict] = []
    while True:
        try:
            text = input("you: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in ("/quit", "/exit"):
            return 0
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(choices):
            chosen = choices[int(text) - 1]
            print(f"     ({chosen.get('title')})")
            text = chosen.get("payload") or text
        try:
            choices = show(send(args.url, secret, sender, text, metadata))
        except urllib.error.HTTPError as error:
            if error.code != 401:
                raise
            print("the assistant refused the REST secret: see --secret (is it `make run`'s var/?)")
        except (urllib.error.URLError, OSError) as error:
            print(f"cannot reach the assistant at {args.url}: {error} (is `make run` running?)")


if __name__ == "__main__":
    sys.exit(main())
