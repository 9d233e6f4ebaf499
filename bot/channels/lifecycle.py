"""The one start/stop hook pair every channel's blueprint uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint

Hook = Callable[[Any, Any], Awaitable[None]]


def attach(
    blueprint: Blueprint,
    *,
    start: Hook | None = None,
    stop: Hook | None = None,
    serving: Hook | None = None,
) -> None:
    """Run `start` in the server's loop before it serves, `serving` once it serves (the
    model loaded), `stop` when it begins to stop."""
    if start is not None:
        # In Sanic's server loop: HTTP clients made here belong to the loop that serves.
        blueprint.listener(start, "before_server_start")
    if serving is not None:
        # after, not before: Rasa loads the agent in its own before_server_start listener,
        # registered after the channels'; work taken over from another server needs it.
        blueprint.listener(serving, "after_server_start")
    if stop is not None:
        # before_server_stop, not after: draining runs Rasa turns to their end, and Rasa
        # closes its resources (event broker, lock store) in its own after_server_stop
        # listener (rasa.core.run.serve_application); before it, the agent is whole.
        blueprint.listener(stop, "before_server_stop")
