"""The action server: rasa-sdk's app on loopback, answering only the Rasa server.

    .venv/assistant/bin/python -m actions.server --port 5055 [--interface 127.0.0.1]

It acts with the assistant's API key (applications, erasure), so nobody but the Rasa server
may call it. `rasa run actions` (rasa-sdk 3.6.2) listens on 0.0.0.0 and checks nothing; this
runs the same app (`rasa_sdk.endpoint.create_app`, plugins, workers) with two differences:
- it listens on `--interface` (EMILE_ACTIONS_HOST, default 127.0.0.1);
- every route but `/health` (`/webhook`, `/actions`) needs `Authorization: Bearer
  <EMILE_ACTIONS_SECRET>`, which the Rasa server sends (endpoints.yml,
  `action_endpoint.headers`); without it, 401. `/health` stays open for load balancers.
A header rather than Rasa's `token:` query parameter, which would land in access logs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.shared_secret import MIN_SECRET_LENGTH, bearer_matches

SECRET_VARIABLE = "EMILE_ACTIONS_SECRET"
HOST_VARIABLE = "EMILE_ACTIONS_HOST"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
OPEN_PATHS = frozenset({"/health"})


class ActionServerConfigError(ValueError):
    """The action server cannot start safely with these settings."""


def secret_from(environ: Mapping[str, str]) -> str:
    """The shared secret the Rasa server must present (refuses a missing or short one)."""
    secret = environ.get(SECRET_VARIABLE, "").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ActionServerConfigError(
            f"{SECRET_VARIABLE} must hold a secret of at least {MIN_SECRET_LENGTH} characters "
            "(scripts/run.sh makes one in var/actions.secret)"
        )
    return secret


def require_secret(app: Sanic, secret: str) -> None:
    """Refuse every request but `/health` that does not carry the secret."""

    async def check(request: Request) -> HTTPResponse | None:
        authorization = request.headers.get("authorization")
        if request.path in OPEN_PATHS or bearer_matches(authorization, secret):
            return None
        return response.json({"error": "missing or wrong action server secret"}, status=401)

    app.register_middleware(check, "request")


# Seconds an idle connection from the Rasa server is kept open.
KEEP_ALIVE_S = 75


def create_app(secret: str, actions_package: str = "actions") -> Sanic:
    """rasa-sdk's action server app with the secret required."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from rasa_sdk.plugin import plugin_manager

    # No CORS origin: browsers have no business here (as `rasa run actions` without --cors).
    app: Sanic = create_sdk_app(actions_package, cors_origins=None)
    # The Rasa server keeps its connections here for its next calls and closes idle ones
    # after 2 s (bot/rasa_patches.py); Sanic's 5 s left too thin a margin under load, where
    # a call could go out on a connection this side was closing.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_S
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    require_secret(app, secret)
    return app


def main(argv: list[str] | None = None) -> int:
    """Start the action server in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--interface",
        default=os.environ.get(HOST_VARIABLE) or DEFAULT_HOST,
        help=f"address to listen on (default: {HOST_VARIABLE} or {DEFAULT_HOST})",
    )
    parser.add_argument("--actions", default="actions", help="package of the actions")
    args = parser.parse_args(argv)
    try:
        secret = secret_from(os.environ)
    except ActionServerConfigError as error:
        print(f"action server: {error}", file=sys.stderr)
        return 2

    from rasa_sdk import utils

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = create_app(secret, args.actions)
    logging.getLogger(__name__).info(
        "Action endpoint is up and running on http://%s:%s", args.interface, args.port
    )
    app.run(args.interface, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
